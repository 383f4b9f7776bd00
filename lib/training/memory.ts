/**
 * Memory planning for a training step, so a run that cannot fit fails at once with advice instead of dying mid-epoch
 * with wasm's "memory access out of bounds", and so batches that would not fit are split into micro-batches
 * (gradient accumulation: same gradients up to float rounding).
 *
 * Model (calibrated with tf.profile peakBytes on this code, wasm, BERT shapes 128/384/768 wide, after the fused
 * gradients of lib/models/layers/ops.ts: 68-545 kB per token per layer, i.e. 22-30 × 4·(2H + I) bytes):
 *   static   = weights 4P + Adam moments 8P (trainable) + gradients 4P (trainable) + ~3 copies of the largest variable
 *   per step = layers × (real tokens × 30 · 4 · (2H + I) + padded tokens × 40 · heads · T) bytes: every forward and
 *              backward intermediate stays alive until the gradient call returns; dense layers, LayerNorm and GELU run
 *              on real tokens only in training, attention on the padded [B, T] layout.
 */
import { platform } from '../platform/index.js';
import type { BackendName } from '../backend/state.js';
import type { EncoderConfig } from '../models/config.js';

/** wasm32: the heap can never exceed 4 GiB (getHeapMax() = 4294901760). */
export const WASM_HEAP_BYTES = 4_294_901_760;
/** Kept free for the allocator's fragmentation, the tokenizer, evaluation batches. */
const HEADROOM_BYTES = 600e6;

export interface MemoryPlan {
  backend: BackendName;
  limitBytes: number;
  staticBytes: number;
  /** Bytes of activations for a batch of `batchSize` rows padded to `seqLen` holding `realTokens` real tokens. */
  batchBytes: (realTokens: number, batchSize: number, seqLen: number) => number;
}

export function planMemory(config: EncoderConfig, counts: { total: number; trainable: number; largestTrainable: number }, backend: BackendName): MemoryPlan {
  const limitBytes = backend === 'wasm' ? WASM_HEAP_BYTES : Math.floor(platform().totalMemoryBytes() * 0.7);
  const staticBytes = 4 * counts.total + 12 * counts.trainable + 3 * 4 * counts.largestTrainable;
  const { hiddenSize: H, intermediateSize: I, numHeads: A, numLayers: L } = config;
  const batchBytes = (real: number, B: number, T: number) => L * (real * 30 * 4 * (2 * H + I) + B * T * 40 * A * T);
  return { backend, limitBytes, staticBytes, batchBytes };
}

/**
 * Largest micro-batch (≤ batchSize) whose step fits; 0 when not even one example does. `realTokens` defaults to a
 * full batch (no padding). Splitting costs one more gradient-sized buffer (the running sum), which is accounted for.
 */
export function microBatchFor(plan: MemoryPlan, batchSize: number, seqLen: number, realTokens = batchSize * seqLen, gradientBytes = 0): number {
  const budget = plan.limitBytes - HEADROOM_BYTES - plan.staticBytes;
  if (budget <= 0) return 0;
  if (plan.batchBytes(realTokens, batchSize, seqLen) <= budget) return batchSize;
  const perRow = plan.batchBytes(realTokens / batchSize, 1, seqLen);
  return Math.max(0, Math.min(batchSize - 1, Math.floor((budget - gradientBytes) / perRow)));
}

export function gb(bytes: number): string {
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

/** Why a model cannot train here, and what would fit. Undefined when it fits. */
export function explainDoesNotFit(plan: MemoryPlan, batchSize: number, maxSeqLen: number, frozenSavings: number): string | undefined {
  const budget = plan.limitBytes - HEADROOM_BYTES;
  if (plan.staticBytes >= budget) {
    const tips = [
      frozenSavings > 0 && plan.staticBytes - frozenSavings < budget ? `--freeze-embeddings (saves ${gb(frozenSavings)}; changes the recipe)` : undefined,
      plan.backend === 'wasm' ? 'installing @tensorflow/tfjs-node (no 4 GB heap cap)' : undefined,
      'a smaller model',
    ].filter(Boolean);
    return `weights, gradients and AdamW moments need ${gb(plan.staticBytes)} but the ${plan.backend} backend has ${gb(budget)} to use. What would fit: ${tips.join(', or ')}.`;
  }
  if (microBatchFor(plan, batchSize, maxSeqLen) === 0) {
    let fitLen = maxSeqLen;
    while (fitLen > 8 && microBatchFor(plan, 1, fitLen) === 0) fitLen = Math.floor(fitLen * 0.8);
    return `one example of ${maxSeqLen} tokens needs ${gb(plan.batchBytes(maxSeqLen, 1, maxSeqLen))} of activations on top of ${gb(plan.staticBytes)} (limit ${gb(budget)}). What would fit: --max-length ${fitLen}${plan.backend === 'wasm' ? ', or @tensorflow/tfjs-node' : ''}.`;
  }
  return undefined;
}
