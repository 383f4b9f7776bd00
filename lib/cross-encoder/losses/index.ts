/**
 * The cross-encoder losses, one file each, numerically equal to the PyTorch losses sentence-transformers uses
 * (BCEWithLogitsLoss, MSELoss on the activated score, CrossEntropyLoss), each reduced by mean over the batch; and the
 * LossSpec that names the training loss as plain data (so a worker thread can rebuild the same loss).
 */
import { tf } from '../../tf.js';
import { bceWithLogits } from './binary-cross-entropy-loss.js';
import { checkClassLabels, crossEntropy } from './cross-entropy-loss.js';
import { mseOnActivated, type ScoreActivation } from './mse-loss.js';

export { bceWithLogits, type BceOptions } from './binary-cross-entropy-loss.js';
export { checkClassLabels, crossEntropy } from './cross-entropy-loss.js';
export { mseOnActivated, type ScoreActivation } from './mse-loss.js';

/** Which training loss, with its options: plain data, so a worker thread can rebuild the same loss. */
export interface LossSpec {
  kind: 'bce' | 'mse' | 'ce';
  posWeight?: number;
  /** For 'mse': the score the labels are compared with. */
  activation: ScoreActivation;
}

/** The mean loss of one batch under `spec` (labels: float [B, 1] for bce/mse, int32 [B] for ce). */
export function lossFor(spec: LossSpec, logits: tf.Tensor2D, labels: tf.Tensor): tf.Scalar {
  switch (spec.kind) {
    case 'bce':
      return bceWithLogits(logits, labels, { posWeight: spec.posWeight });
    case 'mse':
      return mseOnActivated(logits, labels, spec.activation);
    case 'ce':
      return crossEntropy(logits, labels);
  }
}

/** The labels tensor lossFor expects for `kind` (class labels are checked here, on the host). */
export function labelsTensor(kind: LossSpec['kind'], labels: readonly number[], classes = 1): tf.Tensor {
  if (kind === 'ce') checkClassLabels(labels, classes);
  return kind === 'ce' ? tf.tensor1d(labels as number[], 'int32') : tf.tensor2d(labels as number[], [labels.length, 1]);
}
