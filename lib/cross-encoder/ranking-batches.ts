/**
 * From one step's query groups to what sentence-transformers' ranking losses do with them before and after their
 * model calls: the (query, document) pairs in the loss's order, cut into the loss's forward passes, and the loss of
 * the logits those passes return. The model calls themselves, and the gradients, are RankingTask's.
 *
 * Forward passes, as in sentence-transformers 6.2:
 *  - ListNet / LambdaLoss / RankNet: the pairs query by query, mini_batch_size pairs per pass (default: as many as
 *    the batch has queries); the logits are padded into [B, max documents] with the losses' mask.
 *  - MultipleNegativesRankingLoss and MarginMSELoss: one pass per column (positives, then the in-batch negative slots,
 *    then the hard negatives), each of B pairs; the logits make the [B, columns] score matrix.
 *  - CachedMultipleNegativesRankingLoss: the same pairs, column by column, in passes of mini_batch_size.
 */
import { tf } from '../tf.js';
import { UsageError } from '../errors.js';
import { chunkPairs, DEFAULT_MINI_BATCH_SIZE, flattenPairs, scoresFromChunks } from './losses/cached-multiple-negatives-ranking-loss.js';
import { lambdaLoss } from './losses/lambda-loss.js';
import { listNetLoss } from './losses/list-net-loss.js';
import { padLabels, padLogits } from './losses/listwise-batch.js';
import { marginMseLoss } from './losses/margin-mse-loss.js';
import { DEFAULT_NUM_NEGATIVES, multipleNegativesRankingLoss, pickInBatchNegatives } from './losses/multiple-negatives-ranking-loss.js';
import { rankNetLoss } from './losses/rank-net-loss.js';
import { layoutOf, type InBatchLossSpec, type ListwiseLossSpec, type MarginLossSpec, type RankingLossSpec } from './losses/ranking-loss-spec.js';
import type { InBatchNegativesExample, ListwiseExample, MarginExample, RankingExample } from './ranking-examples.js';

export type TextPair = [string, string];

export interface RankingBatch {
  /** Queries in the step: rows of the score matrix. */
  queries: number;
  /** Every pair the loss scores, in its order, cut into its forward passes. */
  chunks: TextPair[][];
  /** The loss from the logits of all chunks, concatenated in order ([Σ pairs]). Call inside a tape. */
  loss(logits: tf.Tensor1D): tf.Scalar;
  /** Frees the labels (and mask) loss() reads. */
  dispose(): void;
}

function listwiseBatch(rows: readonly ListwiseExample[], spec: ListwiseLossSpec): RankingBatch {
  const pairs = rows.flatMap((r) => r.documents.map((d): TextPair => [r.query, d]));
  const size = spec.miniBatchSize === undefined ? rows.length : spec.miniBatchSize < 0 ? pairs.length : spec.miniBatchSize;
  const docs = rows.map((r) => r.documents.length);
  const { labels, mask } = padLabels(rows.map((r) => r.labels));
  const { kind, miniBatchSize: _chunking, ...opts } = spec;
  return {
    queries: rows.length,
    chunks: chunkPairs(pairs, size),
    loss: (logits) => {
      const x = padLogits(logits, docs);
      if (kind === 'ListNetLoss') return listNetLoss(x, labels, { ...opts, mask });
      if (kind === 'RankNetLoss') return rankNetLoss(x, labels, { ...opts, mask });
      return lambdaLoss(x, labels, { ...opts, mask });
    },
    dispose: () => tf.dispose([labels, mask]),
  };
}

/** The columns of an in-batch step: positives, the in-batch negative slots (seeded), the hard negatives. */
function inBatchColumns(rows: readonly InBatchNegativesExample[], spec: InBatchLossSpec, seed: number): string[][] {
  const hard = Array.from({ length: rows[0].negatives.length }, (_, c) => rows.map((r) => r.negatives[c]));
  const candidates = [rows.map((r) => r.positive), ...hard];
  const numNegatives = spec.numNegatives === undefined ? DEFAULT_NUM_NEGATIVES : spec.numNegatives;
  return [candidates[0], ...pickInBatchNegatives(candidates, numNegatives, seed), ...hard];
}

function inBatchBatch(rows: readonly InBatchNegativesExample[], spec: InBatchLossSpec, seed: number): RankingBatch {
  const B = rows.length;
  const pairs = flattenPairs(rows.map((r) => r.anchor), inBatchColumns(rows, spec, seed));
  // MultipleNegativesRankingLoss scores one column per pass; the cached loss cuts the same sequence into its mini-batches.
  const size = spec.kind === 'CachedMultipleNegativesRankingLoss' ? (spec.miniBatchSize ?? DEFAULT_MINI_BATCH_SIZE) : B;
  return {
    queries: B,
    chunks: chunkPairs(pairs, size),
    loss: (logits) => multipleNegativesRankingLoss(scoresFromChunks([logits], B), { scale: spec.scale, activation: spec.activation }),
    dispose: () => {},
  };
}

function marginBatch(rows: readonly MarginExample[], spec: MarginLossSpec): RankingBatch {
  const B = rows.length;
  const columns = [rows.map((r) => r.positive), ...Array.from({ length: rows[0].negatives.length }, (_, c) => rows.map((r) => r.negatives[c]))];
  const labels = tf.tensor2d(rows.map((r) => r.label), [B, rows[0].label.length]);
  return {
    queries: B,
    // One pass per column, as MarginMSELoss.logits_from_pairs.
    chunks: chunkPairs(flattenPairs(rows.map((r) => r.query), columns), B),
    loss: (logits) => marginMseLoss(scoresFromChunks([logits], B), labels, { activation: spec.activation }),
    dispose: () => labels.dispose(),
  };
}

