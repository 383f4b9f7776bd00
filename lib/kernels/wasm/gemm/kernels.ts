/**
 * A float32 GEMM for the wasm backend, C[M, N] = A[M, K] · B[K, N] (+ bias[N]), generated as a small WebAssembly
 * module that imports tfjs-backend-wasm's own memory, so it reads and writes tensors where they already are.
 *
 * Why: tfjs-backend-wasm's matMul goes through XNNPACK's wasm SIMD kernels, which run at 29-31 GFLOP/s on this
 * machine's cores (`npx tsx scripts/bench/matmul.ts`), about half of what a core does in 128-bit SIMD (~58 GFLOP/s
 * measured with independent FMAs). TurboFan hoists the loads of larger or unrolled tiles and spills; a 4×8 tile
 * (8 accumulators, two B vectors and one broadcast A value: 11 of the 15 xmm registers V8 hands out) with one k per
 * iteration compiles to a spill-free loop of broadcasts and FMAs: ~53 GFLOP/s for the kernel alone
 * (`relaxed_madd`; ~40 with separate mul and add), 44-50 for a whole product with its packing.
 *
 * Layout: A is packed into blocks of 4 rows, each K×4 floats k-major, and B into panels of 8 columns, each K×8
 * floats, so a tile reads both sequentially through one pointer each. k runs in passes of at most 768 (a 768×8
 * panel, 24 KiB, stays in L1 while every row block of A passes it); each pass goes panel by panel. Later passes
 * start from the C the earlier ones stored; the first starts from the bias (or zero).
 * N must be a multiple of 8 (the caller falls back to tf.matMul otherwise); any M ≥ 1 and K ≥ 1.
 * Each output sums bias + Σ_k a·b in order k = 0..K-1, in float32, with or without fused multiply-add: results
 * differ from XNNPACK's (which orders K its own way and adds the bias last) only by summation rounding.
 */
import { FunctionBuilder, encodeModule } from './wasm-writer.js';

/** Rows per micro-tile, and columns per panel (two f32x4 vectors). */
const MR = 4;
const NR = 8;
/** Longest run of k per pass: a 768×8 panel of B (24 KiB) and 768×4 floats of A fit L1 together. */
const KC_MAX = 768;

/**
 * C tile of `rows` × 8 at c (row stride ldc bytes) += packed A block at ap ([k][4] floats) · B panel at bp ([k][8]).
 * The accumulators start from src (row stride srcStride bytes: the bias with stride 0, or C itself on later passes
 * over k), or from zero when src is 0.
 */
function tileFunction(rows: number, fma: boolean): FunctionBuilder {
  const f = new FunctionBuilder(['ap', 'bp', 'c', 'k', 'ldc', 'src', 'srcStride']);
  for (let r = 0; r < rows; r++) {
    f.v128Local(`acc${r}_0`);
    f.v128Local(`acc${r}_1`);
  }
  f.v128Local('b0');
  f.v128Local('b1');
  f.v128Local('x');
  f.get('src').if(() => {
    for (let r = 0; r < rows; r++) {
      for (const h of [0, 1]) f.get('src').simd('v128.load', 16 * h).set(`acc${r}_${h}`);
      f.get('src').get('srcStride').op('i32.add').set('src');
    }
  });
  f.loop(() => {
    f.get('bp').simd('v128.load', 0).set('b0');
    f.get('bp').simd('v128.load', 16).set('b1');
    for (let r = 0; r < rows; r++) {
      // One pointer for all rows (constant offsets): with a pointer per row, as XNNPACK reads A, V8 ran 15 % slower.
      f.get('ap').simd('v128.load32_splat', 4 * r).set('x');
      for (const h of [0, 1]) {
        const acc = `acc${r}_${h}`;
        if (fma) f.get('x').get(`b${h}`).get(acc).simd('f32x4.relaxed_madd').set(acc);
        else f.get(acc).get('x').get(`b${h}`).simd('f32x4.mul').simd('f32x4.add').set(acc);
      }
    }
    f.get('ap').i32(MR * 4).op('i32.add').set('ap');
    f.get('bp').i32(NR * 4).op('i32.add').set('bp');
    countDown(f, 'k');
  });
  for (let r = 0; r < rows; r++) {
    for (const h of [0, 1]) f.get('c').get(`acc${r}_${h}`).simd('v128.store', 16 * h);
    if (r < rows - 1) f.get('c').get('ldc').op('i32.add').set('c');
  }
  return f;
}

