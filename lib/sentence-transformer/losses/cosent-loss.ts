/**
 * CoSENTLoss: log(1 + Σ exp(s(k,l) − s(i,j))) over every two pairs whose labels say (i,j) is more similar than (k,l),
 * with s = scale · pairwise cosine. The similarity is a parameter so that AnglELoss is this loss with another one.
 */
import { tf } from '../../tf.js';
import { checkPairInputs } from './check.js';
import { pairwiseCosSim } from './similarity-ops.js';
import type { EmbeddingLoss } from './types.js';

export type PairwiseSimilarity = (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor1D;

export class CoSENTLoss implements EmbeddingLoss {
  readonly name: string = 'CoSENTLoss';
  readonly usesLabels = true;
  readonly columns = { min: 2, max: 2 };

  constructor(
    readonly scale = 20,
    protected readonly similarity: PairwiseSimilarity = pairwiseCosSim,
  ) {}

  fromEmbeddings(embeddings: readonly tf.Tensor2D[], labels?: tf.Tensor1D): tf.Scalar {
    const y = checkPairInputs(this.name, embeddings, labels);
    const s = tf.mul(this.similarity(embeddings[0], embeddings[1]), this.scale);
    const diff = tf.sub(tf.expandDims(s, 1), tf.expandDims(s, 0)); // [i, j] = s_i − s_j
    const relevant = tf.cast(tf.less(tf.expandDims(y, 1), tf.expandDims(y, 0)), 'float32'); // label_i < label_j
    // Irrelevant pairs pushed to −1e12 vanish in exp(); the leading 0 is the "1 +" of the formula.
    const masked = tf.sub(diff, tf.mul(tf.sub(1, relevant), 1e12));
    return tf.logSumExp(tf.concat([tf.zeros([1]), tf.reshape(masked, [-1])])) as tf.Scalar;
  }
}
