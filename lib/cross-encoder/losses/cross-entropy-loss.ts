/** CrossEntropyLoss, as sentence-transformers' cross-encoder loss of that name, for multi-label (class) heads. */
// Gradients: these are built from tfjs-core ops whose gradients are registered by tfjs-layers' bundle (tfjs-core on
// its own registers none, so tf.grad would fail with "gradient function not found").
import '@tensorflow/tfjs-layers';
import { tf } from '../../tf.js';
import { UsageError } from '../../errors.js';

/**
 * torch.nn.CrossEntropyLoss(reduction='mean') for logits [B, C] and integer class labels [B].
 * Unlike torch we have no ignore_index: every label must lie in [0, C), else UsageError (tfjs' oneHot would
 * silently give a zero row, i.e. a wrong loss instead of an error).
 */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  if (logits.rank !== 2) throw new UsageError(`crossEntropy: logits must have shape [B, C] (got [${logits.shape.join(', ')}]).`);
  const [b, c] = logits.shape as [number, number];
  if (labels.rank !== 1 || labels.shape[0] !== b) {
    throw new UsageError(`crossEntropy: labels must have shape [${b}] to match logits (got [${labels.shape.join(', ')}]).`);
  }
  if (b === 0) throw new UsageError('crossEntropy: empty batch (the mean would be NaN).');
  // Labels are tiny; reading them lets us fail loudly. WebGPU cannot read synchronously in Node (and stalls its
  // pipeline in a page), so there the check happens where the labels are made (labelsTensor, the Trainer).
  if (tf.getBackend() !== 'webgpu') checkClassLabels(labels.dataSync(), c);
  return tf.tidy(() => {
    const onehot = tf.oneHot(labels.dtype === 'int32' ? (labels as tf.Tensor1D) : tf.cast(labels, 'int32'), c);
    // logSoftmax subtracts the row max first, so large logits do not overflow.
    const picked = tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), 1);
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}

/** Class labels must be integers in [0, classes): tfjs' oneHot would silently give a zero row for any other. */
export function checkClassLabels(values: ArrayLike<number>, classes: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0 || v >= classes) throw new UsageError(`crossEntropy: label ${i} is ${v}; must be an integer in [0, ${classes}).`);
  }
}
