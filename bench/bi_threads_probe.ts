/**
 * Bi-encoder replica threads, timed: encode() of STSb test sentences and CosineSimilarityLoss training steps of a
 * real model with threads 1 and 2 on the backend TFJS_BACKEND names (wasm is where threads matter), one after the
 * other in this process. A probe for the README's "Threads" numbers, not a test.
 *
 *   TFJS_BACKEND=wasm npx tsx bench/bi_threads_probe.ts [--model bench/models/all-MiniLM-L6-v2] [--sentences 512] [--steps 6]
 */
import '../lib/platform/node.js';
import { parseArgs } from 'node:util';
import { initBackend, tf } from '../lib/backend.js';
import { loadStsbFromDir } from '../lib/data/index.js';
import { pairRows } from '../lib/sentence-transformer/job.js';
import { CosineSimilarityLoss } from '../lib/sentence-transformer/losses/index.js';
import { SentenceTransformer } from '../lib/sentence-transformer/model.js';
import { SentenceTransformerTask } from '../lib/sentence-transformer/training-task.js';

const { values } = parseArgs({ options: { model: { type: 'string' }, sentences: { type: 'string' }, steps: { type: 'string' }, data: { type: 'string' } } });
const modelDir = values.model ?? 'bench/models/all-MiniLM-L6-v2';
const n = Number(values.sentences ?? 512);
const steps = Number(values.steps ?? 6);
const backend = await initBackend();
const test = (await loadStsbFromDir(values.data ?? '../shared/data/stsb', 'test')).examples;
const texts = test.flatMap((e) => [e.sentence1, e.sentence2]).slice(0, n);
const rows = pairRows((await loadStsbFromDir(values.data ?? '../shared/data/stsb', 'train')).examples);
const model = await SentenceTransformer.fromPretrained(modelDir);
const out: Record<string, number> = {};
try {
  for (const threads of [1, 2]) {
    await model.encode(texts.slice(0, 64), { threads, showProgress: false }); // start the replicas, warm the kernels
    const t0 = performance.now();
    await model.encode(texts, { threads, showProgress: false });
    out[`encode_threads${threads}_sentences_per_s`] = n / ((performance.now() - t0) / 1000);
  }
  const task = new SentenceTransformerTask(model, rows, new CosineSimilarityLoss());
  const params = model.model.trainableVariables();
  const spf = model.model.seedsPerForward();
  for (const threads of [1, 2]) {
    let total = 0;
    for (let s = 0; s <= steps; s++) {
      const indices = Array.from({ length: 16 }, (_, i) => (s * 16 + i) % rows.length);
      const t0 = performance.now();
      const g = await task.stepGradients({ step: s, indices, microSize: 16, seedStart: s * 100, seedsPerForward: spf, params, threads });
      if (s > 0) total += performance.now() - t0; // step 0 warms up
      tf.dispose([...g.grads.values()]);
    }
    out[`train_threads${threads}_s_per_step`] = total / steps / 1000;
  }
} finally {
  model.dispose();
}
console.log(JSON.stringify({ backend: backend.name, model: modelDir, sentences: n, steps, batch: 16, ...out }, null, 1));
