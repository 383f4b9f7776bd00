/**
 * The page side of the model worker, without the library itself (package.json `exports` "./web"): a page that does
 * all its TF.js work in the worker imports only this, so its own bundle holds no TF.js. The worker script imports
 * the package entry (`serveModelWorker`).
 */
export { ModelWorkerClient, WorkerError, type WorkerLike } from './client.js';
export { zipStore, crc32, type ZipEntry } from './zip.js';
export type { DataSpec, EvalPoint, LoadOptions, ModelFile, ModelInfo, ModelSource, PredictResult, TrainEvent, TrainOutcome, TrainRequest, WorkerSetup } from './protocol.js';
export type { RankResult } from '../cross-encoder/model.js';
export type { BackendInfo } from '../backend/state.js';
