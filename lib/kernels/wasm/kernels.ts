/**
 * Our kernels for tfjs-backend-wasm, registered as tfjs kernels so they take part in tidy, disposal and gradients:
 * - XencGemm: every dense product on our GEMM (gemm/: 44-50 GFLOP/s against XNNPACK's 29-31), bias fused in;
 * - XencSlicedBatchMatMul: a batched product as one XNNPACK 2-D product per batch entry, on zero-copy views;
 * - XencGatherRows: a row gather as one memmove per row (tfjs-wasm's GatherV2 walks every element: ~100× slower).
 * They read tfjs-backend-wasm 4.x internals (internals.ts), checked at run time; without them nothing registers
 * and the callers use the native formulation.
 */
import { tf } from '../../tf.js';
import { log } from '../../util/log.js';
import { createGemmKernels, gemmWithScratch, isPlainWasmMemory, type GemmKernels } from './gemm/module.js';
import { asWasmBackend, type WasmBackendLike } from './internals.js';

// ---------------------------------------------------------------------------------------------------------------
// Batched matmul through XNNPACK, one 2-D product per batch entry.
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
const GEMM = 'XencGemm';
const GATHER_ROWS = 'XencGatherRows';

const wasmBmmFns = new WeakMap<object, (...a: unknown[]) => void>();

function int32Bytes(v: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(v).buffer);
}

/** Kernel body: a [N, M, K] · b [N, K, P] → [N, M, P], float32. */
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

/** Kernel body: out[i] = x[ids[i]], one memmove per row inside the wasm heap. */
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

function gemmFor(backend: WasmBackendLike): GemmKernels | undefined {
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
 * Kernel body: a [M, K] · b [K, N] (+ bias [N]) → [M, N]. Both operands are packed into a scratch buffer on the heap
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

let state: 'unknown' | 'registered' | 'unavailable' = 'unknown';

/** Whether our wasm kernels can run on the active backend (wasm, with tfjs-backend-wasm 4.x internals present). */
export function wasmKernelsUsable(): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  if (state === 'unknown') {
    const b = asWasmBackend(tf.backend());
    if (b && b.wasm.HEAPF32 instanceof Float32Array && b.wasm.HEAP32 instanceof Int32Array) {
      tf.registerKernel({ kernelName: SLICED_BMM, backendName: 'wasm', kernelFunc: slicedBatchMatMulWasm as unknown as tf.KernelFunc });
      tf.registerKernel({ kernelName: GATHER_ROWS, backendName: 'wasm', kernelFunc: gatherRowsWasm as unknown as tf.KernelFunc });
      tf.registerKernel({ kernelName: GEMM, backendName: 'wasm', kernelFunc: gemmWasm as unknown as tf.KernelFunc });
      state = 'registered';
    } else {
      state = 'unavailable';
    }
  }
  return state === 'registered';
}

/**
 * Dense products on wasm run on our GEMM unless switched off: setWasmGemm(false), or TFJS_CROSS_ENCODER_GEMM=xnnpack
 * for the process (replica threads read the same environment). Read when first asked, not at import.
 */
let gemmEnabled: boolean | undefined;
export function setWasmGemm(enabled: boolean): void {
  gemmEnabled = enabled;
}

/** Our GEMM when it serves dense products on the active backend (wasm, loaded, not switched off), else undefined. */
export function activeGemm(): GemmKernels | undefined {
  gemmEnabled ??= (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.TFJS_CROSS_ENCODER_GEMM !== 'xnnpack';
  if (!gemmEnabled || !wasmKernelsUsable()) return undefined;
  return gemmFor(asWasmBackend(tf.backend())!);
}

/** a [M, K] · b [K, N] (+ bias [N]) on our GEMM, or undefined when it cannot take this product (tf.matMul then). */
export function gemmProduct(a: tf.Tensor2D, b: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor2D | undefined {
  const [M, K] = a.shape;
  const N = b.shape[1];
  const fits = M > 0 && K > 0 && N > 0 && N % 8 === 0 && a.dtype === 'float32' && b.dtype === 'float32' && (!bias || bias.dtype === 'float32');
  if (!fits || !activeGemm()) return undefined;
  const inputs = (bias ? { a, b, bias } : { a, b }) as unknown as tf.NamedTensorMap;
  return tf.engine().runKernel(GEMM, inputs, {}) as tf.Tensor2D;
}

/** x [R, W] float32, ids int32 [n] → x[ids] [n, W] on the row-copy kernel (no gradient of its own). */
export function gatherRowsKernel(x: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  return tf.engine().runKernel(GATHER_ROWS, { x, indices: ids } as unknown as tf.NamedTensorMap, {}) as tf.Tensor2D;
}

/** a [N, M, K] · b [N, K, P] on XNNPACK, one 2-D product per batch entry (no gradient of its own). */
export function slicedBatchMatMul(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  return tf.engine().runKernel(SLICED_BMM, { a, b } as unknown as tf.NamedTensorMap, {}) as tf.Tensor3D;
}
