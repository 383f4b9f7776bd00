/**
 * Read any file lib/data reads (.jsonl, .csv, .tsv, .parquet), or a hub dataset split, as a ColumnDataset under
 * sentence-transformers' column rule (column-dataset.ts). Every cell is checked; a bad one throws a DataError naming
 * file, row and column. Nothing is skipped or dropped: a row missing a column, or (JSONL) bringing one the first row
 * did not have, is an error too.
 */
import { DataError, UsageError } from '../errors.js';
import type { HubOptions } from '../io/hub-options.js';
import { cellKind, checkInputCell, checkLabelCell, isJsonList } from './column-cells.js';
import { LABEL_COLUMNS, type ColumnDataset, type ColumnRow, type LabelCell, type ReadColumnsOptions, type TextCell } from './column-dataset.js';
import { locateData } from './load.js';
import type { RawRow } from './raw.js';
import { readTable } from './read.js';

function listNames(cols: readonly string[]): string {
  return cols.length ? cols.map((c) => JSON.stringify(c)).join(', ') : '(none)';
}

function checkOptions(opts: ReadColumnsOptions): void {
  const cols = opts.columns;
  if (cols === undefined) return;
  if (!Array.isArray(cols) || cols.length === 0 || cols.some((c) => typeof c !== 'string' || c === '')) {
    throw new UsageError(`columns must be a non-empty list of column names, got ${JSON.stringify(cols)}`);
  }
  const dup = cols.find((c, i) => cols.indexOf(c) !== i);
  if (dup !== undefined) throw new UsageError(`columns lists "${dup}" twice`);
}

/** The label column of `columns` under the rule, or an error naming the file when the rule cannot decide. */
function pickLabel(file: string, columns: readonly string[], wanted: string | null | undefined): string | undefined {
  if (wanted === null) return undefined;
  if (wanted !== undefined) {
    if (!columns.includes(wanted)) throw new DataError(file, `missing label column "${wanted}" (labelColumn); columns: ${listNames(columns)}`);
    return wanted;
  }
  const present = LABEL_COLUMNS.filter((c) => columns.includes(c));
  if (present.length > 1) {
    throw new DataError(
      file,
      `two label columns: ${listNames(present)}; sentence-transformers would take "${present[0]}" as the label and feed "${present[1]}" to the loss as text. ` +
        `Drop one (columns: [...]) or name the label (labelColumn)`,
    );
  }
  return present[0];
}

function rowError(file: string, r: RawRow, message: string): DataError {
  // CSV records can span lines; say where the record starts when that is not the obvious line.
  const where = r.line !== undefined && r.line !== r.row + 1 ? ` (record starts on line ${r.line})` : '';
  return new DataError(file, message + where, r.row);
}

type ValueRow = Extract<RawRow, { values: unknown }>;

/**
 * Checks the rows of one file one by one: every chosen column present and its cell valid, each column one kind of
 * cell throughout (a kind decided by row 1, which also decides which CSV/TSV columns hold JSON lists), and a list
 * label as long as the row's list inputs.
 */
function rowChecker(file: string, columns: readonly string[], label: string | undefined, textual: boolean): (r: ValueRow) => ColumnRow {
  const listColumn = new Map<string, boolean>();
  const kinds = new Map<string, string>();
  return (r) => {
    const row: Record<string, TextCell | LabelCell> = {};
    for (const col of columns) {
      if (!Object.hasOwn(r.values, col)) throw rowError(file, r, `missing column "${col}"`);
      const v = r.values[col];
      if (!listColumn.has(col)) listColumn.set(col, Array.isArray(v) || isJsonList(v));
      const check = col === label ? checkLabelCell : checkInputCell;
      const checked = check(v, col, textual, listColumn.get(col)!);
      if ('problem' in checked) throw rowError(file, r, checked.problem);
      const kind = cellKind(checked.ok);
      const first = kinds.get(col);
      if (first === undefined) kinds.set(col, kind);
      else if (first !== kind) throw rowError(file, r, `column "${col}" holds ${kind} here but ${first} in row 1`);
      row[col] = checked.ok;
    }
    // A list label scores the documents of the row's list input one by one, so their lengths must agree.
    const labels = label === undefined ? undefined : row[label];
    if (Array.isArray(labels)) {
      for (const col of columns) {
        const docs = row[col];
        if (col !== label && Array.isArray(docs) && docs.length !== labels.length) {
          throw rowError(file, r, `column "${col}" has ${docs.length} items but label column "${label}" has ${labels.length}; each document needs one label`);
        }
      }
    }
    return row;
  };
}

