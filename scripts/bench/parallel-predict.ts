#!/usr/bin/env node
/**
 * Prototype measurement for a way past the single-thread wasm ceiling at inference: data-parallel predict over
 * worker_threads, each with its own wasm backend and model copy, each scoring an interleaved share of the
 * length-sorted pairs. Compares scores and throughput with a plain in-process CrossEncoder.predict.
 *
 *   npx tsx scripts/bench/parallel-predict.ts --shape minilm --workers 2 [--pairs 256] [--batch 32]
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { initBackend } from '../../lib/backend.js';
import { CrossEncoder, type Pair } from '../../lib/cross-encoder.js';
import { loadStsbFromDir } from '../../lib/data/index.js';
import { setLogLevel } from '../../lib/util/log.js';
import { SHAPES, SHARED, ensureModel, type ShapeName } from './shapes.js';

interface Job {
  dir: string;
  pairs: Pair[];
  batch: number;
}

if (!isMainThread) {
  // Worker: load, warm up on its share, say ready, score again when told, send the scores and the time.
  setLogLevel('warn');
  const job = workerData as Job;
  await initBackend('wasm');
  const model = await CrossEncoder.fromPretrained(job.dir);
  await model.predict(job.pairs, { batchSize: job.batch, showProgress: false });
  parentPort!.postMessage({ type: 'ready' });
  parentPort!.once('message', async () => {
    const t = performance.now();
    const scores = await model.predict(job.pairs, { batchSize: job.batch, showProgress: false });
    parentPort!.postMessage({ type: 'done', scores, ms: performance.now() - t });
    model.dispose();
  });
} else {
  const { values } = parseArgs({
    options: {
      shape: { type: 'string', default: 'minilm' },
      workers: { type: 'string', default: '2' },
      pairs: { type: 'string', default: '256' },
      batch: { type: 'string', default: '32' },
    },
  });
  setLogLevel('warn');
  const shape = SHAPES[values.shape as ShapeName];
  const dir = await ensureModel(shape);
  const test = (await loadStsbFromDir(path.join(SHARED, 'data', 'stsb'), 'test')).examples.slice(0, Number(values.pairs));
  const pairs: Pair[] = test.map((e) => [e.sentence1, e.sentence2] as const);
  const batch = Number(values.batch);
  const W = Number(values.workers);

  // In-process reference (warm-up call, then the timed call), as the bench does.
  await initBackend('wasm');
  const model = await CrossEncoder.fromPretrained(dir);
  await model.predict(pairs, { batchSize: batch, showProgress: false });
  let t = performance.now();
  const ref = await model.predict(pairs, { batchSize: batch, showProgress: false });
  const single = performance.now() - t;
  // Shares: interleave the length-sorted order so each worker gets the same mix of lengths.
  const enc = model.encode(pairs);
  const order = enc.map((_, i) => i).sort((a, b) => enc[b].inputIds.length - enc[a].inputIds.length);
  model.dispose();
  const shares: number[][] = Array.from({ length: W }, () => []);
  order.forEach((idx, k) => shares[Math.floor(k / batch) % W].push(idx));

  // tsx's loader is not inherited by workers: register it in the worker, then import this file there.
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const workers = shares.map((idx) => new Worker(boot, { eval: true, workerData: { dir, pairs: idx.map((i) => pairs[i]), batch } satisfies Job }));
  await Promise.all(workers.map((w) => new Promise<void>((res, rej) => (w.once('message', () => res()), w.once('error', rej)))));
  t = performance.now();
  const done = await Promise.all(workers.map((w) => new Promise<{ scores: number[]; ms: number }>((res) => (w.once('message', res), w.postMessage('go')))));
  const parallel = performance.now() - t;
  await Promise.all(workers.map((w) => w.terminate()));
  const merged = new Array<number>(pairs.length);
  done.forEach((d, w) => shares[w].forEach((idx, k) => (merged[idx] = d.scores[k])));
  const maxDiff = Math.max(...merged.map((s, i) => Math.abs(s - ref[i])));
  console.log(
    `${shape.label}, ${pairs.length} pairs, batch ${batch}: in-process ${(pairs.length / (single / 1000)).toFixed(1)} pairs/s; ` +
      `${W} workers ${(pairs.length / (parallel / 1000)).toFixed(1)} pairs/s (×${(single / parallel).toFixed(2)}); max |score diff| ${maxDiff.toExponential(1)}`,
  );
}
