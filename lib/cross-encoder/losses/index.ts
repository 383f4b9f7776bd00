/**
 * The cross-encoder losses, one file each, numerically equal to sentence-transformers 6.2's (cross_encoder/losses):
 * the pointwise ones the Trainer trains with (BCEWithLogitsLoss, MSELoss on the activated score, CrossEntropyLoss),
 * and the ranking ones, each a function of the logits sentence-transformers' loss holds once it has scored the pairs,
 * returning a tf.Scalar to differentiate with tf.grad / tf.valueAndGrad (spec/cross-encoder/losses.spec.ts checks them
 * against the Python classes). LossSpec names the Trainer's loss as plain data, so a worker thread can rebuild it;
 * RankingLossSpec (ranking-loss-spec.ts) names a ranking loss the same way, for RankingTask.
 */
import { tf } from '../../tf.js';
import { bceWithLogits } from './binary-cross-entropy-loss.js';
import { checkClassLabels, crossEntropy } from './cross-entropy-loss.js';
import { mseOnActivated, type ScoreActivation } from './mse-loss.js';

export { checkClassLabels, crossEntropy } from './cross-entropy-loss.js';
export { mseOnActivated } from './mse-loss.js';
export { PADDED_LOGIT, type ScoreActivation } from './ranking-inputs.js';
export { padLabels, padLogits, type PaddedLabels } from './listwise-batch.js';
export { listNetLoss, type ListNetOptions } from './list-net-loss.js';
export { DEFAULT_WEIGHTING, lambdaLoss, type LambdaLossOptions, type WeightingScheme } from './lambda-loss.js';
export { rankNetLoss, type RankNetOptions } from './rank-net-loss.js';
export {
  DEFAULT_NUM_NEGATIVES,
  inBatchNegatives,
  multipleNegativesRankingLoss,
  pickInBatchNegatives,
  type MultipleNegativesRankingOptions,
} from './multiple-negatives-ranking-loss.js';
export {
  DEFAULT_MINI_BATCH_SIZE,
  chunkGradients,
  chunkPairs,
  flattenPairs,
  lossAndScoreGradient,
  scoresFromChunks,
  type ScoreGradient,
} from './cached-multiple-negatives-ranking-loss.js';
export { marginMseLoss, type MarginMseOptions } from './margin-mse-loss.js';
export { bceWithLogits, binaryCrossEntropyLoss, type BceOptions, type BinaryCrossEntropyOptions } from './binary-cross-entropy-loss.js';
export {
  RANKING_LOSS_KINDS,
  checkRankingLossSpec,
  describeRankingLoss,
  type InBatchLossSpec,
  type ListwiseLossSpec,
  type MarginLossSpec,
  type RankingExampleFor,
  type RankingLossKind,
  type RankingLossSpec,
} from './ranking-loss-spec.js';

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
