/**
 * Cross-encoder ranking losses, numerically equal to sentence-transformers 6.2's (cross_encoder/losses): each is a
 * function of the logits sentence-transformers' loss holds once it has scored the pairs, returning a tf.Scalar to
 * differentiate with tf.grad / tf.valueAndGrad. spec/cross-encoder/losses.spec.ts checks them against the Python classes.
 */
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
