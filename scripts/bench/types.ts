/** Messages between `npm run bench` (scripts/bench.ts), its children (child.ts) and bench/torch_bench.py. */
import type { ShapeName } from './shapes.js';

export interface BenchExample {
  sentence1: string;
  sentence2: string;
  label: number;
}

export interface ChildJob {
  shape: ShapeName;
  backend: string;
  modelDir: string;
  batchSize: number;
  warmup: number;
  steps: number;
  inferBatchSize: number;
  /** (warmup + steps) × batchSize examples, in training order. */
  train: BenchExample[];
  infer: BenchExample[];
  microBatchSize?: number;
  freezeEmbeddings?: boolean;
  /** Run dense layers on padded rows too (the stock formulation) instead of real tokens only. */
  padded?: boolean;
  /** The stock tfjs formulation (lib/kernels 'stock', padded rows, all rows in the last block), to compare with. */
  stock?: boolean;
  /** Threads for training and predict (the library's `threads` option: the caller plus worker replicas). */
  threads: number;
  /** Dense products on wasm: our GEMM (default) or tfjs' XNNPACK matMul (TFJS_CROSS_ENCODER_GEMM=xnnpack). */
  gemm: 'ours' | 'xnnpack';
  resultFile: string;
  batchesFile?: string;
}

/** One padded batch as the model sees it (row-major lists), shared with the Python side. */
export interface DumpedBatch {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
  labels?: number[];
}

export interface ChildResult {
  shape: ShapeName;
  backend: string;
  threads?: number;
  /** Which kernel ran the dense products: 'ours' (with fma or not), 'xnnpack', or 'tf.matMul' off wasm. */
  gemm?: string;
  ok: boolean;
  error?: string;
  backendSource?: string;
  tfjsVersion?: string;
  maxLength?: number;
  maxRssKB?: number;
  train?: {
    steps: number;
    warmup: number;
    pairsPerSec: number;
    /** Every step's wall time, warm-up included. */
    stepMs: number[];
    numTensorsFirst: number;
    numTensorsLast: number;
    rssAfterWarmupMB: number;
    rssLastMB: number;
    /** RSS after every step, warm-up included. */
    rssMB: number[];
  };
  infer?: {
    pairs: number;
    batchSize: number;
    pairsPerSec: number;
    warmupPairsPerSec: number;
    numTensorsDrift: number;
  };
}

export interface TorchResult {
  ok: boolean;
  error?: string;
  impl?: string;
  torch?: string;
  transformers?: string | null;
  threads?: number;
  python?: string;
  maxRssKB?: number;
  train?: { steps: number; warmup: number; pairsPerSec: number; stepMs: number[] };
  infer?: { pairs: number; batchSize: number; pairsPerSec: number };
  blas?: string;
}
