#!/usr/bin/env node
/**
 * GFLOP/s of the dense layers' product x [M, K] · w [K, N] (+ bias) for the model shapes' K × N and a range of M
 * (tokens in a batch), on one backend in this thread: tfjs' own tf.matMul + add (XNNPACK on wasm) beside our dense
 * op (on wasm: lib/wasm-gemm, packing of w included).
 *
 *   npx tsx scripts/bench/matmul.ts [--backend wasm]
 */
import { parseArgs } from 'node:util';
import { initBackend, tf } from '../../lib/backend.js';
import { dense, setWasmGemm, wasmGemmInfo } from '../../lib/kernels/index.js';

const { values } = parseArgs({ options: { backend: { type: 'string', default: 'wasm' } } });
await initBackend(values.backend);

/** One product, read back (the read waits for the kernel) and freed. Not in tf.tidy: tidy would walk the returned
 * Float32Array element by element looking for tensors, which costs more than the matmul. */
function product(x: tf.Tensor, w: tf.Tensor2D, b: tf.Tensor1D, ours: boolean): void {
  setWasmGemm(ours);
  const y = dense(x, w, b);
  y.dataSync();
  y.dispose();
}
const info = wasmGemmInfo();
console.log(`${tf.getBackend()}: our GEMM ${info.active ? `active (${info.fma ? 'relaxed-SIMD FMA' : 'SIMD mul + add'})` : 'not active: both columns are tf.matMul'}`);
for (const [K, N] of [
  [384, 384],
  [384, 1536],
  [1536, 384],
  [768, 768],
  [768, 3072],
  [3072, 768],
]) {
  const w = tf.randomNormal([K, N]) as tf.Tensor2D;
  const b = tf.randomNormal([N]) as tf.Tensor1D;
  for (const M of [32, 128, 512, 2048]) {
    const x = tf.randomNormal([M, K]);
    const cells: string[] = [];
    for (const ours of [false, true]) {
      for (let i = 0; i < 3; i++) product(x, w, b, ours);
      const reps = Math.max(3, Math.round(2e9 / (2 * M * K * N)));
      const t = performance.now();
      for (let i = 0; i < reps; i++) product(x, w, b, ours);
      const ms = (performance.now() - t) / reps;
      cells.push(`${ours ? 'ours' : 'tf.matMul'} ${ms.toFixed(2)} ms ${((2 * M * K * N) / ms / 1e6).toFixed(1)} GFLOP/s`);
    }
    console.log(`${tf.getBackend()}: [${M}, ${K}] · [${K}, ${N}]  ${cells.join('  |  ')}`);
    x.dispose();
  }
  tf.dispose([w, b]);
}
