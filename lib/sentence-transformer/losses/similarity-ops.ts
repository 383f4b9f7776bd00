/**
 * The tensor similarity functions the losses use, as sentence-transformers' util defines them (differentiable).
 */
import { tf } from '../../tf.js';
import { l2Normalize } from '../embedding-model.js';

/** util.cos_sim: normalize(a) · normalize(b)ᵀ, [A, B]. */
export function cosSimMatrix(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(l2Normalize(a), l2Normalize(b), false, true);
}

/** util.pairwise_cos_sim: Σ normalize(a) · normalize(b) per row, [B]. */
export function pairwiseCosSim(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  return tf.sum(tf.mul(l2Normalize(a), l2Normalize(b)), 1);
}

/** torch.cosine_similarity(a, b) (dim 1, eps 1e-8): a·b / sqrt(max(‖a‖²‖b‖², eps²)). */
export function torchCosineSimilarity(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  const w = tf.mul(tf.sum(tf.square(a), 1), tf.sum(tf.square(b), 1));
  return tf.div(tf.sum(tf.mul(a, b), 1), tf.sqrt(tf.maximum(w, 1e-16)));
}

/** util.pairwise_angle_sim: each vector as complex numbers (first half real, second imaginary); |Σ normalised quotient|. */
export function pairwiseAngleSim(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor1D {
  const [a, b] = tf.split(x, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
  const [c, d] = tf.split(y, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
  const z = tf.sum(tf.add(tf.square(c), tf.square(d)), 1, true);
  const dz = tf.sqrt(tf.sum(tf.add(tf.square(a), tf.square(b)), 1, true));
  const dw = tf.sqrt(z);
  const scale = tf.div(dz, dw);
  const re = tf.div(tf.div(tf.add(tf.mul(a, c), tf.mul(b, d)), z), scale);
  const im = tf.div(tf.div(tf.sub(tf.mul(b, c), tf.mul(a, d)), z), scale);
  return tf.abs(tf.sum(tf.concat([re, im], 1), 1)) as tf.Tensor1D;
}

/** torch.nn.CrossEntropyLoss(scores, labels) with labels[i] = offset + i: mean over rows of −log softmax at the diagonal. */
export function diagonalCrossEntropy(scores: tf.Tensor2D, offset = 0): tf.Scalar {
  const [rows, cols] = scores.shape;
  const target = tf.oneHot(tf.range(offset, offset + rows, 1, 'int32'), cols);
  return tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(scores)), 1))) as tf.Scalar;
}
