/**
 * lib/wasm-gemm: the generated GEMM module on its own (against a float64 reference, both the FMA and the mul + add
 * variant, every leftover-row count), and as the wasm backend's dense product (values and gradients against tfjs'
 * own matMul, fallbacks, heap growth, no leaked heap or tensors).
 */
import { expect } from 'chai';
import { tf } from '../lib/backend.js';
import { dense, setWasmGemm, wasmGemmInfo } from '../lib/kernels/index.js';
import { createGemmKernels, gemmModuleBytes, gemmWithScratch, packedABytes, passLengthFor, wasmApi as WebAssembly } from '../lib/kernels/wasm/gemm/module.js';
import { onlyOn } from './helpers/parity.js';
import { asWasmBackend } from '../lib/kernels/wasm/internals.js';

import type { GemmKernels, WasmMemory } from '../lib/kernels/wasm/gemm/module.js';

/** Tiny seeded generator, so failures reproduce. */
function filler(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** Runs pack + gemm(Bias) on a private memory and returns the worst |C − C64| / Σ|a·b| over all outputs. */
function gemmError(g: GemmKernels, memory: WasmMemory, M: number, K: number, N: number, withBias: boolean, seed: number): number {
  const rand = filler(seed);
  const a = Float32Array.from({ length: M * K }, rand);
  const b = Float32Array.from({ length: K * N }, rand);
  const bias = Float32Array.from({ length: N }, rand);
  // Byte offsets chosen unaligned to 16 on purpose (tensors on the tfjs heap are only 4-byte aligned in general).
  const aAt = 4 * 3;
  const bAt = aAt + 4 * a.length + 4;
  const biasAt = bAt + 4 * b.length + 12;
  const cAt = biasAt + 4 * N + 4;
  const scratchAt = cAt + 4 * (M * N + 16) + 8;
  const need = scratchAt + packedABytes(M, K) + 4 * K * N + 64;
  if (memory.buffer.byteLength < need) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
  const heap = new Float32Array(memory.buffer);
  heap.set(a, aAt / 4);
  heap.set(b, bAt / 4);
  heap.set(bias, biasAt / 4);
  heap.fill(Number.NaN, cAt / 4, cAt / 4 + M * N + 16);
  let allocated = 0;
  const malloc = (bytes: number) => {
    expect(bytes).to.equal(packedABytes(M, K) + 4 * K * N);
    allocated++;
    return scratchAt;
  };
  gemmWithScratch(g, malloc, () => allocated--, { a: aAt, b: bAt, c: cAt, bias: withBias ? biasAt : 0, m: M, k: K, n: N });
  expect(allocated, 'scratch freed').to.equal(0);
  const c = new Float32Array(memory.buffer, cAt, M * N + 16);
  let worst = 0;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let exact = withBias ? bias[j] : 0;
      let scale = Math.abs(exact);
      for (let k = 0; k < K; k++) {
        exact += a[i * K + k] * b[k * N + j];
        scale += Math.abs(a[i * K + k] * b[k * N + j]);
      }
      const got = c[i * N + j];
      if (!Number.isFinite(got)) return Number.POSITIVE_INFINITY;
      worst = Math.max(worst, Math.abs(got - exact) / (scale || 1));
    }
  }
  // Nothing written past the end of C.
  for (let j = M * N; j < M * N + 16; j++) if (!Number.isNaN(c[j])) return Number.POSITIVE_INFINITY;
  return worst;
}

