#!/usr/bin/env node
/**
 * GFLOP/s of a plain 2-D tf.matMul (x [M, K] · w [K, N], the dense layers' product) for the model shapes' K × N and a
 * range of M (tokens in a batch), on one backend in this thread. This is the ceiling of our dense layers.
 *
 *   npx tsx scripts/bench/matmul.ts [--backend wasm]
 */
import { parseArgs } from 'node:util';
import { initBackend, tf } from '../../lib/backend.js';

const { values } = parseArgs({ options: { backend: { type: 'string', default: 'wasm' } } });
await initBackend(values.backend);

/** One product, read back (the read waits for the kernel) and freed. Not in tf.tidy: tidy would walk the returned
 * Float32Array element by element looking for tensors, which costs more than the matmul. */
function product(x: tf.Tensor, w: tf.Tensor): void {
  const y = tf.matMul(x, w);
  y.dataSync();
  y.dispose();
}
for (const [K, N] of [
  [384, 384],
  [384, 1536],
  [1536, 384],
  [768, 768],
  [768, 3072],
  [3072, 768],
]) {
  const w = tf.randomNormal([K, N]);
  for (const M of [128, 512, 2048]) {
    const x = tf.randomNormal([M, K]);
    for (let i = 0; i < 3; i++) product(x, w);
    const reps = Math.max(3, Math.round(2e9 / (2 * M * K * N)));
    const t = performance.now();
    for (let i = 0; i < reps; i++) product(x, w);
    const ms = (performance.now() - t) / reps;
    console.log(`${tf.getBackend()}: [${M}, ${K}] · [${K}, ${N}]  ${ms.toFixed(2)} ms  ${((2 * M * K * N) / ms / 1e6).toFixed(1)} GFLOP/s`);
    x.dispose();
  }
  w.dispose();
}
