/**
 * A float32 GEMM for the wasm backend, C[M, N] = A[M, K] · B[K, N] (+ bias[N]), generated as a small WebAssembly
 * module that imports tfjs-backend-wasm's own memory, so it reads and writes tensors where they already are.
 *
 * Why: tfjs-backend-wasm's matMul goes through XNNPACK's wasm SIMD kernels, which run at 29-31 GFLOP/s on this
 * machine's cores (`npx tsx scripts/bench/matmul.ts`), half of what the core can do in 128-bit SIMD (~58 GFLOP/s
 * measured with independent FMAs). V8's register allocator spills XNNPACK-sized tiles; a 4×8 tile (8 accumulators,
 * two B vectors and one broadcast A value: 11 of the 15 xmm registers V8 hands out) with one k per iteration
 * compiles to a spill-free loop of broadcasts and FMAs and runs at ~45 GFLOP/s (`relaxed_madd`; 38 with mul + add).
 *
 * Layout: B is first packed into panels of 8 columns, each panel K×8 floats contiguous, so the inner loop reads B
 * sequentially; the loop runs panel by panel (a panel of 768×8 floats stays in L1 while every row block of A passes
 * it). N must be a multiple of 8 (the caller falls back to tf.matMul otherwise); any M ≥ 1 and K ≥ 1.
 * The sum over k runs in order 0..K-1 for each output, in float32, with or without fused multiply-add: results
 * differ from XNNPACK's (which splits and reorders K) only by summation rounding.
 */
import * as v8 from 'node:v8';

import { FunctionBuilder, encodeModule } from './wasm-writer.js';

/** Rows per micro-tile, and columns per panel (two f32x4 vectors). */
const MR = 4;
const NR = 8;

/** C tile of `rows` × 8 at c = A rows at a · panel at bp (+ bias). Params are byte addresses / counts. */
function tileFunction(rows: number, withBias: boolean, fma: boolean): FunctionBuilder {
  const f = new FunctionBuilder(['a', 'bp', 'c', 'bias', 'k', 'lda', 'ldc']);
  for (let r = 0; r < rows; r++) {
    f.v128Local(`acc${r}_0`);
    f.v128Local(`acc${r}_1`);
  }
  f.v128Local('b0');
  f.v128Local('b1');
  f.v128Local('x');
  for (let r = 0; r < rows; r++) f.i32Local(`a${r}`);
  f.get('a').set('a0');
  for (let r = 1; r < rows; r++) f.get(`a${r - 1}`).get('lda').op('i32.add').set(`a${r}`);
  f.loop(() => {
    f.get('bp').simd('v128.load', 0).set('b0');
    f.get('bp').simd('v128.load', 16).set('b1');
    for (let r = 0; r < rows; r++) {
      f.get(`a${r}`).simd('v128.load32_splat', 0).set('x');
      for (const h of [0, 1]) {
        const acc = `acc${r}_${h}`;
        if (fma) f.get('x').get(`b${h}`).get(acc).simd('f32x4.relaxed_madd').set(acc);
        else f.get(acc).get('x').get(`b${h}`).simd('f32x4.mul').simd('f32x4.add').set(acc);
      }
    }
    for (let r = 0; r < rows; r++) f.get(`a${r}`).i32(4).op('i32.add').set(`a${r}`);
    f.get('bp').i32(NR * 4).op('i32.add').set('bp');
    // Count down rather than compare pointers: an end pointer could wrap at the top of a 4 GiB heap.
    f.get('k').i32(1).op('i32.sub').set('k');
    f.get('k').brIf(0);
  });
  if (withBias) {
    f.get('bias').simd('v128.load', 0).set('b0');
    f.get('bias').simd('v128.load', 16).set('b1');
  }
  for (let r = 0; r < rows; r++) {
    for (const h of [0, 1]) {
      f.get('c').get(`acc${r}_${h}`);
      if (withBias) f.get(`b${h}`).simd('f32x4.add');
      f.simd('v128.store', 16 * h);
    }
    if (r < rows - 1) f.get('c').get('ldc').op('i32.add').set('c');
  }
  return f;
}

