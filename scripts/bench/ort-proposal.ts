#!/usr/bin/env node
/**
 * Measurement behind a proposal, not part of the library: how fast onnxruntime-node (native MLAS kernels, AVX-512
 * here) scores the bench's inference batches, and how close its logits are to ours. onnxruntime-node is not a
 * dependency (288 MB of native libraries); install it into a scratch folder:
 *
 *   mkdir -p /tmp/ortcheck && (cd /tmp/ortcheck && npm init -y && npm install onnxruntime-node)
 *   bench/.venv/bin/python bench/export_onnx.py bench/models/bench-random-minilm /tmp/ort/minilm.onnx
 *   ORT_NODE_DIR=/tmp/ortcheck ONNX_DIR=/tmp/ort npx tsx scripts/bench/ort-proposal.ts minilm
 *
 * Same 256 STSb test pairs, length-sorted batches of 32, as `npm run bench`; second of two passes timed.
 */
// Installs the Node platform (files, environment, Hub cache) before any library call.
import '../../lib/platform/node.js';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { CrossEncoder } from '../../lib/cross-encoder/model.js';
import { loadStsbFromDir } from '../../lib/data/index.js';
import { SHARED } from './shapes.js';

import type { BatchEncoding } from '../../lib/tokenizer/index.js';

/** The part of onnxruntime-node's API used here (it is not a dependency, so no type package either). */
interface OrtTensor {
  data: unknown;
}
interface OrtSession {
  inputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
interface Ort {
  env: { versions: { common: string } };
  Tensor: new (type: 'int64', data: BigInt64Array, dims: number[]) => OrtTensor;
  InferenceSession: { create(file: string, opts: { intraOpNumThreads: number; interOpNumThreads: number; graphOptimizationLevel: 'all' }): Promise<OrtSession> };
}
const ortDir = process.env.ORT_NODE_DIR ?? '/tmp/ortcheck';
const onnxDir = process.env.ONNX_DIR ?? '/tmp/ort';
const ort = createRequire(path.join(ortDir, 'package.json'))('onnxruntime-node') as Ort;
const shape = process.argv[2] ?? 'minilm';

const model = await CrossEncoder.fromPretrained(path.join('bench', 'models', `bench-random-${shape}`));
const pairs = (await loadStsbFromDir(path.join(SHARED, 'data', 'stsb'), 'test')).examples.slice(0, 256).map((e) => [e.sentence1, e.sentence2] as const);
const enc = model.encode(pairs);
const order = enc.map((_, i) => i).sort((a, b) => enc[b].inputIds.length - enc[a].inputIds.length);
const batches: BatchEncoding[] = [];
for (let s = 0; s < order.length; s += 32) batches.push(model.tokenizer.pad(order.slice(s, s + 32).map((i) => enc[i])));

const pairsPerSec = (ms: number) => ((pairs.length / ms) * 1000).toFixed(1);
const ours = await model.logits(pairs, { showProgress: false });
for (const threads of [1, 2]) {
  await model.logits(pairs, { showProgress: false, threads }); // warm-up (and starts the replica for 2)
  const t = performance.now();
  await model.logits(pairs, { showProgress: false, threads });
  console.log(`${shape}: tfjs wasm, ${threads} thread(s): ${pairsPerSec(performance.now() - t)} pairs/s`);
}
for (const threads of [1, 2]) {
  const session = await ort.InferenceSession.create(path.join(onnxDir, `${shape}.onnx`), { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const run = async () => {
    const out: Float32Array[] = [];
    for (const b of batches) {
      const columns = { input_ids: b.inputIds, attention_mask: b.attentionMask, token_type_ids: b.tokenTypeIds };
      const feeds: Record<string, OrtTensor> = {};
      for (const name of session.inputNames) feeds[name] = new ort.Tensor('int64', BigInt64Array.from(columns[name as keyof typeof columns], (x: number) => BigInt(x)), [b.batchSize, b.seqLen]);
      out.push((await session.run(feeds)).logits.data as Float32Array);
    }
    return out;
  };
  await run();
  const t = performance.now();
  const out = await run();
  const ms = performance.now() - t;
  let worst = 0;
  let k = 0;
  for (const b of out) for (const v of b) worst = Math.max(worst, Math.abs(v - ours[order[k++]][0]));
  console.log(`${shape}: onnxruntime-node ${ort.env.versions.common}, ${threads} thread(s): ${pairsPerSec(ms)} pairs/s; max |logit − ours| ${worst.toExponential(2)}`);
  await session.release();
}
model.dispose();
