/**
 * BinaryCrossEntropyLoss, as sentence-transformers' cross-encoder loss of that name: torch's BCEWithLogitsLoss (mean,
 * optional pos_weight) on activation_fn(logits), one label per pair. bceWithLogits is what the Trainer trains with;
 * binaryCrossEntropyLoss adds the loss's activation_fn, nn.Identity() by default.
 */
// Gradients: these are built from tfjs-core ops whose gradients are registered by tfjs-layers' bundle (tfjs-core on
// its own registers none, so tf.grad would fail with "gradient function not found").
import '@tensorflow/tfjs-layers';
import { tf } from '../../tf.js';
import { UsageError } from '../../errors.js';
import { activate, type ScoreActivation } from './ranking-inputs.js';
import { pairUp } from './shapes.js';

export interface BceOptions {
  /** torch's pos_weight: weight of the positive term, for imbalanced binary data. */
  posWeight?: number;
}

/**
 * torch.nn.BCEWithLogitsLoss(reduction='mean'): mean of -[y log σ(x) + (1 - y) log(1 - σ(x))], stable for any |x|.
 * Labels may be soft (in [0, 1]), as in sentence-transformers' STS-B training.
 */
export function bceWithLogits(logits: tf.Tensor, labels: tf.Tensor, opts: BceOptions = {}): tf.Scalar {
  const pw = opts.posWeight;
  if (pw !== undefined && (!Number.isFinite(pw) || pw < 0)) {
    throw new UsageError(`bceWithLogits: posWeight must be a finite number >= 0 (got ${pw}).`);
  }
  return tf.tidy(() => {
    const [x, y] = pairUp(logits, labels, 'bceWithLogits');
    // torch computes (1 - y) x - log σ(x) [* (1 + (pw - 1) y) with pos_weight], and -log σ(x) = softplus(-x).
    // Not tf.losses.sigmoidCrossEntropy: its log1p(exp(-|x|)) runs through the wasm backend's float32 Log1p,
    // which is log(1 + t) and loses the tail (off by 4e-4 relative at |x| = 10, gives 0 instead of 1.9e-22 at
    // |x| = 50). The Softplus kernel is accurate on wasm and cpu, and its gradient σ(·) is exact at x = 0 too.
    const nll = tf.softplus(tf.neg(x));
    const weighted = pw === undefined || pw === 1 ? nll : tf.mul(tf.add(tf.mul(tf.scalar(pw - 1), y), 1), nll);
    return tf.mean(tf.add(tf.mul(tf.sub(1, y), x), weighted)) as tf.Scalar;
  });
}

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
