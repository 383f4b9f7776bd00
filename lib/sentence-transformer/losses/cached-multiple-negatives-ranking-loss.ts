/**
 * CachedMultipleNegativesRankingLoss (GradCache, Gao et al. 2021): the same loss and gradients as
 * MultipleNegativesRankingLoss, with memory for one mini-batch of texts instead of the whole batch, so large effective
 * batches fit the wasm heap. The trainer embeds the batch in mini-batches without a tape, takes this loss's gradient
 * with respect to the embeddings, then re-runs each mini-batch with the tape and the same dropout seeds, back-propagating
 * that cached gradient (lib/sentence-transformer/grad-cache.ts).
 */
import { UsageError } from '../../errors.js';
import { tf } from '../../tf.js';
import { checkRankingInputs } from './check.js';
import { cosSimMatrix, diagonalCrossEntropy } from './similarity-ops.js';
import type { EmbeddingLoss } from './types.js';

export class CachedMultipleNegativesRankingLoss implements EmbeddingLoss {
  readonly name = 'CachedMultipleNegativesRankingLoss';
  readonly usesLabels = false;
  readonly columns = { min: 2, max: Number.POSITIVE_INFINITY };

  constructor(
    readonly scale = 20,
    readonly miniBatchSize = 32,
  ) {
    if (!Number.isInteger(miniBatchSize) || miniBatchSize < 1) throw new UsageError(`miniBatchSize must be a positive integer, got ${miniBatchSize}`);
  }

  /** As calculate_loss: anchors in chunks of miniBatchSize against every candidate, each chunk's mean weighted by its share. */
  fromEmbeddings(embeddings: readonly tf.Tensor2D[]): tf.Scalar {
    checkRankingInputs(this.name, embeddings);
    const anchors = embeddings[0];
    const B = anchors.shape[0];
    const candidates = tf.concat(embeddings.slice(1), 0) as tf.Tensor2D;
    const parts: tf.Scalar[] = [];
    for (let s = 0; s < B; s += this.miniBatchSize) {
      const n = Math.min(this.miniBatchSize, B - s);
      const scores = tf.mul(cosSimMatrix(tf.slice(anchors, [s, 0], [n, -1]), candidates), this.scale) as tf.Tensor2D;
      parts.push(tf.mul(diagonalCrossEntropy(scores, s), n / B) as tf.Scalar);
    }
    return tf.addN(parts) as tf.Scalar;
  }
}
