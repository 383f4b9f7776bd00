/**
 * The differentiable ops the models are written in, each in the formulation that is fast on the active backend.
 * Model files call only these (and plain tfjs ops); nothing backend-specific leaks into them.
 *
 * Formulations:
 * - 'wasm' (tfjs-backend-wasm): every dense product on our GEMM (kernels/wasm/gemm) with the bias fused in, and
 *   gradients that materialise transposes (wasm runs transposed matmuls in a scalar loop, 1-3 GFLOP/s); attention
 *   products as one XNNPACK 2-D product per (batch, head) on zero-copy views (wasm runs every batched matmul in a
 *   scalar loop); a row-copy gather (wasm's GatherV2 walks every element).
 * - 'native' (tensorflow, webgpu, webgl, cpu): dense layers as one fused product with the bias (tf.fused.matMul; on
 *   tfjs-node TensorFlow's own MatMul + BiasAdd, tensorflow.ts), gradients as matMuls with transpose flags (no copies:
 *   every one of these backends reads a transposed operand in place), attention as one batched matMul with
 *   transposeB.
 * - 'stock': what a plain tfjs implementation of the same model does (tf.fused.matMul / tf.matMul / tf.gather with
 *   their stock gradients, LayerNorm, GELU, softmax and dropout differentiated op by op). Not used by the library:
 *   the bench and the specs compare against it.
 * Both tuned formulations use the scatterND gradient for row gathers (the stock UnsortedSegmentSum gradient is
 * missing on wasm and loops over the whole vocabulary on cpu) and the coarse custom gradients of grads.ts.
 * All are exact: same maths, only the kernels (and so the float summation order) differ; spec/speed-paths.spec.ts
 * checks values and gradients against 'stock' on every backend.
 */
import { tf } from '../tf.js';
import {
  dropoutTuned,
  geluErfStock,
  geluErfTuned,
  geluTanh,
  layerNormStock,
  layerNormTuned,
  scaledMaskedSoftmaxStock,
  scaledMaskedSoftmaxTuned,
  type SaveFn,
} from './grads.js';
import { matMulBiasTensorflow } from './tensorflow.js';
import { activeGemm, gatherRowsKernel, gemmProduct, setWasmGemm, slicedBatchMatMul, wasmKernelsUsable } from './wasm/kernels.js';

export { setWasmGemm };

export type Formulation = 'wasm' | 'native' | 'stock';

let forced: 'native' | 'stock' | undefined;

/** Force a formulation ('native' or 'stock'; undefined: the one the backend calls for). The bench and specs use it. */
export function setFormulation(f: 'native' | 'stock' | undefined): void {
  forced = f;
}

/** The formulation ops use now: 'wasm' on tfjs-backend-wasm (when its internals are as expected), else 'native'. */
export function formulation(): Formulation {
  if (forced) return forced;
  return wasmKernelsUsable() ? 'wasm' : 'native';
}

/** Whether dense products on the active backend run on our GEMM, and with fused multiply-add. */
export function wasmGemmInfo(): { active: boolean; fma: boolean } {
  const g = formulation() === 'wasm' ? activeGemm() : undefined;
  return { active: g !== undefined, fma: g?.fma ?? false };
}

// ---- dense ----------------------------------------------------------------------------------------------------

