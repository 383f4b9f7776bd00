/**
 * Differentiable building blocks with kernels and gradients chosen for speed and memory, mostly for the wasm backend.
 * - dense: tfjs' stock matMul gradient asks for transposeA/transposeB matMuls, which wasm runs in a naive loop
 *   (1-3 GFLOP/s); materialising the transpose and calling a plain matMul keeps them fast. On wasm every dense
 *   product (forward, dx and dW) runs on our GEMM (lib/wasm-gemm: 44-50 GFLOP/s against XNNPACK's 29-31) with the bias
 *   add fused in; elsewhere, and for widths that are not a multiple of 8, tf.matMul.
 * - gatherRows: the stock gather gradient (UnsortedSegmentSum) is missing on wasm and loops over the whole
 *   vocabulary on cpu; scatterND gives the same sums (duplicate ids add up) in time proportional to the batch.
 *   On wasm the gather itself is our row-copy kernel (tfjs-wasm's GatherV2 walks every element: ~100× slower).
 * - batchMatMul (attention's q·kᵀ and probs·v): wasm runs every batched or transposed matMul in a scalar loop
 *   (`slow_batch_matmul`, 1.5-2 GFLOP/s); only a plain 2-D product goes to XNNPACK. On wasm we run one XNNPACK
 *   product per batch entry on zero-copy views of the operands (see `slicedBatchMatMulWasm`), and the gradient uses
 *   the same kernel on materialised transposes.
 * - layerNorm, GELU, scaledMaskedSoftmax, dropoutOp: the forward ops are the stock ones (same values); the gradient
 *   is one custom op computed in a tidy. tfjs keeps every tape node's inputs and every intermediate gradient until the
 *   whole backward pass ends, so fewer, coarser nodes cut the training step's peak memory (and some time).
 * All are exact: same maths as the stock gradients, only the kernel choice (and so the float summation order) differs;
 * spec/speed-paths.spec.ts checks values and gradients against the stock formulation on wasm and cpu.
 */
import { tf } from '../../backend.js';
import { createGemmKernels, gemmWithScratch, isPlainWasmMemory } from '../../wasm-gemm/module.js';
import { log } from '../../util/log.js';
import { asWasmBackend } from '../../wasm-internals.js';

import type { GemmKernels } from '../../wasm-gemm/module.js';

type SaveFn = (tensors: tf.Tensor[]) => void;

const denseOp = tf.customGrad((...args: Array<tf.Tensor | SaveFn>) => {
  const [x, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, SaveFn];
  save([x, w]);
  const value = matMulForward(x, w, b);
  const gradFunc = (dy: tf.Tensor2D, saved: tf.Tensor[]): tf.Tensor[] => {
    const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
    // In a tidy: the transposed copies are freed at once instead of living until the whole backward pass ends.
    return tf.tidy(() => [matMulForward(dy, tf.transpose(ws)), matMulForward(tf.transpose(xs), dy), tf.sum(dy, 0)]);
  };
  return { value, gradFunc };
});

