/**
 * MultipleNegativesSymmetricRankingLoss: MultipleNegativesRankingLoss's forward term (each anchor picks its positive
 * among all candidates) averaged with a backward term (each positive picks its anchor among the anchors).
 */
import { tf } from '../../tf.js';
import { checkRankingInputs } from './check.js';
import { cosSimMatrix, diagonalCrossEntropy } from './similarity-ops.js';
import type { EmbeddingLoss } from './types.js';

export class MultipleNegativesSymmetricRankingLoss implements EmbeddingLoss {
  readonly name = 'MultipleNegativesSymmetricRankingLoss';
  readonly usesLabels = false;
  readonly columns = { min: 2, max: Number.POSITIVE_INFINITY };

  constructor(readonly scale = 20) {}

  fromEmbeddings(embeddings: readonly tf.Tensor2D[]): tf.Scalar {
    checkRankingInputs(this.name, embeddings);
    const B = embeddings[0].shape[0];
    const candidates = tf.concat(embeddings.slice(1), 0) as tf.Tensor2D;
    const scores = tf.mul(cosSimMatrix(embeddings[0], candidates), this.scale) as tf.Tensor2D;
    const forward = diagonalCrossEntropy(scores);
    // Negatives only add candidates for the anchors: the backward direction ranks anchors for the positives.
    const backward = diagonalCrossEntropy(tf.transpose(tf.slice(scores, [0, 0], [B, B])));
    return tf.div(tf.add(forward, backward), 2) as tf.Scalar;
  }
}
