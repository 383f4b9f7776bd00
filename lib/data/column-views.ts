/**
 * The dataset formats of sentence-transformers v4+, as typed views over a ColumnDataset. Each checks the shape the
 * column rule gives (how many inputs, which are lists, whether there is a label) and then every row, so a loss gets
 * what it expects or the caller gets a DataError naming the source and row:
 *
 *   asPairs     (text1, text2, label)                    e.g. BinaryCrossEntropyLoss, CoSENTLoss
 *   asTuples    (anchor, positive)                       e.g. MultipleNegativesRankingLoss
 *               (anchor, positive, negative_1 … negative_n), optionally with a [scores] label (MarginMSE)
 *   asListwise  (query, [documents], [labels])           e.g. LambdaLoss, ListNetLoss
 *
 * Columns are matched by position, never by name, as the collators do: a first column "answer" is the anchor.
 */
import { DataError } from '../errors.js';
import type { ColumnDataset, ColumnRow, LabelCell, TextCell } from './column-dataset.js';
import { cellKind } from './column-cells.js';
import type { PairExample } from './types.js';

export interface TupleExample {
  anchor: string;
  positive: string;
  /** The third and later inputs, in column order; empty for (anchor, positive). */
  negatives: string[];
  /** The label list, when there is one: a score for the positive, then one per negative. */
  scores?: number[];
}

export interface ListwiseExample {
  query: string;
  documents: string[];
  labels: number[];
}

/** "(a, b, c) + label "score"": the shape a dataset has, for messages that say why it does not fit. */
function shapeOf(ds: ColumnDataset): string {
  const label = ds.labelColumn === undefined ? 'no label column' : `label column "${ds.labelColumn}"`;
  return `inputs (${ds.inputColumns.join(', ')}) and ${label}`;
}

function text(ds: ColumnDataset, row: ColumnRow, r: number, col: string): string {
  const v: TextCell | LabelCell | undefined = row[col];
  if (typeof v === 'string') return v;
  throw new DataError(ds.source, `column "${col}" must be a text, got ${v === undefined ? 'nothing (missing)' : cellKind(v)}`, r + 1);
}

function texts(ds: ColumnDataset, row: ColumnRow, r: number, col: string): string[] {
  const v = row[col];
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) return [...(v as readonly string[])];
  const got = v === undefined ? 'nothing (missing)' : Array.isArray(v) && v.length === 0 ? 'an empty list' : cellKind(v);
  throw new DataError(ds.source, `column "${col}" must be a list of texts, got ${got}`, r + 1);
}

function num(ds: ColumnDataset, row: ColumnRow, r: number, col: string): number {
  const v = row[col];
  if (typeof v === 'number') return v;
  throw new DataError(ds.source, `label column "${col}" must be a number, got ${v === undefined ? 'nothing (missing)' : cellKind(v)}`, r + 1);
}

function nums(ds: ColumnDataset, row: ColumnRow, r: number, col: string, n: number, why: string): number[] {
  const v = row[col];
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) {
    if (v.length !== n) throw new DataError(ds.source, `label column "${col}" has ${v.length} values, expected ${n} (${why})`, r + 1);
    return [...(v as readonly number[])];
  }
  throw new DataError(ds.source, `label column "${col}" must be a list of numbers, got ${v === undefined ? 'nothing (missing)' : cellKind(v)}`, r + 1);
}

/** (text1, text2, label): two text inputs and a numeric label, as the PairExample the cross-encoder trainer takes. */
export function asPairs(ds: ColumnDataset): PairExample[] {
  const [a, b] = ds.inputColumns;
  if (ds.inputColumns.length !== 2 || ds.labelColumn === undefined) {
    const hint = ds.labelColumn === undefined && ds.inputColumns.length >= 2 ? '; without a label it is an (anchor, positive, …) dataset: asTuples' : '';
    throw new DataError(ds.source, `labelled pairs need two input columns and a label column (label, labels, score or scores); this dataset has ${shapeOf(ds)}${hint}`);
  }
  const label = ds.labelColumn;
  return ds.rows.map((row, r) => ({ sentence1: text(ds, row, r, a!), sentence2: text(ds, row, r, b!), label: num(ds, row, r, label) }));
}

/**
 * (anchor, positive) and (anchor, positive, negative_1 … negative_n). `negatives` fixes n (0: pairs only). A label
 * column must hold lists with a score for the positive and each negative, as mine_hard_negatives writes with
 * output_scores; a single-number label makes the dataset labelled pairs instead (asPairs).
 */
export function asTuples(ds: ColumnDataset, opts: { negatives?: number } = {}): TupleExample[] {
  const inputs = ds.inputColumns;
  const want = opts.negatives === undefined ? undefined : opts.negatives + 2;
  if (inputs.length < 2 || (want !== undefined && inputs.length !== want)) {
    const expected = want === undefined ? 'at least two input columns (anchor, positive, negatives…)' : `${want} input columns (anchor, positive and ${opts.negatives} negatives)`;
    throw new DataError(ds.source, `(anchor, positive, …) tuples need ${expected}; this dataset has ${shapeOf(ds)}`);
  }
  const label = ds.labelColumn;
  return ds.rows.map((row, r) => {
    const out: TupleExample = { anchor: text(ds, row, r, inputs[0]!), positive: text(ds, row, r, inputs[1]!), negatives: inputs.slice(2).map((c) => text(ds, row, r, c)) };
    if (label !== undefined) {
      if (typeof row[label] === 'number') {
        throw new DataError(ds.source, `label column "${label}" holds one number per row, which makes this a labelled-pair dataset (asPairs), not tuples`, r + 1);
      }
      out.scores = nums(ds, row, r, label, inputs.length - 1, 'one for the positive, one per negative');
    }
    return out;
  });
}

/** (query, [documents], [labels]): a text, a non-empty list of texts and one label per document. */
export function asListwise(ds: ColumnDataset): ListwiseExample[] {
  const [q, d] = ds.inputColumns;
  if (ds.inputColumns.length !== 2 || ds.labelColumn === undefined) {
    throw new DataError(ds.source, `(query, [documents], [labels]) needs two input columns and a label column; this dataset has ${shapeOf(ds)}`);
  }
  const label = ds.labelColumn;
  return ds.rows.map((row, r) => {
    const documents = texts(ds, row, r, d!);
    return { query: text(ds, row, r, q!), documents, labels: nums(ds, row, r, label, documents.length, `one per document of "${d!}"`) };
  });
}