describe('wasm GEMM (lib/wasm-gemm)', () => {
  const shapes: Array<[number, number, number]> = [
    [1, 1, 8],
    [2, 3, 16],
    [3, 5, 8],
    [4, 7, 24],
    [5, 64, 32],
    [6, 33, 8],
    [7, 128, 40],
    [37, 384, 64],
    [64, 300, 96],
    [9, 1000, 16], // two passes over k (500 + 500)
    [6, 1601, 8], // three passes (534 + 534 + 533)
  ];

  for (const fma of [true, false]) {
    it(`${fma ? 'relaxed-SIMD FMA' : 'mul + add'} kernels: every leftover-row count, K = 1, bias or not, unaligned operands, within float32 rounding of a float64 product`, function () {
      const bytes = gemmModuleBytes(fma);
      if (fma && !WebAssembly.validate(bytes)) {
        // createGemmKernels turns relaxed SIMD on where the engine has it behind a flag; check it did.
        const memory = new WebAssembly.Memory({ initial: 1 });
        expect(createGemmKernels(memory)?.fma, 'relaxed SIMD should be available after createGemmKernels').to.equal(true);
      }
      expect(WebAssembly.validate(bytes)).to.equal(true);
      const memory = new WebAssembly.Memory({ initial: 16 });
      const e = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as unknown as Omit<GemmKernels, 'fma'>;
      const g: GemmKernels = { fma, gemm: e.gemm, packA: e.packA, packB: e.packB };
      let seed = 1;
      for (const [M, K, N] of shapes) {
        for (const withBias of [true, false]) {
          const err = gemmError(g, memory, M, K, N, withBias, seed++);
          // float32 summation of K terms: each step rounds once (FMA) or twice; K·2⁻²³ bounds the relative error.
          expect(err, `[${M}, ${K}]·[${K}, ${N}] bias ${withBias}`).to.be.at.most(Math.max(2, K) * 2 * 2 ** -23);
        }
      }
    });
  }

  it('passes over k are equal and at most 768 long', () => {
    expect([1, 384, 768, 769, 1000, 1536, 3072].map(passLengthFor)).to.deep.equal([1, 384, 768, 385, 500, 768, 768]);
  });

  it('the module is valid wasm, imports only env.memory and exports gemm, packA and packB', () => {
    for (const fma of [false, true]) {
      const bytes = gemmModuleBytes(fma);
      if (fma && !WebAssembly.validate(bytes)) continue; // checked in the test above
      const module = new WebAssembly.Module(bytes);
      expect(WebAssembly.Module.imports(module)).to.deep.equal([{ module: 'env', name: 'memory', kind: 'memory' }]);
      expect(WebAssembly.Module.exports(module).map((x) => x.name).sort()).to.deep.equal(['gemm', 'packA', 'packB']);
    }
  });

  describe('as the dense product on the wasm backend', () => {
    let original = '';
    before(async function () {
      onlyOn(this, ['wasm'], 'our GEMM is the wasm backend\'s dense product');
      original = tf.getBackend();
      await tf.setBackend('wasm');
    });
    after(async () => {
      // Nothing to restore when before() skipped (another backend is active).
      if (!original) return;
      setWasmGemm(true);
      await tf.setBackend(original);
    });

    it('is active on wasm (with FMA on this machine\'s Node) and not on cpu', async () => {
      expect(wasmGemmInfo()).to.deep.equal({ active: true, fma: true });
      setWasmGemm(false);
      expect(wasmGemmInfo().active).to.equal(false);
      setWasmGemm(true);
      await tf.setBackend('cpu');
      try {
        expect(wasmGemmInfo().active).to.equal(false);
      } finally {
        await tf.setBackend('wasm');
      }
    });

    it('values and the three gradients equal tfjs\' XNNPACK matMul, for rank-2 and rank-3 inputs; widths not a multiple of 8 fall back', () => {
      const rand = filler(7);
      for (const [lead, K, N] of [
        [[9], 48, 32],
        [[3, 5], 40, 24],
        [[17], 64, 1], // a classifier's out_proj: tf.matMul
        [[6], 24, 12], // 12 % 8 ≠ 0: tf.matMul
      ] as Array<[number[], number, number]>) {
        const rows = lead.reduce((p, x) => p * x, 1);
        const x = tf.tensor(Float32Array.from({ length: rows * K }, rand), [...lead, K]);
        const w = tf.tensor2d(Float32Array.from({ length: K * N }, rand), [K, N]);
        const b = tf.tensor1d(Float32Array.from({ length: N }, rand));
        const dy = tf.tensor(Float32Array.from({ length: rows * N }, rand), [...lead, N]);
        const run = (ours: boolean) => {
          setWasmGemm(ours);
          try {
            const f = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(dense(xi, wi as tf.Tensor2D, bi as tf.Tensor1D), dy));
            const { value, grads } = tf.valueAndGrads(f)([x, w, b]);
            const y = dense(x, w, b);
            return [y, value, ...grads];
          } finally {
            setWasmGemm(true);
          }
        };
        const ours = run(true);
        const stock = run(false);
        expect(ours[0].shape).to.deep.equal([...lead, N]);
        ours.forEach((t, i) => {
          const ref = stock[i];
          const scale = 1 + tf.max(tf.abs(ref)).dataSync()[0];
          const diff = tf.max(tf.abs(tf.sub(t, ref))).dataSync()[0];
          expect(diff / scale, `[${lead.join(', ')}, ${K}]·[${K}, ${N}] output ${i}`).to.be.at.most(2e-6);
        });
        tf.dispose([x, w, b, dy, ...ours, ...stock]);
      }
    });

    it('follows the heap when it grows, and frees its scratch buffer and tensors', () => {
      const backend = asWasmBackend(tf.backend())!;
      const memory = backend.wasm.asm!.memory as WasmMemory;
      const rand = filler(3);
      const x = tf.tensor2d(Float32Array.from({ length: 33 * 256 }, rand), [33, 256]);
      const w = tf.tensor2d(Float32Array.from({ length: 256 * 512 }, rand), [256, 512]);
      const b = tf.zeros([512]) as tf.Tensor1D;
      const reference = tf.tidy(() => {
        setWasmGemm(false);
        const r = dense(x, w, b);
        setWasmGemm(true);
        return r;
      });
      const check = () =>
        tf.tidy(() => {
          const d = tf.max(tf.abs(tf.sub(dense(x, w, b), reference))).dataSync()[0];
          expect(d).to.be.at.most(1e-4);
        });
      check();
      const before = memory.buffer.byteLength;
      // Force growth: a tensor larger than what is free, then the product again on the grown (moved) buffer.
      const big = tf.zeros([Math.ceil(before / 4) + 1024]);
      expect(memory.buffer.byteLength).to.be.greaterThan(before);
      check();
      big.dispose();
      const grown = memory.buffer.byteLength;
      const tensors = tf.memory().numTensors;
      for (let i = 0; i < 30; i++) check();
      expect(tf.memory().numTensors).to.equal(tensors);
      expect(memory.buffer.byteLength, 'scratch buffers are freed').to.equal(grown);
      tf.dispose([x, w, b, reference]);
    });
  });
});