/** a·b (+ bias) on wasm: our GEMM where it takes the shape, else tf.matMul. No gradient of its own. */
function productWasm(a: tf.Tensor2D, b: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor2D {
  const fast = gemmProduct(a, b, bias);
  if (fast) return fast;
  const product = tf.matMul(a, b) as tf.Tensor2D;
  return bias ? (tf.add(product, bias) as tf.Tensor2D) : product;
}

const denseWasm = tf.customGrad((...args: Array<tf.Tensor | SaveFn>) => {
  const [x, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, SaveFn];
  save([x, w]);
  const value = productWasm(x, w, b);
  const gradFunc = (dy: tf.Tensor2D, saved: tf.Tensor[]): tf.Tensor[] => {
    const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
    // In a tidy: the transposed copies are freed at once instead of living until the whole backward pass ends.
    return tf.tidy(() => [productWasm(dy, tf.transpose(ws)), productWasm(tf.transpose(xs), dy), tf.sum(dy, 0)]);
  };
  return { value, gradFunc };
});

const denseNative = tf.customGrad((...args: Array<tf.Tensor | SaveFn>) => {
  const [x, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, SaveFn];
  // Only the inputs are saved (the stock fused op also keeps its output until the backward pass ends).
  save([x, w]);
  const value = matMulBiasTensorflow(x, w, b) ?? (tf.fused.matMul({ a: x, b: w, bias: b }) as tf.Tensor2D);
  const gradFunc = (dy: tf.Tensor2D, saved: tf.Tensor[]): tf.Tensor[] => {
    const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
    return [tf.matMul(dy, ws, false, true), tf.matMul(xs, dy, true, false), tf.sum(dy, 0)];
  };
  return { value, gradFunc };
});

/** y = x·W + b for x of any rank ≥ 2 (flattened to 2-D for the product). W is [in, out]. */
export function dense(x: tf.Tensor, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor {
  const inDim = x.shape[x.shape.length - 1];
  const lead = x.shape.slice(0, -1);
  const x2 = x.rank === 2 ? (x as tf.Tensor2D) : (tf.reshape(x, [-1, inDim]) as tf.Tensor2D);
  const f = formulation();
  const y = f === 'wasm' ? denseWasm(x2, w, b) : f === 'native' ? denseNative(x2, w, b) : tf.fused.matMul({ a: x2, b: w, bias: b });
  return x.rank === 2 ? y : tf.reshape(y, [...lead, w.shape[1]]);
}

// ---- row gathers ----------------------------------------------------------------------------------------------

/** x [R, W], ids int32 [n] → x[ids], no gradient of its own. */
function gatherForward(x: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  if (formulation() === 'wasm' && x.dtype === 'float32' && ids.dtype === 'int32') return gatherRowsKernel(x, ids);
  return tf.gather(x, ids);
}

/**
 * The gradient of a row gather with duplicate ids, summed in a fixed order: tfjs-backend-webgpu's ScatterNd adds
 * duplicates with atomics, in whatever order the GPU runs them, so two identical steps gave embedding gradients 2e-9
 * apart and a resumed run drifted from an uninterrupted one. With the ids known on the host we sum the duplicates
 * with one product, S [unique, n] · dy [n, width] (S one-hot: occurrence i → its id's row), and scatter unique rows.
 */
function gatherGradDeterministic(dy: tf.Tensor2D, idsOnHost: ArrayLike<number>, rows: number): tf.Tensor2D {
  const unique = [...new Set(Array.from(idsOnHost))].sort((a, b) => a - b);
  const slot = new Map(unique.map((id, k) => [id, k]));
  const n = idsOnHost.length;
  const s = new Float32Array(unique.length * n);
  for (let i = 0; i < n; i++) s[slot.get(idsOnHost[i])! * n + i] = 1;
  return tf.tidy(() => {
    const summed = tf.matMul(tf.tensor2d(s, [unique.length, n]), dy);
    return tf.scatterND(tf.tensor2d(unique, [unique.length, 1], 'int32'), summed, [rows, dy.shape[1]]) as tf.Tensor2D;
  });
}

/**
 * table[ids] with a scatterND gradient (duplicate ids add up). ids: int32 of any shape; result: [...ids.shape, width].
 * The ids go through `save`, so they outlive the forward pass's tidy even when the caller created them inside it.
 * `idsOnHost`, the same ids as numbers, lets the gradient sum duplicates in a fixed order where the backend's scatter
 * would not (webgpu).
 */
export function gatherRows(table: tf.Tensor2D, ids: tf.Tensor, idsOnHost?: ArrayLike<number>): tf.Tensor {
  const flat = tf.reshape(ids, [-1]) as tf.Tensor1D;
  // tfjs' own gather gradient (UnsortedSegmentSum) is missing on wasm: there even 'stock' needs ours to train.
  if (formulation() === 'stock' && tf.getKernel('UnsortedSegmentSum', tf.getBackend())) return tf.reshape(tf.gather(table, flat), [...ids.shape, table.shape[1]]);
  const op = tf.customGrad((...args: Array<tf.Tensor | SaveFn>) => {
    const [t, save] = args as [tf.Tensor2D, SaveFn];
    save([flat]);
    const value = gatherForward(t, flat);
    const gradFunc = (dy: tf.Tensor2D, saved: tf.Tensor[]): tf.Tensor =>
      idsOnHost && tf.getBackend() === 'webgpu' ? gatherGradDeterministic(dy, idsOnHost, t.shape[0]) : tf.scatterND(tf.reshape(saved[0], [-1, 1]), dy, t.shape);
    return { value, gradFunc };
  });
  return tf.reshape(op(table), [...ids.shape, table.shape[1]]);
}

/**
 * Whether training may run dense layers on the real rows only (gatherRows / scatterRows around attention, see
 * models/layers/transformer-block.ts). Not on WebGL: in headless chromium (SwiftShader) the replay of
 * training-steps.json gave a step-1 loss 3.3e-2 (relative) off PyTorch's that way and 5e-8 with the padded layers,
 * while scatterND and gather alone matched cpu exactly; until the cause is found, WebGL trains padded (exact, slower).
 */
export function unpaddedRowsUsable(): boolean {
  return tf.getBackend() !== 'webgl';
}

/**
 * The inverse of gatherRows for unique ids: a [total, width] tensor holding rows[i] at row ids[i] and zeros elsewhere.
 * Gradient: the rows' share of dy, gathered back (exact).
 */
export function scatterRows(rows: tf.Tensor2D, ids: tf.Tensor1D, total: number): tf.Tensor2D {
  const op = tf.customGrad((...args: Array<tf.Tensor | SaveFn>) => {
    const [r, save] = args as [tf.Tensor2D, SaveFn];
    save([ids]);
    const value = tf.scatterND(tf.reshape(ids, [-1, 1]), r, [total, r.shape[1]]) as tf.Tensor2D;
    const gradFunc = (dy: tf.Tensor2D, saved: tf.Tensor[]): tf.Tensor => gatherForward(dy, saved[0] as tf.Tensor1D);
    return { value, gradFunc };
  });
  return op(rows) as tf.Tensor2D;
}

// ---- attention products ---------------------------------------------------------------------------------------

/** Plain a [N, M, K] · b [N, K, P] on wasm (XNNPACK per batch entry), no gradient of its own. */
function bmmWasm(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  return a.dtype === 'float32' && b.dtype === 'float32' ? slicedBatchMatMul(a, b) : tf.matMul(a, b);
}

const batchMatMulWasm = tf.customGrad((...args: Array<tf.Tensor | SaveFn>) => {
  const [a, b, save] = args as [tf.Tensor3D, tf.Tensor3D, SaveFn];
  save([a, b]);
  const value = bmmWasm(a, b);
  const gradFunc = (dy: tf.Tensor3D, saved: tf.Tensor[]): tf.Tensor[] => {
    const [as, bs] = saved as [tf.Tensor3D, tf.Tensor3D];
    // dA = dy·Bᵀ, dB = Aᵀ·dy, with the transposes materialised so the products stay on the fast path.
    return tf.tidy(() => [bmmWasm(dy, tf.transpose(bs, [0, 2, 1])), bmmWasm(tf.transpose(as, [0, 2, 1]), dy)]);
  };
  return { value, gradFunc };
});

/** [B, T, h, d] → [B, h, T, d] */
const headsFirst = (t: tf.Tensor4D) => tf.transpose(t, [0, 2, 1, 3]) as tf.Tensor4D;

/** Attention logits q·kᵀ per head: q [B, Tq, h, d], k [B, T, h, d] → [B, h, Tq, T] (unscaled). */
export function attentionScores(q: tf.Tensor4D, k: tf.Tensor4D): tf.Tensor4D {
  const [B, Tq, h, d] = q.shape;
  const T = k.shape[1];
  if (formulation() === 'wasm') {
    // Keys go straight to [B·h, d, T] (one transpose), so the product is a plain batched matmul.
    const q3 = tf.reshape(headsFirst(q), [B * h, Tq, d]) as tf.Tensor3D;
    const kT = tf.reshape(tf.transpose(k, [0, 2, 3, 1]), [B * h, d, T]) as tf.Tensor3D;
    return tf.reshape(batchMatMulWasm(q3, kT), [B, h, Tq, T]);
  }
  return tf.matMul(headsFirst(q), headsFirst(k), false, true);
}

/** Attention output per head: probs [B, h, Tq, T], v [B, T, h, d] → [B, Tq, h, d]. */
export function attentionContext(probs: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor4D {
  const [B, h, Tq, T] = probs.shape;
  const d = v.shape[3];
  if (formulation() === 'wasm') {
    const out = batchMatMulWasm(tf.reshape(probs, [B * h, Tq, T]) as tf.Tensor3D, tf.reshape(headsFirst(v), [B * h, T, d]) as tf.Tensor3D);
    return headsFirst(tf.reshape(out, [B, h, Tq, d]));
  }
  return headsFirst(tf.matMul(probs, headsFirst(v)));
}

// ---- normalisation, activations, softmax, dropout -------------------------------------------------------------

export function layerNorm(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): tf.Tensor {
  return formulation() === 'stock' ? layerNormStock(x, gamma, beta, eps) : layerNormTuned(x, gamma, beta, eps);
}

/** gelu (erf form, HF "gelu"), gelu_new (tanh form), relu. */
export function activation(x: tf.Tensor, kind: 'gelu' | 'gelu_new' | 'relu'): tf.Tensor {
  if (kind === 'relu') return tf.relu(x);
  if (kind === 'gelu_new') return geluTanh(x);
  return formulation() === 'stock' ? geluErfStock(x) : geluErfTuned(x);
}

/** softmax(raw · scale + maskBias) over the last axis. */
export function scaledMaskedSoftmax(raw: tf.Tensor, scale: number, maskBias: tf.Tensor): tf.Tensor {
  return formulation() === 'stock' ? scaledMaskedSoftmaxStock(raw, scale, maskBias) : scaledMaskedSoftmaxTuned(raw, scale, maskBias);
}

/** tf.dropout(x, rate, undefined, seed): the same mask in every formulation. */
export function dropoutOp(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  if (rate <= 0) return x;
  return formulation() === 'stock' ? tf.dropout(x, rate, undefined, seed) : dropoutTuned(x, rate, seed);
}