/** One step's batch. `seed` draws the in-batch negatives when they are sampled (numNegatives below the candidates). */
export function rankingBatch(spec: RankingLossSpec, rows: readonly RankingExample[], seed: number): RankingBatch {
  switch (spec.kind) {
    case 'ListNetLoss':
    case 'LambdaLoss':
    case 'RankNetLoss':
      return listwiseBatch(rows as ListwiseExample[], spec);
    case 'MultipleNegativesRankingLoss':
    case 'CachedMultipleNegativesRankingLoss':
      return inBatchBatch(rows as InBatchNegativesExample[], spec, seed);
    case 'MarginMSELoss':
      return marginBatch(rows as MarginExample[], spec);
  }
}

/** The pairs a row contributes on its own (in-batch negatives aside): for the length estimate. */
export function ownPairs(spec: RankingLossSpec, row: RankingExample): TextPair[] {
  if (layoutOf(spec) === 'listwise') {
    const r = row as ListwiseExample;
    return r.documents.map((d) => [r.query, d]);
  }
  const r = row as InBatchNegativesExample | MarginExample;
  const q = 'anchor' in r ? r.anchor : r.query;
  return [r.positive, ...r.negatives].map((d) => [q, d]);
}

/** One line per row for the data fingerprint a resume compares. */
export function rowLine(spec: RankingLossSpec, row: RankingExample): string {
  if (layoutOf(spec) === 'listwise') {
    const r = row as ListwiseExample;
    return `${JSON.stringify([r.query, r.documents, r.labels])}\n`;
  }
  if (layoutOf(spec) === 'in-batch') {
    const r = row as InBatchNegativesExample;
    return `${JSON.stringify([r.anchor, r.positive, r.negatives])}\n`;
  }
  const r = row as MarginExample;
  return `${JSON.stringify([r.query, r.positive, r.negatives, r.label])}\n`;
}

const isText = (v: unknown): v is string => typeof v === 'string';
const what = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

function texts(i: number, field: string, v: unknown, min: number): string[] {
  if (!Array.isArray(v)) throw new UsageError(`training row ${i + 1}: ${field} must be an array of strings, got ${what(v)}`);
  v.forEach((t, j) => {
    if (!isText(t)) throw new UsageError(`training row ${i + 1}: ${field}[${j}] is ${what(t)}, not a string`);
  });
  if (v.length < min) throw new UsageError(`training row ${i + 1}: ${field} is empty; it needs at least ${min}`);
  return v as string[];
}

function text(i: number, field: string, v: unknown): void {
  if (!isText(v)) throw new UsageError(`training row ${i + 1}: ${field} is ${what(v)}, not a string`);
}

/** `expected` says what the length must match, for the message. */
function numbers(i: number, field: string, v: unknown, length: number, expected: string): void {
  if (!Array.isArray(v)) throw new UsageError(`training row ${i + 1}: ${field} must be an array of numbers, got ${what(v)}`);
  v.forEach((x, j) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new UsageError(`training row ${i + 1}: ${field}[${j}] is ${JSON.stringify(x)}, not a finite number`);
  });
  if (v.length !== length) throw new UsageError(`training row ${i + 1}: ${field} has ${v.length} values; ${expected}`);
}

/** Every row has the fields its loss reads, with the types and lengths it needs; errors name the row (1-based). */
export function checkRankingRows(spec: RankingLossSpec, rows: readonly RankingExample[]): void {
  const layout = layoutOf(spec);
  let k = -1;
  let labelLength = -1;
  rows.forEach((row, i) => {
    if (typeof row !== 'object' || row === null) throw new UsageError(`training row ${i + 1} is ${what(row)}, not an object`);
    const r = row as unknown as Record<string, unknown>;
    if (layout === 'listwise') {
      text(i, 'query', r.query);
      const docs = texts(i, 'documents', r.documents, 1);
      numbers(i, 'labels', r.labels, docs.length, `it needs one per document (${docs.length})`);
      return;
    }
    text(i, layout === 'in-batch' ? 'anchor' : 'query', layout === 'in-batch' ? r.anchor : r.query);
    text(i, 'positive', r.positive);
    const negatives = texts(i, 'negatives', r.negatives, layout === 'margin' ? 1 : 0);
    if (k < 0) k = negatives.length;
    if (negatives.length !== k) throw new UsageError(`training row ${i + 1} has ${negatives.length} negatives, row 1 has ${k}; ${spec.kind} needs the same number in every row (they are columns)`);
    if (layout !== 'margin') return;
    if (!Array.isArray(r.label)) throw new UsageError(`training row ${i + 1}: label must be an array of the teacher's ${k} margins or ${k + 1} scores, got ${what(r.label)}`);
    if (labelLength < 0) labelLength = r.label.length;
    if (labelLength !== k && labelLength !== k + 1) throw new UsageError(`training row ${i + 1}: label has ${labelLength} values; MarginMSELoss needs the teacher's ${k} margins or its ${k + 1} scores`);
    numbers(i, 'label', r.label, labelLength, `row 1 has ${labelLength} (every row the same: margins, or scores)`);
  });
}