/** y = x·W + b for x of any rank ≥ 2 (flattened to 2-D for the matmul). W is [in, out]. */
export function dense(x: tf.Tensor, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor {
  const inDim = x.shape[x.shape.length - 1];
  const lead = x.shape.slice(0, -1);
  const x2 = x.rank === 2 ? (x as tf.Tensor2D) : (tf.reshape(x, [-1, inDim]) as tf.Tensor2D);
  const y = denseOp(x2, w, b);
  return x.rank === 2 ? y : tf.reshape(y, [...lead, w.shape[1]]);
}

/**
 * table[ids] with a scatterND gradient. ids: int32 of any shape; result: [...ids.shape, width].
 * The ids go through `save`, so they outlive the forward pass's tidy even when the caller created them inside it.
 */
export function gatherRows(table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor {
  const flat = tf.reshape(ids, [-1]) as tf.Tensor1D;
  const op = tf.customGrad((...args: Array<tf.Tensor | SaveFn>) => {
    const [t, save] = args as [tf.Tensor2D, SaveFn];
    save([flat]);
    const value = gatherRowsForward(t, flat);
    const gradFunc = (dy: tf.Tensor2D, saved: tf.Tensor[]): tf.Tensor => tf.scatterND(tf.reshape(saved[0], [-1, 1]), dy, t.shape);
    return { value, gradFunc };
  });
  const rows = op(table);
  return tf.reshape(rows, [...ids.shape, table.shape[1]]);
}

/**
 * The inverse of gatherRows for unique ids: a [total, width] tensor holding rows[i] at row ids[i] and zeros elsewhere.
 * Gradient: gather(dy, ids), the rows' share of dy (exact).
 */
export function scatterRows(rows: tf.Tensor2D, ids: tf.Tensor1D, total: number): tf.Tensor2D {
  const op = tf.customGrad((...args: Array<tf.Tensor | SaveFn>) => {
    const [r, save] = args as [tf.Tensor2D, SaveFn];
    save([ids]);
    const value = tf.scatterND(tf.reshape(ids, [-1, 1]), r, [total, r.shape[1]]) as tf.Tensor2D;
    const gradFunc = (dy: tf.Tensor2D, saved: tf.Tensor[]): tf.Tensor => gatherRowsForward(dy, saved[0] as tf.Tensor1D);
    return { value, gradFunc };
  });
  return op(rows) as tf.Tensor2D;
}

/**
 * LayerNorm over the last axis with biased variance, as torch.nn.LayerNorm. The forward pass is the same op sequence
 * as always (so inference is unchanged); the gradient is the closed form
 *   dx = rstd · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂)),  dx̂ = dy · γ,  dγ = Σ dy · x̂,  dβ = Σ dy,
 * computed in one tidy from the saved x̂ and rstd: two saved tensors instead of every intermediate of ~10 stock
 * gradient ops, which tfjs would otherwise keep until the whole backward pass ends.
 */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): tf.Tensor {
  const op = tf.customGrad((...args: Array<tf.Tensor | SaveFn>) => {
    const [xi, g, b, save] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, SaveFn];
    const mean = tf.mean(xi, -1, true);
    const centered = tf.sub(xi, mean);
    const variance = tf.mean(tf.square(centered), -1, true);
    const rstd = tf.rsqrt(tf.add(variance, eps));
    const xhat = tf.mul(centered, rstd);
    save([xhat, rstd, g]);
    const value = tf.add(tf.mul(xhat, g), b);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xh, r, gs] = saved;
      return tf.tidy(() => {
        const width = gs.shape[0];
        const dy2 = tf.reshape(dy, [-1, width]);
        const dBeta = tf.sum(dy2, 0);
        const dGamma = tf.sum(tf.mul(dy2, tf.reshape(xh, [-1, width])), 0);
        const dxh = tf.mul(dy, gs);
        const dx = tf.mul(r, tf.sub(tf.sub(dxh, tf.mean(dxh, -1, true)), tf.mul(xh, tf.mean(tf.mul(dxh, xh), -1, true))));
        return [dx, dGamma, dBeta];
      });
    };
    return { value, gradFunc };
  });
  return op(x, gamma, beta);
}

/**
 * GELU, erf form (HF "gelu"): x · ½ · (1 + erf(x / √2)), same forward ops as always. Gradient in closed form,
 * ½ · (1 + erf(x/√2)) + x · exp(−x²/2) / √(2π), from the saved x and 1 + erf(x/√2).
 */
function geluErf(x: tf.Tensor): tf.Tensor {
  const op = tf.customGrad((...args: Array<tf.Tensor | SaveFn>) => {
    const [xi, save] = args as [tf.Tensor, SaveFn];
    const onePlusErf = tf.add(1, tf.erf(tf.mul(xi, Math.SQRT1_2)));
    save([xi, onePlusErf]);
    const value = tf.mul(tf.mul(xi, 0.5), onePlusErf);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor => {
      const [xs, c] = saved;
      return tf.tidy(() => {
        const pdf = tf.mul(tf.exp(tf.mul(tf.square(xs), -0.5)), 1 / Math.sqrt(2 * Math.PI));
        return tf.mul(dy, tf.add(tf.mul(c, 0.5), tf.mul(xs, pdf)));
      });
    };
    return { value, gradFunc };
  });
  return op(x);
}

/** gelu (erf form, HF "gelu"), gelu_new (tanh form), relu. */
export function activation(x: tf.Tensor, kind: 'gelu' | 'gelu_new' | 'relu'): tf.Tensor {
  if (kind === 'relu') return tf.relu(x);
  if (kind === 'gelu') return geluErf(x);
  const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
}

/**
 * softmax(raw · scale + maskBias) over the last axis: attention probabilities, same forward ops as HF. Only the
 * probabilities are saved; the gradient is tfjs' own softmax gradient times the scale, so the result is bitwise the
 * stock one, with one tape node and its temporaries freed at once.
 */
