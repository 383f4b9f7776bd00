/**
 * The GEMM's JS side: feature detection (relaxed SIMD), instantiation against a wasm heap, and the pack-and-multiply
 * call with scratch memory from that heap. The kernels themselves and why they look as they do: kernels.ts.
 */
import { platform } from '../../../platform/index.js';
import { gemmModuleBytes, packedABytes, passLengthFor } from './kernels.js';

export { gemmModuleBytes, packedABytes, passLengthFor };

export interface GemmKernels {
  /** Whether the kernels use fused multiply-add (relaxed SIMD); false: f32x4 mul then add. */
  readonly fma: boolean;
  /**
   * c [m, n] = A · B (+ bias [n]; bias 0: none) from packA's and packB's buffers: byte addresses in the imported
   * memory; n a multiple of 8, m and k ≥ 1, kc = passLengthFor(k) as given to packB.
   */
  gemm(packedA: number, packedB: number, c: number, bias: number, m: number, k: number, n: number, kc: number): void;
  /** a [m, k] → packedABytes(m, k) bytes at packedA. */
  packA(a: number, packedA: number, m: number, k: number): void;
  /** b [k, n] → 4·k·n bytes at packedB, in passes over k of kc. */
  packB(b: number, packedB: number, k: number, n: number, kc: number): void;
}

/** C = A · B (+ bias) with scratch buffers from `malloc`: packs both operands, multiplies, frees the scratch. */
export function gemmWithScratch(
  g: GemmKernels,
  malloc: (bytes: number) => number,
  free: (at: number) => void,
  p: { a: number; b: number; c: number; bias: number; m: number; k: number; n: number },
): void {
  const kc = passLengthFor(p.k);
  const aBytes = packedABytes(p.m, p.k);
  const scratch = malloc(aBytes + 4 * p.k * p.n);
  if (!scratch) throw new Error(`GEMM [${p.m}, ${p.k}]·[${p.k}, ${p.n}]: out of wasm memory for ${((aBytes + 4 * p.k * p.n) / 2 ** 20).toFixed(1)} MB of packed operands`);
  try {
    g.packA(p.a, scratch, p.m, p.k);
    g.packB(p.b, scratch + aBytes, p.k, p.n, kc);
    g.gemm(scratch, scratch + aBytes, p.c, p.bias, p.m, p.k, p.n, kc);
  } finally {
    free(scratch);
  }
}

/** The part of the WebAssembly JS API used here (TypeScript declares it in lib.dom, which this Node library does not load). */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: {
    new (bytes: Uint8Array): object;
    imports(module: object): Array<{ module: string; name: string; kind: string }>;
    exports(module: object): Array<{ name: string; kind: string }>;
  };
  Instance: new (module: object, imports: object) => { exports: object };
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
}
/** A WebAssembly.Memory. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
export const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Whether `x` is a WebAssembly.Memory we can import: not a shared one (the module declares a plain memory). */
export function isPlainWasmMemory(x: unknown): x is WasmMemory {
  // A page that is not cross-origin isolated has no SharedArrayBuffer at all, and then no shared memory either.
  return x instanceof wasmApi.Memory && !(typeof SharedArrayBuffer !== 'undefined' && x.buffer instanceof SharedArrayBuffer);
}

let relaxedSimd: boolean | undefined;

/**
 * Whether this engine compiles relaxed SIMD. Node 22+ does by default; Node 20's V8 has it behind
 * --experimental-wasm-relaxed-simd, which we turn on for the process (it only adds instructions to what wasm
 * validation accepts; V8 reads it when a module is compiled) unless TFJS_CROSS_ENCODER_RELAXED_SIMD=0.
 */
function relaxedSimdAvailable(): boolean {
  if (relaxedSimd !== undefined) return relaxedSimd;
  const probe = gemmModuleBytes(true);
  let ok = wasmApi.validate(probe);
  if (!ok && platform().env('TFJS_CROSS_ENCODER_RELAXED_SIMD') !== '0' && platform().enableRelaxedSimd()) {
    ok = wasmApi.validate(probe);
  }
  relaxedSimd = ok;
  return ok;
}

/** Instantiates the kernels against `memory`, or returns undefined when this engine has no wasm SIMD at all. */
export function createGemmKernels(memory: WasmMemory): GemmKernels | undefined {
  const fma = relaxedSimdAvailable();
  const bytes = gemmModuleBytes(fma);
  if (!wasmApi.validate(bytes)) return undefined;
  const instance = new wasmApi.Instance(new wasmApi.Module(bytes), { env: { memory } });
  const e = instance.exports as unknown as Omit<GemmKernels, 'fma'>;
  return { fma, gemm: e.gemm, packA: e.packA, packB: e.packB };
}
