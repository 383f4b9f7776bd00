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
  /** webgpu on a software adapter: bench.ts sets TFJS_CROSS_ENCODER_WEBGPU=swiftshader in the child's env. */
  webgpuSoftware?: boolean;
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
  /** The device the backend computes on, as initBackend names it (a GPU adapter, TensorFlow's device, the CPU). */
  device?: string;
  /** A GPU backend on a software adapter (SwiftShader): right answers, not a speed measurement. */
  softwareAdapter?: boolean;
  /** The lib/kernels formulation the run used: 'wasm', 'native' or 'stock'. */
  formulation?: string;
  /** This row is the stock tfjs formulation (--stock). */
  stock?: boolean;
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

/** One PyTorch install the bench found: Debian's torch 1.13 (bench/.venv) or PyPI's torch 2.x (bench/.venv-torch2). */
export interface TorchBuild {
  /** 'debian' (torch from /usr/lib/python3/dist-packages) or 'pypi'. */
  id: string;
  /** Short name for tables: "Debian 1.13.0a0", "PyPI 2.15.0". */
  label: string;
  python: string;
  torch: string;
}

/** What torch_bench.py found out about the matmul kernel (bench/blas_kernel.py decides). */
export interface TorchKernel {
  build: string;
  cpuIsa: string | null;
  cpuCapability?: string | null;
  mkl?: boolean;
  mklVersion?: string | null;
  mklIsa?: string | null;
  onednn?: string | null;
  openblasArchitecture?: string | null;
  checks: Array<{ kind: string; name: string; ok: boolean; why: string }>;
  refused?: string;
  blas: string;
}

export interface TorchResult {
  ok: boolean;
  error?: string;
  /** Set when torch_bench.py would not measure: the matmul kernel is a fallback for this CPU (it says why). */
  refused?: string;
  /** The build's label (TorchBuild.label), set by bench.ts. */
  build?: string;
  kernel?: TorchKernel;
  /** transformers' attention implementation: 'eager' (default) or 'sdpa'. */
  attn?: string;
  dtype?: string;
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
