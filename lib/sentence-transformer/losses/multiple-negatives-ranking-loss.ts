/**
 * MultipleNegativesRankingLoss (InfoNCE with in-batch negatives): each anchor must pick its own positive among every
 * positive and negative of the batch; scores are scale · cosine. The symmetric variant also makes each positive
 * pick its anchor: MultipleNegativesSymmetricRankingLoss (multiple-negatives-symmetric-ranking-loss.ts).
 */
import { tf } from '../../tf.js';
import { checkRankingInputs } from './check.js';
import { cosSimMatrix, diagonalCrossEntropy } from './similarity-ops.js';
import type { EmbeddingLoss } from './types.js';

export class MultipleNegativesRankingLoss implements EmbeddingLoss {
  readonly name: string = 'MultipleNegativesRankingLoss';
  readonly usesLabels = false;
  readonly columns = { min: 2, max: Number.POSITIVE_INFINITY };

  constructor(readonly scale = 20) {}

  fromEmbeddings(embeddings: readonly tf.Tensor2D[]): tf.Scalar {
    checkRankingInputs(this.name, embeddings);
    const candidates = tf.concat(embeddings.slice(1), 0) as tf.Tensor2D;
    return diagonalCrossEntropy(tf.mul(cosSimMatrix(embeddings[0], candidates), this.scale));
  }
}
