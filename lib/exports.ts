/**
 * The public surface both entries share (lib/index.ts for Node, lib/browser.ts for a page): every module here is
 * platform-neutral. Each entry installs its platform first, then re-exports this and adds what only it has.
 */
export { CrossEncoder, defaultActivation, type FromPretrainedOptions, type Pair, type PredictOptions, type RankOptions, type RankResult } from './cross-encoder/model.js';
export { type Activation } from './activation.js';
export * from './sentence-transformer/index.js';
export { pearson, spearman, rankAverage } from './evaluation/index.js';
export { CrossEncoderCorrelationEvaluator, type CorrelationResult, type PairScorer } from './cross-encoder/evaluation/index.js';
export { mrrAtK, ndcgAtK, averagePrecision } from './evaluation/ranking-metrics.js';
export { CrossEncoderRerankingEvaluator, type RerankingEvaluatorOptions, type RerankingResult, type RerankingSample, type RerankScorer } from './cross-encoder/evaluation/reranking-evaluator.js';
export { CrossEncoderNanoBEIREvaluator, NANO_BEIR_DATASETS, type NanoBeirEvaluatorOptions, type NanoBeirResult } from './cross-encoder/evaluation/nano-beir-evaluator.js';
export { PairTokenizer, type BatchEncoding, type EncodedPair } from './tokenizer/index.js';
export { readPairsFile, loadPairs, loadStsbFromDir, type PairExample, type PairDataset, type ReadPairsOptions, type ColumnMapping, type StsbSplit } from './data/index.js';
export { loadColumns, readColumnsFile, LABEL_COLUMNS, asPairs, asTuples, asListwise, mineHardNegatives, type ColumnDataset, type ColumnRow, type ReadColumnsOptions, type LoadColumnsOptions, type TupleExample, type ListwiseExample, type MineHardNegativesOptions, type HardNegativesFormat } from './data/index.js';
export { Trainer, DEFAULT_SEED, type TrainerOptions, type TrainResult, type LossKind, type EvalPoint } from './cross-encoder/trainer.js';
export { RankingTask, type RankingTaskOptions } from './cross-encoder/ranking-training-task.js';
export {
  RANKING_LOSS_KINDS,
  describeRankingLoss,
  type RankingLossSpec,
  type RankingLossKind,
  type RankingExampleFor,
  type ListwiseLossSpec,
  type InBatchLossSpec,
  type MarginLossSpec,
} from './cross-encoder/losses/ranking-loss-spec.js';
export type { ScoreActivation, WeightingScheme } from './cross-encoder/losses/index.js';
export type { InBatchNegativesExample, MarginExample, RankingExample } from './cross-encoder/ranking-examples.js';
export { TRAINING_ARGS, resolveTrainingArgs, type TrainingArgs, type ModelArgs, type ArgSpec } from './training/training-args.js';
export { AdamW, type AdamWOptions } from './training/optimizer.js';
export { makeSchedule, resolveWarmupSteps, type ScheduleKind } from './training/schedule.js';
export { bceWithLogits, mseOnActivated, crossEntropy } from './cross-encoder/losses/index.js';
export { WeightsFolder, WEIGHTS_FILE, WEIGHTS_INDEX_FILE } from './io/weights.js';
export { readConfig, parseConfig, SUPPORTED_MODEL_TYPES, type EncoderConfig } from './models/config.js';
export * from './errors.js';
export { type Threads } from './parallel/threads.js';
export { VERSION } from './version.js';
