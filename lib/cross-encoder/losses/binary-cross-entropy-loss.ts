/**
 * BinaryCrossEntropyLoss, as sentence-transformers' cross-encoder loss of that name: torch's BCEWithLogitsLoss on the
 * 1-label logits, mean over the batch, with pos_weight.
 */
// Gradients: these are built from tfjs-core ops whose gradients are registered by tfjs-layers' bundle (tfjs-core on
// its own registers none, so tf.grad would fail with "gradient function not found").
import '@tensorflow/tfjs-layers';
import { tf } from '../../tf.js';
import { UsageError } from '../../errors.js';
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
