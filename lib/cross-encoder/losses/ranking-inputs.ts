/**
 * What the ranking losses share: shape checks that name the loss and the tensor, the score activation, and the
 * document mask of listwise batches.
 *
 * Listwise losses (ListNet, LambdaLoss, RankNet) take logits and labels [B, n] with a mask [B, n] that is 1 (or true)
 * for a real document and 0 for padding. sentence-transformers receives ragged lists instead and pads them itself,
 * with logit -1e16 and label -inf; we apply exactly that padding inside each loss, so whatever the caller left in a
 * padded cell (junk, NaN) is never read and gets gradient 0. No label value means "padding" in sentence-transformers
 * (a label of -1 is a real, negative relevance), so the mask is the only way to say it here too.
 */
import { tf } from '../../tf.js';
import { UsageError } from '../../errors.js';

/** The score a loss compares: the raw logit, or its sigmoid (sentence-transformers' activation_fn). */
export type ScoreActivation = 'sigmoid' | 'identity';

/** The logit sentence-transformers gives a padded document (so softmax and sort put it last with weight 0). */
export const PADDED_LOGIT = -1e16;

const shape = (t: tf.Tensor): string => `[${t.shape.join(', ')}]`;

/** A [B, n] float tensor with B, n ≥ 1. */
export function checkMatrix(fn: string, what: string, t: tf.Tensor): tf.Tensor2D {
  if (t.rank !== 2) throw new UsageError(`${fn}: ${what} must have shape [B, n] (got ${shape(t)}).`);
  if (t.shape[0] === 0 || t.shape[1] === 0) throw new UsageError(`${fn}: ${what} is empty (shape ${shape(t)}).`);
  return t as tf.Tensor2D;
}

export function checkSameShape(fn: string, what: string, t: tf.Tensor, like: tf.Tensor2D): void {
  if (t.rank !== 2 || t.shape[0] !== like.shape[0] || t.shape[1] !== like.shape[1]) {
    throw new UsageError(`${fn}: ${what} must have the logits' shape ${shape(like)} (got ${shape(t)}).`);
  }
}

export function asFloat(t: tf.Tensor): tf.Tensor {
  return t.dtype === 'float32' ? t : tf.cast(t, 'float32');
}

/** activation_fn of the sentence-transformers loss: nn.Sigmoid() or nn.Identity() (None means identity too). */
export function activate(fn: string, x: tf.Tensor, activation: ScoreActivation): tf.Tensor {
  if (activation === 'sigmoid') return tf.sigmoid(x);
  if (activation === 'identity') return x;
  throw new UsageError(`${fn}: activation must be 'sigmoid' or 'identity' (got ${String(activation)}).`);
}

export interface ListwiseInputs {
  /** Activated logits with padded cells set to -1e16, as sentence-transformers' logits_matrix. */
  scores: tf.Tensor2D;
  /** Labels as float, padded cells set to `paddedLabel`. */
  labels: tf.Tensor2D;
  /** true for a real document. */
  valid: tf.Tensor2D;
}

/**
 * Checks a listwise batch and pads it as sentence-transformers does. The logits are zeroed in padded cells before
 * the activation, so a NaN or ±inf there cannot leak into the gradient (0 · NaN would).
 */
export function listwiseInputs(
  fn: string,
  logits: tf.Tensor,
  labels: tf.Tensor,
  mask: tf.Tensor | undefined,
  activation: ScoreActivation,
  paddedLabel: number,
): ListwiseInputs {
  const x = checkMatrix(fn, 'logits', logits);
  checkSameShape(fn, 'labels', labels, x);
  if (mask) checkSameShape(fn, 'mask', mask, x);
  const valid = (mask ? (mask.dtype === 'bool' ? mask : tf.notEqual(mask, 0)) : tf.cast(tf.onesLike(x), 'bool')) as tf.Tensor2D;
  const xf = asFloat(x);
  const scores = tf.where(valid, activate(fn, tf.where(valid, xf, tf.zerosLike(xf)), activation), tf.fill(x.shape, PADDED_LOGIT)) as tf.Tensor2D;
  const y = asFloat(labels);
  return { scores, labels: tf.where(valid, y, tf.fill(x.shape, paddedLabel)) as tf.Tensor2D, valid };
}
