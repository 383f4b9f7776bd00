/**
 * The wasm AdamW kernel (lib/kernels/wasm/adamw.ts) on a memory of its own, any backend: one SIMD pass equals the
 * float32 reference bit for bit, for every length mod 4, in place or into another buffer, at unaligned offsets.
 */
import { expect } from 'chai';
import { adamwScalarRange, createAdamWKernel } from '../lib/kernels/wasm/adamw.js';
import { wasmApi } from '../lib/kernels/wasm/gemm/module.js';

describe('wasm AdamW kernel', () => {
  it('equals the float32 reference bit for bit: lengths 1-9 and 1003, in place or not, unaligned', () => {
    const memory = new wasmApi.Memory({ initial: 4 });
    const kernel = createAdamWKernel(memory);
    expect(kernel, 'this Node has wasm SIMD').to.not.equal(undefined);
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 1003]) {
      for (const inPlace of [false, true]) {
        const [P, G, M, V, O] = [0, 1, 2, 3, 4].map((i) => 36 + 4 + i * 4 * 1100); // 4-byte, not 16-byte, aligned
        const view = (at: number) => new Float32Array(memory.buffer, at, n);
        view(P).forEach((_, i, a) => (a[i] = rand()));
        view(G).forEach((_, i, a) => (a[i] = rand() * 0.1));
        view(M).forEach((_, i, a) => (a[i] = rand() * 0.01));
        view(V).forEach((_, i, a) => (a[i] = Math.abs(rand()) * 1e-4));
        const ref = [P, G, M, V].map((at) => view(at).slice());
        const out = new Float32Array(n);
        const s = { beta1: 0.9, beta2: 0.999, bc2Sqrt: Math.sqrt(1 - 0.999 ** 2), eps: 1e-8, stepSize: 2e-5 / (1 - 0.9 ** 2), decayFactor: 1 - 2e-5 * 0.01 };
        adamwScalarRange(ref[0], ref[1], ref[2], ref[3], out, 0, n, s);
        kernel!.step(P, G, M, V, inPlace ? P : O, n, s, 0);
        expect(Array.from(view(inPlace ? P : O)), `n ${n}, in place ${inPlace}: weights`).to.deep.equal(Array.from(out));
        expect(Array.from(view(M)), `n ${n}: m`).to.deep.equal(Array.from(ref[2]));
        expect(Array.from(view(V)), `n ${n}: v`).to.deep.equal(Array.from(ref[3]));
      }
    }
  });
});
