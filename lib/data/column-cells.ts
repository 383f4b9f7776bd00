/**
 * One cell of a column dataset, checked: inputs are a non-blank text or a non-empty list of them, labels a finite
 * number or a non-empty list of them. Each problem names the column (and the list item); the caller adds file and row.
 *
 * CSV and TSV have no lists, so there a list is written as a JSON array in the cell (["doc a", "doc b"], [1, 0]).
 * Whether a column holds lists is decided by its first row, so a text column whose later cells happen to look like
 * "[citation needed]" stays text; once a column holds lists, every cell must be one.
 */
import type { LabelCell, TextCell } from './column-dataset.js';
import { describeType, quoteValue } from './raw.js';
import { DECIMAL } from './validate.js';

export type Checked<T> = { ok: T } | { problem: string };

function problem(p: string): { problem: string } {
  return { problem: p };
}

/** A text cell of CSV/TSV that holds a JSON array: the first row of a list column. */
export function isJsonList(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  const t = v.trim();
  if (!t.startsWith('[') || !t.endsWith(']')) return false;
  try {
    return Array.isArray(JSON.parse(t));
  } catch {
    return false;
  }
}

function parseJsonList(v: unknown, col: string): Checked<unknown[]> {
  if (typeof v === 'string') {
    try {
      const parsed: unknown = JSON.parse(v);
      if (Array.isArray(parsed)) return { ok: parsed };
    } catch {
      // reported below
    }
  }
  return problem(`column "${col}" holds JSON lists (as in its first row), but this cell is not one: ${quoteValue(v)}`);
}

function checkText(v: unknown, what: string): Checked<string> {
  if (typeof v !== 'string') return problem(`${what} must be a string, got ${describeType(v)}${v === null || v === undefined ? '' : ` ${quoteValue(v)}`}`);
  if (v === '') return problem(`${what} is empty`);
  if (v.trim() === '') return problem(`${what} is whitespace-only (${quoteValue(v)})`);
  return { ok: v };
}

function checkNumber(v: unknown, what: string, textual: boolean): Checked<number> {
  let x: number;
  if (typeof v === 'number') x = v;
  // INT64 parquet columns (integer class labels) arrive as bigint.
  else if (typeof v === 'bigint') x = Number(v);
  else if (textual && typeof v === 'string' && DECIMAL.test(v.trim())) x = Number(v.trim());
  else return problem(`${what} must be a number, got ${describeType(v)}${v === null || v === undefined ? '' : ` ${quoteValue(v)}`}`);
  if (!Number.isFinite(x)) return problem(`${what} is not a finite number: ${quoteValue(v)}`);
  return { ok: x };
}

function checkList<T>(items: unknown[], col: string, each: (v: unknown, what: string) => Checked<T>): Checked<T[]> {
  if (items.length === 0) return problem(`column "${col}" is an empty list`);
  const out: T[] = [];
  for (let k = 0; k < items.length; k++) {
    const c = each(items[k], `column "${col}" item ${k + 1}`);
    if ('problem' in c) return c;
    out.push(c.ok);
  }
  return { ok: out };
}

/** An input cell. `listColumn`: the column holds JSON lists written as text (CSV/TSV). */
export function checkInputCell(v: unknown, col: string, textual: boolean, listColumn: boolean): Checked<TextCell> {
  if (textual && listColumn) {
    const parsed = parseJsonList(v, col);
    return 'problem' in parsed ? parsed : checkList(parsed.ok, col, checkText);
  }
  if (Array.isArray(v)) return checkList(v, col, checkText);
  if (typeof v !== 'string') return problem(`column "${col}" must be a text or a list of texts, got ${describeType(v)}${v === null || v === undefined ? '' : ` ${quoteValue(v)}`}`);
  return checkText(v, `column "${col}"`);
}

/** A label cell: a number, or a list of numbers. */
export function checkLabelCell(v: unknown, col: string, textual: boolean, listColumn: boolean): Checked<LabelCell> {
  const num = (x: unknown, what: string) => checkNumber(x, what, false);
  if (textual && listColumn) {
    const parsed = parseJsonList(v, col);
    return 'problem' in parsed ? parsed : checkList(parsed.ok, col, num);
  }
  if (Array.isArray(v)) return checkList(v, col, num);
  return checkNumber(v, `label column "${col}"`, textual);
}

/** What a cell is, for the check that a column keeps one kind throughout. */
export function cellKind(cell: TextCell | LabelCell): string {
  if (Array.isArray(cell)) return typeof cell[0] === 'string' ? 'a list of texts' : 'a list of numbers';
  return typeof cell === 'string' ? 'a text' : 'a number';
}
