import type { ResolvedColumns } from './columns.js';
import { DEFAULT_LABEL_RANGE, type ResolvedReadOptions } from './options.js';
import { describeType, quoteValue } from './raw.js';
import type { PairExample } from './types.js';

/**
 * A decimal number as text. Stricter than Number(), which would turn "", " " and "0x1F" into numbers,
 * and which accepts "Infinity"; a label column holding those is broken, not a number.
 */
export const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

type Checked<T> = { ok: T } | { problem: string };

function has(values: Readonly<Record<string, unknown>>, col: string): boolean {
  // hasOwn, not `in`: a column named "constructor" must not be found on Object.prototype.
  return Object.hasOwn(values, col);
}

/** Text is kept byte for byte (STSb has meaningful leading/trailing spaces); it only has to be non-blank. */
function checkText(values: Readonly<Record<string, unknown>>, col: string): Checked<string> {
  if (!has(values, col)) return { problem: `missing field "${col}"` };
  const v = values[col];
  if (typeof v !== 'string') return { problem: `column "${col}" must be a string, got ${describeType(v)}` };
  if (v === '') return { problem: `column "${col}" is empty` };
  if (v.trim() === '') return { problem: `column "${col}" is whitespace-only (${quoteValue(v)})` };
  return { ok: v };
}

function rawScore(v: unknown, col: string, textual: boolean): Checked<number> {
  if (typeof v === 'number') return { ok: v };
  // INT64 parquet columns (integer class labels) arrive as bigint.
  if (typeof v === 'bigint') return { ok: Number(v) };
  if (textual && typeof v === 'string') {
    // Surrounding whitespace carries no meaning in a number, unlike in the sentences.
    const t = v.trim();
    if (t === '') return { problem: `column "${col}" is empty, expected a number` };
    if (!DECIMAL.test(t)) return { problem: `column "${col}" is not a number: ${quoteValue(v)}` };
    return { ok: Number(t) };
  }
  return { problem: `column "${col}" must be a number, got ${describeType(v)}${v === null ? '' : ` ${quoteValue(v)}`}` };
}

function checkLabel(
  values: Readonly<Record<string, unknown>>,
  cols: ResolvedColumns,
  opts: ResolvedReadOptions,
  textual: boolean,
): Checked<number> {
  const col = cols.label;
  if (!has(values, col)) {
    return { problem: cols.labelDefaulted ? `missing label field: neither "score" nor "label" is present` : `missing field "${col}"` };
  }
  const raw = rawScore(values[col], col, textual);
  if ('problem' in raw) return raw;
  const x = raw.ok;
  if (Number.isNaN(x)) return { problem: `column "${col}" is NaN` };
  if (!Number.isFinite(x)) return { problem: `column "${col}" is not finite: ${quoteValue(values[col])}` };
  const label = x / opts.scoreScale;
  const range = opts.labelRange;
  if (range && (label < range[0] || label > range[1])) {
    const shown = opts.scoreScale === 1 ? `${label}` : `${x} / score scale ${opts.scoreScale} = ${label}`;
    const isDefault = range[0] === DEFAULT_LABEL_RANGE[0] && range[1] === DEFAULT_LABEL_RANGE[1];
    const what = isDefault ? `outside [0, 1], the score range of the bce and mse losses` : `outside the label range [${range[0]}, ${range[1]}]`;
    // The common case: STSb-style 0-5 similarity scores read without their scale.
    const hint = isDefault && opts.scoreScale === 1 && x > 1 && x <= 5 ? '; scores on a 0-5 scale (as STSb\'s) need --score-scale 5 (scoreScale: 5)' : '';
    return { problem: `column "${col}" = ${shown} is ${what}${hint}` };
  }
  return { ok: label };
}

/** One row's values to an example, or the first thing wrong with it (naming the column). */
export function toExample(
  values: Readonly<Record<string, unknown>>,
  cols: ResolvedColumns,
  opts: ResolvedReadOptions,
  textual: boolean,
): Checked<PairExample> {
  const s1 = checkText(values, cols.sentence1);
  if ('problem' in s1) return s1;
  const s2 = checkText(values, cols.sentence2);
  if ('problem' in s2) return s2;
  const label = checkLabel(values, cols, opts, textual);
  if ('problem' in label) return label;
  return { ok: { sentence1: s1.ok, sentence2: s2.ok, label: label.ok } };
}
