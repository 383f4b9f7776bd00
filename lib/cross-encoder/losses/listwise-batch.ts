/**
 * From sentence-transformers' listwise inputs (a ragged list of documents per query, scored as one flat list of
 * pairs, query by query) to the [B, n] logits, labels and mask the listwise losses take.
 */
import { tf } from '../../tf.js';
import { UsageError } from '../../errors.js';

function checkCounts(fn: string, docsPerQuery: readonly number[]): number {
  if (docsPerQuery.length === 0) throw new UsageError(`${fn}: no queries.`);
  docsPerQuery.forEach((d, i) => {
    // A query without documents has no label distribution (ListNet would be NaN, as in sentence-transformers).
    if (!Number.isInteger(d) || d < 1) throw new UsageError(`${fn}: query ${i} has ${d} documents; each needs at least 1.`);
  });
  return Math.max(...docsPerQuery);
}

/** Flat logits [Σ docs] (query-major, as the pairs were scored) → [B, max docs], padded with 0; differentiable. */
export function padLogits(flat: tf.Tensor, docsPerQuery: readonly number[]): tf.Tensor2D {
  const n = checkCounts('padLogits', docsPerQuery);
  const total = docsPerQuery.reduce((s, d) => s + d, 0);
  if (flat.rank !== 1 || flat.shape[0] !== total) throw new UsageError(`padLogits: logits must have shape [${total}] for ${docsPerQuery.length} queries (got [${flat.shape.join(', ')}]).`);
  return tf.tidy(() => {
    // One query: no split. tfjs' SplitV into a single piece has no usable gradient ("Pass at least one tensor to
    // concat" in the backward pass), and a batch of one query happens (the last, partial batch of an epoch).
    const pieces = docsPerQuery.length === 1 ? [flat] : tf.split(flat, docsPerQuery as number[]);
    const rows = pieces.map((r, i) => tf.pad(r, [[0, n - docsPerQuery[i]]]));
    return tf.stack(rows) as tf.Tensor2D;
  });
}

export interface PaddedLabels {
  labels: tf.Tensor2D;
  /** 1 for a real document, 0 for padding. */
  mask: tf.Tensor2D;
}

/** Ragged labels (one list per query) → labels and mask [B, max docs]. */
export function padLabels(labels: readonly (readonly number[])[]): PaddedLabels {
  const n = checkCounts('padLabels', labels.map((l) => l.length));
  const values = new Float32Array(labels.length * n);
  const mask = new Float32Array(labels.length * n);
  labels.forEach((row, i) =>
    row.forEach((v, j) => {
      values[i * n + j] = v;
      mask[i * n + j] = 1;
    }),
  );
  return { labels: tf.tensor2d(values, [labels.length, n]), mask: tf.tensor2d(mask, [labels.length, n]) };
}
