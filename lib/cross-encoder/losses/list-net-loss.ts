/**
 * ListNetLoss (Cao et al. 2007, top-one probability), as sentence-transformers' cross-encoder loss of that name: the
 * cross-entropy between softmax(labels) and softmax(activation(logits)) over each query's documents, mean over the
 * queries. Padded documents get logit -1e16 and label -inf, so both distributions give them probability 0.
 *
 * A query with no real document has no label distribution: sentence-transformers then returns NaN, and so do we.
 */
// Gradients: tfjs-core registers none on its own; tfjs-layers' bundle registers them (see binary-cross-entropy-loss.ts).
import '@tensorflow/tfjs-layers';
import { tf } from '../../tf.js';
import { listwiseInputs, type ScoreActivation } from './ranking-inputs.js';

export interface ListNetOptions {
  /** 1 for a real document, 0 for padding; default: every document is real. */
  mask?: tf.Tensor;
  /** activation_fn, applied to the logits first; sentence-transformers' default is nn.Identity(). */
  activation?: ScoreActivation;
}

/** ListNet on logits and labels [B, n] (one row per query). */
export function listNetLoss(logits: tf.Tensor, labels: tf.Tensor, opts: ListNetOptions = {}): tf.Scalar {
  return tf.tidy(() => {
    const { scores, labels: y } = listwiseInputs('listNetLoss', logits, labels, opts.mask, opts.activation ?? 'identity', Number.NEGATIVE_INFINITY);
    // torch's CrossEntropyLoss with probability targets: -Σ_j p_j log_softmax(s)_j per row, mean over rows.
    const target = tf.softmax(y);
    return tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(scores)), 1))) as tf.Scalar;
  });
}