/**
 * `counter -= 1`, and back to the top of the enclosing loop while it is not zero. Loops count down rather than
 * compare pointers: an end pointer could wrap at the top of a 4 GiB heap.
 */
function countDown(f: FunctionBuilder, counter: string): void {
  f.get(counter).i32(1).op('i32.sub').set(counter);
  f.get(counter).brIf(0);
}

/**
 * The passes over k shared by gemm and packB: k0 from 0 in steps of kcc = min(kc, k − k0). Needs locals k0 and kcc
 * and params k and kc.
 */
function overPasses(f: FunctionBuilder, body: () => void): void {
  f.loop(() => {
    f.get('k').get('k0').op('i32.sub').get('kc').get('k').get('k0').op('i32.sub').get('kc').op('i32.lt_u').op('select').set('kcc');
    body();
    f.get('k0').get('kcc').op('i32.add').set('k0');
    f.get('k0').get('k').op('i32.lt_u').brIf(0);
  });
}

/**
 * gemm(ap, bp, c, bias, m, k, n, kc): passes over k of at most kc, each over every panel, each over the row blocks of
 * 4 and then the 1-3 leftover rows. bias = 0: none.
 */
function gemmFunction(tileIndex: (rows: number) => number): FunctionBuilder {
  const f = new FunctionBuilder(['ap', 'bp', 'c', 'bias', 'm', 'k', 'n', 'kc']);
  for (const l of ['k0', 'kcc', 'panels', 'panel', 'cCol', 'biasP', 'aBlk', 'cBlk', 'rows', 'ldc', 'aBlockBytes']) f.i32Local(l);
  f.get('n').i32(2).op('i32.shl').set('ldc');
  f.get('k').i32(4).op('i32.shl').set('aBlockBytes');
  const callTile = (rows: number) => {
    f.get('aBlk').get('panel').get('cBlk').get('kcc').get('ldc');
    // src: the first pass starts from the bias (or zero), later passes from C; stride 0 for the bias.
    f.get('cBlk').get('biasP').i32(0).get('bias').op('select').get('k0').op('select');
    f.get('ldc').i32(0).get('k0').op('select');
    f.call(tileIndex(rows));
  };
  overPasses(f, () => {
    f.get('bp').get('k0').get('ldc').op('i32.mul').op('i32.add').set('panel');
    f.get('c').set('cCol');
    f.get('bias').set('biasP');
    f.get('n').i32(3).op('i32.shr_u').set('panels');
    f.loop(() => {
      f.get('ap').get('k0').i32(4).op('i32.shl').op('i32.add').set('aBlk');
      f.get('cCol').set('cBlk');
      f.get('m').set('rows');
      f.i32(MR - 1).get('rows').op('i32.lt_u').if(() => {
        f.loop(() => {
          callTile(MR);
          f.get('aBlk').get('aBlockBytes').op('i32.add').set('aBlk');
          f.get('cBlk').get('ldc').i32(MR).op('i32.mul').op('i32.add').set('cBlk');
          f.get('rows').i32(MR).op('i32.sub').set('rows');
          f.i32(MR - 1).get('rows').op('i32.lt_u').brIf(0);
        });
      });
      for (let rest = 1; rest < MR; rest++) f.get('rows').i32(rest).op('i32.eq').if(() => callTile(rest));
      f.get('panel').get('kcc').i32(5).op('i32.shl').op('i32.add').set('panel');
      f.get('cCol').i32(NR * 4).op('i32.add').set('cCol');
      f.get('biasP').i32(NR * 4).op('i32.add').set('biasP');
      countDown(f, 'panels');
    });
  });
  return f;
}

/**
 * packB(b, bp, k, n, kc): B [K, N] row-major → for each pass over k (as gemm's), panels of 8 columns, each kcc×8
 * contiguous. Pass k0 starts at bp + 4·k0·n.
 */