/** Read one local file under the column rule. */
export async function readColumnsFile(file: string, opts: ReadColumnsOptions = {}): Promise<ColumnDataset> {
  checkOptions(opts);
  const table = await readTable(file);
  const header = table.columns;
  const dup = header?.find((c, i) => header.indexOf(c) !== i);
  if (dup !== undefined) throw new DataError(file, `column "${dup}" appears more than once in the header`);
  let columns: string[] | null = null;
  let label: string | undefined;
  let check: ((r: ValueRow) => ColumnRow) | undefined;
  const choose = (all: readonly string[]): string[] => {
    for (const c of opts.columns ?? []) if (!all.includes(c)) throw new DataError(file, `missing column "${c}"; columns: ${listNames(all)}`);
    const chosen = opts.columns ? [...opts.columns] : [...all];
    label = pickLabel(file, chosen, opts.labelColumn);
    check = rowChecker(file, chosen, label, table.textual);
    return chosen;
  };
  if (header) columns = choose(header);

  // Parquet reads only the chosen columns; JSONL (no header) hands every key of every object.
  const rows: ColumnRow[] = [];
  for (const r of await table.readRows(columns ?? [], Infinity)) {
    if ('error' in r) throw rowError(file, r, r.error);
    const keys = Object.keys(r.values);
    if (!columns) {
      // JSONL: the first object names the columns, in its key order.
      if (keys.length === 0) throw rowError(file, r, 'the first object has no fields, so there are no columns');
      columns = choose(keys);
    } else if (!header && !opts.columns) {
      const known = columns;
      const extra = keys.find((k) => !known.includes(k));
      if (extra !== undefined) throw rowError(file, r, `column "${extra}" is not one of the first row's columns (${listNames(columns)})`);
    }
    rows.push(check!(r));
  }
  if (!columns || rows.length === 0) throw new DataError(file, 'no data rows');
  return { columns, inputColumns: columns.filter((c) => c !== label), ...(label !== undefined ? { labelColumn: label } : {}), rows, source: file };
}

/** Several files (the parquet shards of one split) as one dataset; every shard must have the same columns. */
export async function readColumnsFiles(files: readonly string[], opts: ReadColumnsOptions, source: string): Promise<ColumnDataset> {
  let out: ColumnDataset | undefined;
  for (const file of files) {
    const part = await readColumnsFile(file, opts);
    if (!out) {
      out = { ...part, source };
      continue;
    }
    if (part.columns.join('\u0000') !== out.columns.join('\u0000')) {
      throw new DataError(file, `columns ${listNames(part.columns)} differ from those of ${files[0]} (${listNames(out.columns)})`);
    }
    // A loop, not push(...spread): spreading a shard of a million rows overflows the call stack.
    for (const row of part.rows) out.rows.push(row);
  }
  if (!out) throw new DataError(source, 'no files');
  return out;
}

export type LoadColumnsOptions = ReadColumnsOptions & { hub?: HubOptions };

/** A local file, or a hub dataset `org/name[:split]` (split default train), under the column rule. */
export async function loadColumns(spec: string, opts: LoadColumnsOptions = {}): Promise<ColumnDataset> {
  const { hub, ...readOpts } = opts;
  checkOptions(readOpts);
  const where = await locateData(spec, hub);
  return where.kind === 'file' ? readColumnsFile(where.file, readOpts) : readColumnsFiles(where.files, readOpts, where.source);
}