export function scaledMaskedSoftmax(raw: tf.Tensor, scale: number, maskBias: tf.Tensor): tf.Tensor {
  const op = tf.customGrad((...args: Array<tf.Tensor | SaveFn>) => {
    const [r, save] = args as [tf.Tensor, SaveFn];
    const probs = tf.softmax(tf.add(tf.mul(r, scale), maskBias));
    save([probs]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor => {
      const y = saved[0];
      return tf.tidy(() => {
        const dyTimesY = tf.mul(dy, y);
        return tf.mul(tf.sub(dyTimesY, tf.mul(tf.sum(dyTimesY, -1, true), y)), scale);
      });
    };
    return { value: probs, gradFunc };
  });
  return op(raw);
}

/**
 * tf.dropout(x, rate, undefined, seed) with the same mask and the same arithmetic (x · floor(u + keep) / keep),
 * as one op that saves only the multiplier: the stock version keeps the uniform noise and three more full-size
 * temporaries per call alive until the backward pass ends.
 */
export function dropoutOp(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  if (rate <= 0) return x;
  const op = tf.customGrad((...args: Array<tf.Tensor | SaveFn>) => {
    const [xi, save] = args as [tf.Tensor, SaveFn];
    const keep = 1 - rate;
    const multiplier = tf.div(tf.floor(tf.add(tf.randomUniform(xi.shape, 0, 1, 'float32', seed), keep)), keep);
    save([multiplier]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor => tf.mul(dy, saved[0]);
    return { value: tf.mul(xi, multiplier), gradFunc };
  });
  return op(x);
}

// ---------------------------------------------------------------------------------------------------------------
// Batched matmul on wasm through XNNPACK, one 2-D product per batch entry.
//
// tfjs-backend-wasm's BatchMatMul C++ kernel calls XNNPACK only when both operands have batch size 1 and no transpose
// flag; everything else takes a naive scalar loop. Slicing the batch apart with tf.unstack/tf.slice is no way out:
// the wasm Slice kernel reads its whole input back through readSync (a full copy per slice, quadratic in the batch).
// Instead we register, for each batch entry n, three temporary tensor ids in the C++ backend that point into the
// operands' and the output's heap buffers (a[n], b[n], out[n]: zero-copy views), call the exported BatchMatMul on
// them (shapes [1, M, K]·[1, K, P]: the XNNPACK path), and dispose the views. Disposing a view only drops its id and
// the XNNPACK operator cached for it (the backend frees heap memory from JS, keyed by the owning tensor, never for a
// view), so the operands and output stay owned by tfjs as usual.
// ---------------------------------------------------------------------------------------------------------------

const SLICED_BMM = 'XencSlicedBatchMatMul';

const wasmBmmFns = new WeakMap<object, (...a: unknown[]) => void>();

function int32Bytes(v: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(v).buffer);
}

/** Kernel body: a [N, M, K] · b [N, K, P] → [N, M, P], float32, on the wasm backend. */
function slicedBatchMatMulWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const backend = asWasmBackend(args.backend)!;
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const [N, M, K] = a.shape;
  const P = b.shape[2];
  let bmm = wasmBmmFns.get(backend.wasm);
  if (!bmm) {
    bmm = backend.wasm.cwrap('BatchMatMul', null, ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number']);
    wasmBmmFns.set(backend.wasm, bmm);
  }
  const out = backend.makeOutput([N, M, P], 'float32');
  const offA = backend.dataIdMap.get(a.dataId)!.memoryOffset;
  const offB = backend.dataIdMap.get(b.dataId)!.memoryOffset;
  const offO = backend.dataIdMap.get(out.dataId)!.memoryOffset;
  const aShape = int32Bytes([1, M, K]);
  const bShape = int32Bytes([1, K, P]);
  const { registerTensor, disposeData } = backend.wasm.tfjs;
  for (let n = 0; n < N; n++) {
    // Fresh ids from the backend's own counter, so they can never collide with a live tensor's id.
    const ia = backend.dataIdNextNumber++;
    const ib = backend.dataIdNextNumber++;
    const io = backend.dataIdNextNumber++;
    registerTensor(ia, M * K, offA + 4 * n * M * K);
    registerTensor(ib, K * P, offB + 4 * n * K * P);
    registerTensor(io, M * P, offO + 4 * n * M * P);
    try {
      bmm(ia, aShape, 3, ib, bShape, 3, 0, 0, io);
    } finally {
      disposeData(ia);
      disposeData(ib);
      disposeData(io);
    }
  }
  return out;
}

/**
 * Row gather for the wasm backend: out[i] = x[ids[i]], one memmove per row inside the wasm heap. tfjs-wasm's GatherV2
 * walks every element with stride arithmetic (about 10 ms for 400 rows of 384 floats, 100× an elementwise add).
 */
function gatherRowsWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const backend = asWasmBackend(args.backend)!;
  const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
  const [R, W] = x.shape;
  const n = indices.shape[0];
  const out = backend.makeOutput([n, W], 'float32');
  // Read the heap views only after makeOutput: a malloc may grow the memory and detach older views.
  const f32 = backend.wasm.HEAPF32;
  const ids = backend.wasm.HEAP32;
  const xOff = backend.dataIdMap.get(x.dataId)!.memoryOffset / 4;
  const iOff = backend.dataIdMap.get(indices.dataId)!.memoryOffset / 4;
  const oOff = backend.dataIdMap.get(out.dataId)!.memoryOffset / 4;
  for (let i = 0; i < n; i++) {
    const r = ids[iOff + i];
    if (!(r >= 0 && r < R)) throw new RangeError(`gatherRows: index ${r} is not in [0, ${R - 1}]`);
    f32.copyWithin(oOff + i * W, xOff + r * W, xOff + (r + 1) * W);
  }
  return out;
}