function packBFunction(): FunctionBuilder {
  const f = new FunctionBuilder(['b', 'bp', 'k', 'n', 'kc']);
  for (const l of ['k0', 'kcc', 'panels', 'ldb', 'col', 'src', 'row']) f.i32Local(l);
  f.get('n').i32(2).op('i32.shl').set('ldb');
  overPasses(f, () => {
    f.get('b').get('k0').get('ldb').op('i32.mul').op('i32.add').set('col');
    f.get('n').i32(3).op('i32.shr_u').set('panels');
    f.loop(() => {
      f.get('col').set('src');
      f.get('kcc').set('row');
      f.loop(() => {
        f.get('bp').get('src').simd('v128.load', 0).simd('v128.store', 0);
        f.get('bp').get('src').simd('v128.load', 16).simd('v128.store', 16);
        f.get('src').get('ldb').op('i32.add').set('src');
        f.get('bp').i32(NR * 4).op('i32.add').set('bp');
        countDown(f, 'row');
      });
      f.get('col').i32(NR * 4).op('i32.add').set('col');
      countDown(f, 'panels');
    });
  });
  return f;
}

/** packBlock(a, ap, k, lda) for `rows` rows: A rows at a (stride lda bytes) → [k][4] floats at ap. */
function packBlockFunction(rows: number): FunctionBuilder {
  const f = new FunctionBuilder(['a', 'ap', 'k', 'lda']);
  for (let r = 0; r < rows; r++) f.i32Local(`a${r}`);
  f.get('a').set('a0');
  for (let r = 1; r < rows; r++) f.get(`a${r - 1}`).get('lda').op('i32.add').set(`a${r}`);
  f.loop(() => {
    for (let r = 0; r < rows; r++) {
      f.get('ap').get(`a${r}`).f32('f32.load').f32('f32.store', 4 * r);
      f.get(`a${r}`).i32(4).op('i32.add').set(`a${r}`);
    }
    f.get('ap').i32(MR * 4).op('i32.add').set('ap');
    countDown(f, 'k');
  });
  return f;
}

/** packA(a, ap, m, k): A [M, K] row-major → blocks of 4 rows, each [k][4] (the last block's missing rows unset). */
function packAFunction(blockIndex: (rows: number) => number): FunctionBuilder {
  const f = new FunctionBuilder(['a', 'ap', 'm', 'k']);
  for (const l of ['lda', 'rows']) f.i32Local(l);
  f.get('k').i32(2).op('i32.shl').set('lda');
  f.get('m').set('rows');
  f.loop(() => {
    f.i32(MR - 1).get('rows').op('i32.lt_u').if(() => f.get('a').get('ap').get('k').get('lda').call(blockIndex(MR)));
    for (let rest = 1; rest < MR; rest++) f.get('rows').i32(rest).op('i32.eq').if(() => f.get('a').get('ap').get('k').get('lda').call(blockIndex(rest)));
    f.get('a').get('lda').i32(MR).op('i32.mul').op('i32.add').set('a');
    f.get('ap').get('k').i32(4).op('i32.shl').op('i32.add').set('ap');
    // Continue while more than 4 rows were left (checked before subtracting: rows is unsigned).
    f.i32(MR).get('rows').op('i32.lt_u');
    f.get('rows').i32(MR).op('i32.sub').set('rows');
    f.brIf(0);
  });
  return f;
}

/** The module's bytes: tiles and A-block packers for 1..4 rows, then gemm, packA, packB. */
export function gemmModuleBytes(fma: boolean): Uint8Array {
  const tiles = [1, 2, 3, 4].map((rows) => tileFunction(rows, fma));
  const blocks = [1, 2, 3, 4].map((rows) => packBlockFunction(rows));
  const functions = [...tiles, ...blocks, gemmFunction((rows) => rows - 1), packAFunction((rows) => MR + rows - 1), packBFunction()];
  const n = tiles.length + blocks.length;
  return encodeModule(functions, { gemm: n, packA: n + 1, packB: n + 2 });
}

/** Length of each pass over k for a product with inner size k: equal passes of at most 768. */
export function passLengthFor(k: number): number {
  return Math.ceil(k / Math.ceil(k / KC_MAX));
}

/** Bytes of the packed A for m × k (whole blocks of 4 rows). */
export function packedABytes(m: number, k: number): number {
  return 16 * Math.ceil(m / MR) * k;
}
