/**
 * BinaryCrossEntropyLoss, as sentence-transformers' cross-encoder loss of that name: torch's BCEWithLogitsLoss (mean,
 * optional pos_weight) on activation_fn(logits), one label per pair. The maths is lib/training/losses.ts' bceWithLogits
 * (what the Trainer already trains with); this adds the loss's activation_fn, nn.Identity() by default.
 */
import { tf } from '../../tf.js';
import { bceWithLogits, type BceOptions } from '../../training/losses.js';
import { activate, type ScoreActivation } from './ranking-inputs.js';

export { bceWithLogits, type BceOptions };

export interface BinaryCrossEntropyOptions extends BceOptions {
  /** Applied to the logits before BCEWithLogitsLoss (sentence-transformers' activation_fn); default 'identity'. */
  activation?: ScoreActivation;
}

/** logits and labels [B] or [B, 1]. */
export function binaryCrossEntropyLoss(logits: tf.Tensor, labels: tf.Tensor, opts: BinaryCrossEntropyOptions = {}): tf.Scalar {
  const activation = opts.activation ?? 'identity';
  if (activation === 'identity') return bceWithLogits(logits, labels, { posWeight: opts.posWeight });
  return tf.tidy(() => bceWithLogits(activate('binaryCrossEntropyLoss', logits, activation), labels, { posWeight: opts.posWeight }));
}
