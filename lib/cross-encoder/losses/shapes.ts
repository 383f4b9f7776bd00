/** Shape checks the single-label cross-encoder losses share: [B] or [B, 1] logits and labels, as float. */
import { tf } from '../../tf.js';
import { UsageError } from '../../errors.js';

/** Flatten [B] or [B, 1] to [B]; anything else is a caller bug for single-label heads. */
export function flattenSingle(t: tf.Tensor, what: string, fn: string): tf.Tensor1D {
  if (t.rank === 1) return t as tf.Tensor1D;
  if (t.rank === 2 && t.shape[1] === 1) return tf.reshape(t, [t.shape[0]]);
  throw new UsageError(`${fn}: ${what} must have shape [B] or [B, 1] (got [${t.shape.join(', ')}]).`);
}

export function pairUp(logits: tf.Tensor, labels: tf.Tensor, fn: string): [tf.Tensor1D, tf.Tensor1D] {
  const x = flattenSingle(logits, 'logits', fn);
  const y = flattenSingle(labels, 'labels', fn);
  if (x.shape[0] !== y.shape[0]) throw new UsageError(`${fn}: ${x.shape[0]} logits but ${y.shape[0]} labels.`);
  if (x.shape[0] === 0) throw new UsageError(`${fn}: empty batch (the mean would be NaN).`);
  // Labels often arrive as int32 (0/1); the maths needs float.
  return [x, y.dtype === 'float32' ? y : tf.cast(y, 'float32')];
}
