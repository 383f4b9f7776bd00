/** MSELoss, as sentence-transformers' cross-encoder loss of that name: on the activated score, mean over the batch. */
// Gradients: these are built from tfjs-core ops whose gradients are registered by tfjs-layers' bundle (tfjs-core on
// its own registers none, so tf.grad would fail with "gradient function not found").
import '@tensorflow/tfjs-layers';
import { tf } from '../../tf.js';
import { UsageError } from '../../errors.js';
import type { ScoreActivation } from './ranking-inputs.js';
import { pairUp } from './shapes.js';

export type { ScoreActivation };


/**
 * sentence-transformers' MSELoss for cross-encoders: mean((activation(logit) - label)^2).
 * 'sigmoid' is the default activation of 1-label cross-encoders; 'identity' regresses the raw logit.
 */
export function mseOnActivated(logits: tf.Tensor, labels: tf.Tensor, activation: ScoreActivation): tf.Scalar {
  return tf.tidy(() => {
    const [x, y] = pairUp(logits, labels, 'mseOnActivated');
    const scores = activation === 'sigmoid' ? tf.sigmoid(x) : activation === 'identity' ? x : badActivation(activation);
    return tf.mean(tf.squaredDifference(scores, y)) as tf.Scalar;
  });
}

function badActivation(a: never): never {
  throw new UsageError(`mseOnActivated: activation must be 'sigmoid' or 'identity' (got ${String(a)}).`);
}
