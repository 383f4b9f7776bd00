/**
 * What a format reader hands to the shared validator: column names plus rows of untyped values.
 * Keeping the readers this dumb means every format gets exactly the same checks and messages.
 */

/** A row the reader could split into values, or the reason it could not (wrong field count, bad JSON...). */
export type RawRow =
  | { row: number; values: Readonly<Record<string, unknown>>; line?: number }
  | { row: number; error: string; line?: number };

export interface RawTable {
  /** Columns the file declares (header, schema). null where each row brings its own keys (JSONL). */
  columns: readonly string[] | null;
  /** True when values are text that still has to be parsed as numbers (TSV, CSV). */
  textual: boolean;
  /** Appended to a missing-column error when the reader suspects why (e.g. a TSV saved as .csv). */
  headerHint?: string;
  /**
   * The data rows, numbered from 1 (header excluded). `wanted` are the resolved column names, so columnar
   * formats read only those; `maxRows` is a hint that no more rows will be needed.
   */
  readRows(wanted: readonly string[], maxRows: number): Iterable<RawRow> | Promise<Iterable<RawRow>>;
}

/** A short description of a value's type for error messages ("number", "null", "array", "bytes"...). */
export function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Uint8Array) return 'bytes';
  return typeof v;
}

/** A value quoted for an error message, cut short so one huge field cannot flood the terminal. */
export function quoteValue(v: unknown, max = 60): string {
  const s = typeof v === 'string' ? JSON.stringify(v) : typeof v === 'bigint' ? `${v}n` : String(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
