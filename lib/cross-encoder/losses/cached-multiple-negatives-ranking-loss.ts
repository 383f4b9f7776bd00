/**
 * CachedMultipleNegativesRankingLoss for cross-encoders (GradCache, Gao et al. 2021), as sentence-transformers' loss of
 * that name: the same loss and gradient as MultipleNegativesRankingLoss, with activations for one mini-batch of pairs
 * alive at a time instead of the whole batch. A training step is
 *   1. flattenPairs → chunkPairs(miniBatchSize); score every chunk without a tape (dropout seeds recorded);
 *   2. scoresFromChunks → lossAndScoreGradient: the loss and d loss / d scores, with a tape over the scores only;
 *   3. for each chunk again, with the tape and the same dropout seeds: back-propagate chunkGradients(...)[chunk]
 *      (tf.grad of Σ logits · cached gradient w.r.t. the weights), accumulating the weight gradients.
 * This file is the pure part (1's pairing and chunking, 2, and 3's cached gradients); the model calls are the trainer's.
 */
// Gradients: tfjs-core registers none on its own; tfjs-layers' bundle registers them (see binary-cross-entropy-loss.ts).
import '@tensorflow/tfjs-layers';
import { tf } from '../../tf.js';
import { UsageError } from '../../errors.js';
import { multipleNegativesRankingLoss, type MultipleNegativesRankingOptions } from './multiple-negatives-ranking-loss.js';

/** sentence-transformers' default mini-batch size (pairs scored per forward pass). */
export const DEFAULT_MINI_BATCH_SIZE = 32;

/**
 * The (query, document) pairs in sentence-transformers' order: column by column (positives, then each in-batch
 * negative slot, then each hard negative column), query by query within a column. `columns[c][i]` is query i's
 * document in column c.
 */
export function flattenPairs<Q, D>(queries: readonly Q[], columns: readonly (readonly D[])[]): Array<[Q, D]> {
  const pairs: Array<[Q, D]> = [];
  columns.forEach((col, c) => {
    if (col.length !== queries.length) throw new UsageError(`flattenPairs: column ${c} has ${col.length} documents for ${queries.length} queries.`);
    col.forEach((d, i) => pairs.push([queries[i], d]));
  });
  return pairs;
}

/** Consecutive chunks of at most miniBatchSize items (predict_minibatch_iter's slices). */
export function chunkPairs<T>(pairs: readonly T[], miniBatchSize: number = DEFAULT_MINI_BATCH_SIZE): T[][] {
  if (!Number.isInteger(miniBatchSize) || miniBatchSize < 1) throw new UsageError(`chunkPairs: miniBatchSize must be a positive integer (got ${miniBatchSize}).`);
  const chunks: T[][] = [];
  for (let s = 0; s < pairs.length; s += miniBatchSize) chunks.push(pairs.slice(s, s + miniBatchSize));
  return chunks;
}

/** calculate_loss's layout: the chunks' logits concatenated (flattenPairs order) → the [B, columns] score matrix. */
export function scoresFromChunks(chunkLogits: readonly tf.Tensor1D[], batchSize: number): tf.Tensor2D {
  const total = chunkLogits.reduce((n, t) => n + t.shape[0], 0);
  if (!Number.isInteger(batchSize) || batchSize < 1 || total === 0 || total % batchSize !== 0) {
    throw new UsageError(`scoresFromChunks: ${total} logits do not make whole columns of ${batchSize} queries.`);
  }
  return tf.tidy(() => tf.transpose(tf.reshape(tf.concat(chunkLogits as tf.Tensor1D[], 0), [-1, batchSize])) as tf.Tensor2D);
}

export interface ScoreGradient {
  loss: tf.Scalar;
  /** d loss / d scores, [B, columns]. */
  dScores: tf.Tensor2D;
}

/** Step 2 (calculate_loss_and_cache_gradients): the MultipleNegativesRankingLoss value and its gradient w.r.t. the scores. */
export function lossAndScoreGradient(scores: tf.Tensor2D, opts: MultipleNegativesRankingOptions = {}): ScoreGradient {
  const { value, grad } = tf.valueAndGrad((s: tf.Tensor) => multipleNegativesRankingLoss(s, opts))(scores);
  return { loss: value as tf.Scalar, dScores: grad as tf.Tensor2D };
}

/** The cache: dScores cut back into the chunks' order and sizes, the gradient each chunk's logits back-propagate. */
export function chunkGradients(dScores: tf.Tensor2D, chunkSizes: readonly number[]): tf.Tensor1D[] {
  const total = chunkSizes.reduce((n, s) => n + s, 0);
  if (total !== dScores.size) throw new UsageError(`chunkGradients: chunks hold ${total} pairs but dScores [${dScores.shape.join(', ')}] has ${dScores.size}.`);
  return tf.tidy(() => tf.split(tf.reshape(tf.transpose(dScores), [-1]), chunkSizes as number[]) as tf.Tensor1D[]);
}
