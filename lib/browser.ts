/**
 * tfjs-cross-encoder in a web page (package.json `exports`, condition `browser`): the same models, tokenizer, training
 * and evaluation as in Node, on webgpu, webgl, wasm or cpu.
 *
 *   import '@tensorflow/tfjs-backend-webgl';              // optional: the GPU backends register on import
 *   import { CrossEncoder, setWasmPaths } from 'tfjs-cross-encoder';
 *   setWasmPaths('/assets/tfjs-wasm/');                    // where the bundler put tfjs-backend-wasm's .wasm files
 *   const model = await CrossEncoder.fromPretrained('cross-encoder/ms-marco-MiniLM-L6-v2');  // Hub, cached
 *   const scores = await model.predict([['query', 'passage']]);
 *
 * Files live in an in-memory file system: Hub downloads (kept in Cache Storage), URLs, and user Files
 * (`mountFiles`) are folders in it; `save()` and training write into it, and `readFolder` reads a folder back out.
 */
// First: installs the page platform (in-memory files, Cache Storage, no environment, the page's backend order).
import './platform/browser.js';
import { hubSettings } from './platform/browser.js';
import type { BrowserHubSettings } from './io/browser-hub.js';

export { CrossEncoder, defaultActivation, type FromPretrainedOptions, type Pair, type PredictOptions, type RankOptions, type RankResult } from './cross-encoder/model.js';
export * from './sentence-transformer/index.js';
export { type Activation } from './activation.js';
export { initBrowserBackend as initBackend, setWasmPaths } from './backend/browser.js';
export { activeBackend, describeBackend, type BackendInfo, type BackendName } from './backend/state.js';
export { tf } from './tf.js';
export { pearson, spearman, rankAverage } from './evaluation/index.js';
export { CrossEncoderCorrelationEvaluator, type CorrelationResult, type PairScorer } from './cross-encoder/evaluation/index.js';
export { mrrAtK, ndcgAtK, averagePrecision } from './evaluation/ranking-metrics.js';
export { CrossEncoderRerankingEvaluator, type RerankingEvaluatorOptions, type RerankingResult, type RerankingSample, type RerankScorer } from './cross-encoder/evaluation/reranking-evaluator.js';
export { CrossEncoderNanoBEIREvaluator, NANO_BEIR_DATASETS, type NanoBeirEvaluatorOptions, type NanoBeirResult } from './cross-encoder/evaluation/nano-beir-evaluator.js';
export { PairTokenizer, type BatchEncoding, type EncodedPair } from './tokenizer/index.js';
export { readPairsFile, loadPairs, loadStsbFromDir, type PairExample, type PairDataset, type ReadPairsOptions, type ColumnMapping, type StsbSplit } from './data/index.js';
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
export type { ListwiseExample, InBatchNegativesExample, MarginExample, RankingExample } from './cross-encoder/ranking-examples.js';
export { TRAINING_ARGS, resolveTrainingArgs, type TrainingArgs, type ModelArgs, type ArgSpec } from './training/training-args.js';
export { AdamW, type AdamWOptions } from './training/optimizer.js';
export { makeSchedule, resolveWarmupSteps, type ScheduleKind } from './training/schedule.js';
export { bceWithLogits, mseOnActivated, crossEntropy } from './cross-encoder/losses/index.js';
export { SafetensorsFile, serializeSafetensors } from './io/safetensors.js';
export { WeightsFolder, WEIGHTS_FILE, WEIGHTS_INDEX_FILE } from './io/weights.js';
export { readConfig, parseConfig, SUPPORTED_MODEL_TYPES, type EncoderConfig } from './models/config.js';
export { type HubOptions } from './io/hub-options.js';
export * from './errors.js';
export { type Threads } from './parallel/threads.js';
export { mountFiles, readFolder, type FileLike } from './platform/files.js';
export { VERSION } from './version.js';

/**
 * Page-wide Hub settings, the page's counterpart of Node's HF_ENDPOINT, HF_TOKEN and HF_HUB_OFFLINE (a page has no
 * environment), and the Cache Storage cache's name. Per-call options (`endpoint`, `token`, ...) still win.
 */
export function configureHub(settings: Partial<BrowserHubSettings>): void {
  Object.assign(hubSettings, settings);
}

// The model worker (load, score, rank, fine-tune and export in a Web Worker) and a zip writer for the download.
export { serveModelWorker, type WorkerScopeLike } from './web/worker.js';
export { ModelWorkerClient, WorkerError, type WorkerLike } from './web/client.js';
export type { DataSpec, LoadOptions, ModelFile, ModelInfo, ModelSource, PredictResult, TrainEvent, TrainOutcome, TrainRequest, WorkerSetup } from './web/protocol.js';
export { zipStore, crc32, type ZipEntry } from './web/zip.js';