/** Our GEMM instantiated against each wasm heap (one per backend instance: the main thread and every replica). */
const gemmKernels = new WeakMap<object, GemmKernels | null>();

function gemmFor(backend: ReturnType<typeof asWasmBackend> & object): GemmKernels | undefined {
  let g = gemmKernels.get(backend.wasm);
  if (g === undefined) {
    const memory = backend.wasm.asm?.memory;
    try {
      g = isPlainWasmMemory(memory) ? (createGemmKernels(memory) ?? null) : null;
    } catch (e) {
      // An engine that rejects the module (or the memory import): tfjs' own matMul still works, only slower.
      log.warn(`wasm GEMM unavailable, dense products use tf.matMul: ${(e as Error).message}`);
      g = null;
    }
    gemmKernels.set(backend.wasm, g);
  }
  return g ?? undefined;
}

/**
 * a [M, K] · b [K, N] (+ bias [N]) → [M, N] on our GEMM. Both operands are packed into a scratch buffer on the heap
 * for the call (a few % of the product's time): weights change every training step, and inference repacks 7 ms of
 * weights per 2 s distilroberta batch, so a cache would buy little for the memory it holds.
 */
function gemmWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const backend = asWasmBackend(args.backend)!;
  const gemm = gemmFor(backend)!;
  const { a, b, bias } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo };
  const [M, K] = a.shape;
  const N = b.shape[1];
  const out = backend.makeOutput([M, N], 'float32');
  const offset = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
  try {
    gemmWithScratch(gemm, backend.wasm._malloc, backend.wasm._free, { a: offset(a), b: offset(b), c: offset(out), bias: bias ? offset(bias) : 0, m: M, k: K, n: N });
  } catch (e) {
    backend.disposeData(out.dataId);
    throw e;
  }
  return out;
}

const GEMM = 'XencGemm';
const GATHER_ROWS = 'XencGatherRows';
let wasmKernelState: 'unknown' | 'registered' | 'unavailable' = 'unknown';

/** Whether our wasm kernels can run on the active backend (tfjs-backend-wasm 4.x internals present). */
function wasmKernelsUsable(): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  if (wasmKernelState === 'unknown') {
    const b = asWasmBackend(tf.backend());
    if (b && b.wasm.HEAPF32 instanceof Float32Array && b.wasm.HEAP32 instanceof Int32Array) {
      tf.registerKernel({ kernelName: SLICED_BMM, backendName: 'wasm', kernelFunc: slicedBatchMatMulWasm as unknown as tf.KernelFunc });
      tf.registerKernel({ kernelName: GATHER_ROWS, backendName: 'wasm', kernelFunc: gatherRowsWasm as unknown as tf.KernelFunc });
      tf.registerKernel({ kernelName: GEMM, backendName: 'wasm', kernelFunc: gemmWasm as unknown as tf.KernelFunc });
      wasmKernelState = 'registered';
    } else {
      wasmKernelState = 'unavailable';
    }
  }
  return wasmKernelState === 'registered';
}