/** gemm(a, bp, c, bias, m, k, n): every panel, row blocks of 4 then the 1-3 leftover rows. */
function gemmFunction(tileIndex: (rows: number) => number): FunctionBuilder {
  const f = new FunctionBuilder(['a', 'bp', 'c', 'bias', 'm', 'k', 'n']);
  for (const l of ['panels', 'lda', 'ldc', 'panelBytes', 'aRow', 'cRow', 'rows']) f.i32Local(l);
  f.get('k').i32(2).op('i32.shl').set('lda');
  f.get('n').i32(2).op('i32.shl').set('ldc');
  f.get('k').i32(5).op('i32.shl').set('panelBytes');
  f.get('n').i32(3).op('i32.shr_u').set('panels');
  const callTile = (rows: number) => f.get('aRow').get('bp').get('cRow').get('bias').get('k').get('lda').get('ldc').call(tileIndex(rows));
  f.loop(() => {
    f.get('a').set('aRow');
    f.get('c').set('cRow');
    f.get('m').set('rows');
    f.i32(MR - 1).get('rows').op('i32.lt_u').if(() => {
      f.loop(() => {
        callTile(MR);
        f.get('aRow').get('lda').i32(MR).op('i32.mul').op('i32.add').set('aRow');
        f.get('cRow').get('ldc').i32(MR).op('i32.mul').op('i32.add').set('cRow');
        f.get('rows').i32(MR).op('i32.sub').set('rows');
        f.i32(MR - 1).get('rows').op('i32.lt_u').brIf(0);
      });
    });
    for (let rest = 1; rest < MR; rest++) f.get('rows').i32(rest).op('i32.eq').if(() => callTile(rest));
    f.get('bp').get('panelBytes').op('i32.add').set('bp');
    f.get('c').i32(NR * 4).op('i32.add').set('c');
    f.get('bias').i32(NR * 4).op('i32.add').set('bias');
    f.get('panels').i32(1).op('i32.sub').set('panels');
    f.get('panels').brIf(0);
  });
  return f;
}

/** pack(b, bp, k, n): B [K, N] row-major → panels of 8 columns, each K×8 contiguous. */
function packFunction(): FunctionBuilder {
  const f = new FunctionBuilder(['b', 'bp', 'k', 'n']);
  for (const l of ['panels', 'ldb', 'src', 'row']) f.i32Local(l);
  f.get('n').i32(2).op('i32.shl').set('ldb');
  f.get('n').i32(3).op('i32.shr_u').set('panels');
  f.loop(() => {
    f.get('b').set('src');
    f.get('k').set('row');
    f.loop(() => {
      f.get('bp').get('src').simd('v128.load', 0).simd('v128.store', 0);
      f.get('bp').get('src').simd('v128.load', 16).simd('v128.store', 16);
      f.get('src').get('ldb').op('i32.add').set('src');
      f.get('bp').i32(NR * 4).op('i32.add').set('bp');
      f.get('row').i32(1).op('i32.sub').set('row');
      f.get('row').brIf(0);
    });
    f.get('b').i32(NR * 4).op('i32.add').set('b');
    f.get('panels').i32(1).op('i32.sub').set('panels');
    f.get('panels').brIf(0);
  });
  return f;
}

/** The module's bytes: tiles for 1..4 rows with and without bias, then gemmBias, gemm, pack. */
export function gemmModuleBytes(fma: boolean): Uint8Array {
  const tiles: FunctionBuilder[] = [];
  for (const withBias of [true, false]) for (let rows = 1; rows <= MR; rows++) tiles.push(tileFunction(rows, withBias, fma));
  const tileIndex = (withBias: boolean) => (rows: number) => (withBias ? 0 : MR) + rows - 1;
  const functions = [...tiles, gemmFunction(tileIndex(true)), gemmFunction(tileIndex(false)), packFunction()];
  const n = tiles.length;
  return encodeModule(functions, { gemmBias: n, gemm: n + 1, pack: n + 2 });
}

export interface GemmKernels {
  /** Whether the kernels use fused multiply-add (relaxed SIMD); false: f32x4 mul then add. */
  readonly fma: boolean;
  /** c = a · packed (+ bias): byte addresses in the shared memory; n a multiple of 8, m and k ≥ 1. */
  gemmBias(a: number, packed: number, c: number, bias: number, m: number, k: number, n: number): void;
  gemm(a: number, packed: number, c: number, bias: number, m: number, k: number, n: number): void;
  /** b [k, n] → panels at `packed` (k·n floats). */
  pack(b: number, packed: number, k: number, n: number): void;
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
  return x instanceof wasmApi.Memory && !(x.buffer instanceof SharedArrayBuffer);
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
  if (!relaxedSimd && process.env.TFJS_CROSS_ENCODER_RELAXED_SIMD !== '0') {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
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
  return { fma, gemmBias: e.gemmBias, gemm: e.gemm, pack: e.pack };
}
