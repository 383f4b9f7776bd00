/**
 * The parts of tfjs-backend-wasm 4.x's BackendWasm that our kernels and copies use: its heap, the heap offset of a
 * tensor's data, and the C++ backend's tensor registry. Internals, so every use checks them at run time first and
 * falls back to public tfjs APIs when they are absent.
 */
import type { tf } from '../../tf.js';

export interface WasmModuleLike {
  HEAPF32: Float32Array;
  HEAP32: Int32Array;
  cwrap: (name: string, ret: null, args: string[]) => (...a: unknown[]) => void;
  _malloc: (bytes: number) => number;
  _free: (offset: number) => void;
  /** The emscripten module's exports; `memory` is the heap's WebAssembly.Memory (absent in the threaded build). */
  asm?: { memory?: unknown };
  tfjs: { registerTensor: (id: number, size: number, offset: number) => void; disposeData: (id: number) => void };
}

export interface WasmBackendLike {
  wasm: WasmModuleLike;
  dataIdMap: { get: (dataId: unknown) => { id: number; memoryOffset: number } | undefined };
  dataIdNextNumber: number;
  makeOutput: (shape: number[], dtype: 'float32') => tf.TensorInfo;
  disposeData: (dataId: unknown) => boolean;
}

/** `b` as a tfjs-backend-wasm 4.x backend, or undefined when it is something else (or a version without these). */
export function asWasmBackend(b: unknown): WasmBackendLike | undefined {
  const w = b as Partial<WasmBackendLike> | undefined;
  if (!w || typeof w !== 'object' || !w.wasm || typeof w.wasm.cwrap !== 'function' || !w.wasm.tfjs) return undefined;
  if (typeof w.wasm._malloc !== 'function' || typeof w.wasm._free !== 'function') return undefined;
  if (typeof w.wasm.tfjs.registerTensor !== 'function' || typeof w.wasm.tfjs.disposeData !== 'function') return undefined;
  if (!w.dataIdMap || typeof w.makeOutput !== 'function' || typeof w.disposeData !== 'function' || typeof w.dataIdNextNumber !== 'number') return undefined;
  return w as WasmBackendLike;
}