/** Force the stock kernels (tf.matMul for batched products, tf.gather for rows): tests compare both paths. */
let forceStock = false;
export function setFastWasmKernels(enabled: boolean): void {
  forceStock = !enabled;
}

/**
 * Use XNNPACK (tf.matMul) instead of our GEMM for dense products on wasm: the bench and tests compare both.
 * TFJS_CROSS_ENCODER_GEMM=xnnpack sets it for the process, replica threads included (they read the same env).
 */
let gemmEnabled = process.env.TFJS_CROSS_ENCODER_GEMM !== 'xnnpack';
export function setWasmGemm(enabled: boolean): void {
  gemmEnabled = enabled;
}

/** Our GEMM when it serves dense products on the active backend (wasm, loaded, not switched off), else undefined. */
function activeGemm(): GemmKernels | undefined {
  if (forceStock || !gemmEnabled || !wasmKernelsUsable()) return undefined;
  return gemmFor(asWasmBackend(tf.backend())!);
}

/** Whether dense products on the active backend run on our GEMM, and with fused multiply-add. */
export function wasmGemmInfo(): { active: boolean; fma: boolean } {
  const g = activeGemm();
  return { active: g !== undefined, fma: g?.fma ?? false };
}

/** a [M, K] · b [K, N] (+ bias [N]) with no gradient of its own (used inside customGrad). */
function matMulForward(a: tf.Tensor2D, b: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor2D {
  const [M, K] = a.shape;
  const N = b.shape[1];
  const fits = M > 0 && K > 0 && N > 0 && N % 8 === 0 && a.dtype === 'float32' && b.dtype === 'float32' && (!bias || bias.dtype === 'float32');
  if (fits && activeGemm()) {
    const inputs = (bias ? { a, b, bias } : { a, b }) as unknown as tf.NamedTensorMap;
    return tf.engine().runKernel(GEMM, inputs, {}) as tf.Tensor2D;
  }
  const product = tf.matMul(a, b) as tf.Tensor2D;
  return bias ? (tf.add(product, bias) as tf.Tensor2D) : product;
}

/** x [R, W] float32, ids int32 [n] → x[ids] [n, W], no gradient of its own. */
function gatherRowsForward(x: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  if (!forceStock && x.dtype === 'float32' && ids.dtype === 'int32' && wasmKernelsUsable()) {
    return tf.engine().runKernel(GATHER_ROWS, { x, indices: ids } as unknown as tf.NamedTensorMap, {}) as tf.Tensor2D;
  }
  return tf.gather(x, ids);
}

/** Plain a [N, M, K] · b [N, K, P] with no gradient of its own (used inside customGrad). */
function bmmForward(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  if (!forceStock && a.dtype === 'float32' && b.dtype === 'float32' && wasmKernelsUsable()) {
    return tf.engine().runKernel(SLICED_BMM, { a, b } as unknown as tf.NamedTensorMap, {}) as tf.Tensor3D;
  }
  return tf.matMul(a, b);
}

const batchMatMulOp = tf.customGrad((...args: Array<tf.Tensor | SaveFn>) => {
  const [a, b, save] = args as [tf.Tensor3D, tf.Tensor3D, SaveFn];
  save([a, b]);
  const value = bmmForward(a, b);
  const gradFunc = (dy: tf.Tensor3D, saved: tf.Tensor[]): tf.Tensor[] => {
    const [as, bs] = saved as [tf.Tensor3D, tf.Tensor3D];
    // dA = dy·Bᵀ, dB = Aᵀ·dy, with the transposes materialised so the products stay on the fast path.
    return tf.tidy(() => [bmmForward(dy, tf.transpose(bs, [0, 2, 1])), bmmForward(tf.transpose(as, [0, 2, 1]), dy)]);
  };
  return { value, gradFunc };
});

/**
 * a [N, M, K] · b [N, K, P] → [N, M, P] (rank 3, no broadcasting), with a gradient made of the same products.
 * On wasm both directions run through XNNPACK; elsewhere this is tf.matMul with the same gradient maths.
 */
export function batchMatMul(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  if (a.rank !== 3 || b.rank !== 3 || a.shape[0] !== b.shape[0] || a.shape[2] !== b.shape[1]) {
    throw new Error(`batchMatMul: expected [N, M, K]·[N, K, P], got [${a.shape.join(', ')}]·[${b.shape.join(', ')}]`);
  }
  return batchMatMulOp(a, b) as tf.Tensor3D;
}
