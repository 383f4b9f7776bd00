/** CosineSimilarityLoss: MSE between torch.cosine_similarity(u, v) and the label (sentence-transformers' default STS loss). */
import { tf } from '../../tf.js';
import { torchCosineSimilarity } from './similarity-ops.js';
import { checkPairInputs } from './check.js';
import type { EmbeddingLoss } from './types.js';

export class CosineSimilarityLoss implements EmbeddingLoss {
  readonly name = 'CosineSimilarityLoss';
  readonly usesLabels = true;
  readonly columns = { min: 2, max: 2 };

  fromEmbeddings(embeddings: readonly tf.Tensor2D[], labels?: tf.Tensor1D): tf.Scalar {
    const y = checkPairInputs(this.name, embeddings, labels);
    return tf.mean(tf.squaredDifference(torchCosineSimilarity(embeddings[0], embeddings[1]), y)) as tf.Scalar;
  }
}
