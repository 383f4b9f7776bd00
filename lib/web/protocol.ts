/**
 * The messages between a page and the model worker (worker.ts serves them, client.ts sends them). Everything is
 * structured-cloneable: Files travel as they are (the browser clones File objects without reading them), model files
 * come back as bytes whose buffers are transferred, not copied.
 */
import type { RankResult } from '../cross-encoder/model.js';
import type { BackendInfo } from '../backend/state.js';
import type { BrowserHubSettings } from '../io/browser-hub.js';
import type { ColumnMapping } from '../data/types.js';
import type { FileLike } from '../platform/files.js';
import type { TrainingArgs } from '../training/training-args.js';

/** Where the worker starts: which backend, where the wasm files are, which Hub. */
export interface WorkerSetup {
  /** webgpu, webgl, wasm or cpu; default the page's automatic order. */
  backend?: string;
  /** An absolute folder URL (ending in /) or a map file name → URL: a worker resolves relative URLs against itself. */
  wasmPaths?: string | Record<string, string>;
  hub?: Partial<BrowserHubSettings>;
}

/** A model: a Hub id, a URL folder, or the Files of a picked folder (`<input webkitdirectory>`). */
export type ModelSource = { hub: string } | { url: string } | { files: ArrayLike<FileLike> };

/**
 * A ModelSource as it travels: each File with its path in the picked folder, since structured cloning a File need
 * not keep `webkitRelativePath`.
 */
export type WireModelSource = { hub: string } | { url: string } | { files: Array<{ path: string; file: FileLike }> };

export interface LoadOptions {
  maxLength?: number;
  /** 1 for a score head; a base encoder gets a fresh head of this many labels. Default: the checkpoint's. */
  numLabels?: number;
  dropout?: number;
  seed?: number;
}

export interface ModelInfo {
  source: string;
  architecture: string;
  modelType: string;
  layers: number;
  hidden: number;
  numLabels: number;
  maxLength: number;
  backend: BackendInfo;
  /** Weights the checkpoint did not have (a fresh head), as the load report names them. */
  initialised: string[];
}

/** One split of pairs: a Hub dataset split (`org/name:split`) or a CSV/TSV/JSONL/parquet File. */
export interface DataSpec {
  source: { hub: string } | { file: FileLike };
  /** Keep the first N valid rows. */
  limit?: number;
  /** Labels are divided by this (5 for raw 0–5 STS scores). */
  scoreScale?: number;
  columns?: ColumnMapping;
}

export interface TrainRequest {
  train: DataSpec;
  validation?: DataSpec;
  test?: DataSpec;
  options?: Partial<TrainingArgs>;
  /** Evaluate the validation split before the first step (the chart's point at step 0). Default true. */
  evaluateBefore?: boolean;
  /** Shown in the model card as the base model. */
  baseModel?: string;
}

export interface EvalPoint {
  step: number;
  epoch: number;
  pearson: number;
  spearman: number;
}

/** What the worker tells the page while it trains. */
export type TrainEvent =
  | { kind: 'data'; train: number; validation: number; test: number; sources: string[] }
  | { kind: 'start'; totalSteps: number; stepsPerEpoch: number }
  | { kind: 'progress'; step: number; totalSteps: number; seconds: number }
  | { kind: 'loss'; step: number; epoch: number; loss: number; lr: number; gradNorm: number; pairsPerSecond: number }
  | ({ kind: 'eval' } & EvalPoint)
  | { kind: 'stopping'; step: number }
  | { kind: 'log'; text: string };

export interface TrainOutcome {
  /** True when a stop request ended the run early. */
  stopped: boolean;
  steps: number;
  totalSteps: number;
  /**
   * The model the worker now holds (and files() returns): 'final' when the run finished, 'best' (the best validation
   * point) when it was stopped after an evaluation, 'stopped' (the weights at the stop) when none had run yet,
   * 'start' when it was stopped before the first step.
   */
  kept: 'final' | 'best' | 'stopped' | 'start';
  keptStep: number;
  evals: EvalPoint[];
  best?: EvalPoint;
  /** The kept model on the test split. */
  test?: { pearson: number; spearman: number };
  trainSeconds: number;
  msPerStep: number;
}

export interface ModelFile {
  path: string;
  bytes: Uint8Array;
}

export interface PredictResult {
  /** Activated scores (the model's default activation), one per pair. */
  scores: number[];
  logits: number[][];
}

/** Requests, by operation; each gets exactly one response with the same id. */
export interface Ops {
  init: { args: WorkerSetup; result: BackendInfo };
  load: { args: { source: WireModelSource; options?: LoadOptions }; result: ModelInfo };
  predict: { args: { pairs: Array<[string, string]> }; result: PredictResult };
  rank: { args: { query: string; documents: string[]; topK?: number }; result: RankResult[] };
  train: { args: TrainRequest; result: TrainOutcome };
  /** The held model in Hugging Face layout, with a model card (README.md) once it was trained. */
  files: { args: Record<string, never>; result: ModelFile[] };
}
export type OpName = keyof Ops;

export type Request = { [K in OpName]: { id: number; op: K; args: Ops[K]['args'] } }[OpName] | { id: number; op: 'stop' };

export type Response =
  | { id: number; type: 'result'; value: unknown }
  | { id: number; type: 'error'; error: { name: string; message: string } }
  | { id: number; type: 'event'; event: TrainEvent };
