import { UsageError } from '../../errors.js';
import type { tf } from '../../tf.js';

/** Two embedding columns of the same batch and one label each; the labels back. */
export function checkPairInputs(name: string, embeddings: readonly tf.Tensor2D[], labels: tf.Tensor1D | undefined): tf.Tensor1D {
  if (embeddings.length !== 2) throw new UsageError(`${name} takes 2 text columns, got ${embeddings.length}`);
  const [a, b] = embeddings;
  if (a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1]) throw new UsageError(`${name}: embeddings [${a.shape.join(', ')}] and [${b.shape.join(', ')}] differ in shape`);
  if (!labels) throw new UsageError(`${name} needs a label (score) per pair`);
  if (labels.shape[0] !== a.shape[0]) throw new UsageError(`${name}: ${a.shape[0]} pairs but ${labels.shape[0]} labels`);
  if (a.shape[0] === 0) throw new UsageError(`${name}: empty batch`);
  return labels;
}

/** An anchor column and at least one candidate column, all of one batch size. */
export function checkRankingInputs(name: string, embeddings: readonly tf.Tensor2D[]): void {
  if (embeddings.length < 2) throw new UsageError(`${name} takes (anchor, positive[, negatives…]) columns, got ${embeddings.length}`);
  const B = embeddings[0].shape[0];
  if (B === 0) throw new UsageError(`${name}: empty batch`);
  embeddings.forEach((e, i) => {
    if (e.shape[0] !== B) throw new UsageError(`${name}: column ${i + 1} has ${e.shape[0]} rows, the anchors ${B}`);
  });
}
