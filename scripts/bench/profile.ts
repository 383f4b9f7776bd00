#!/usr/bin/env node
/**
 * Where a training step's time goes: one STSb batch (16 pairs, dynamic padding), loss + gradients + clipping + AdamW
 * exactly as the Trainer does, on the chosen backend. Prints the step time (median of --reps after --warmup steps)
 * and a tf.profile breakdown per kernel (BatchMatMul split by shape and transpose flags).
 *
 *   npx tsx scripts/bench/profile.ts --shape minilm --backend wasm [--reps 3] [--warmup 3] [--top 25] [--no-profile]
 *     [--infer] (forward only, inference mode)  [--batch 16]  [--padded] (dense layers on padded rows too)
 *     [--formulation stock|native] (lib/kernels: the stock tfjs formulation, or the non-wasm one on wasm)
 *     [--trace-memory] (wasm heap, tensor bytes, RSS per phase)
 */
import { parseArgs } from 'node:util';
import * as path from 'node:path';
import { initBackend, tf } from '../../lib/backend.js';
import { CrossEncoder } from '../../lib/cross-encoder/model.js';
import { loadStsbFromDir } from '../../lib/data/index.js';
import { setFormulation } from '../../lib/kernels/index.js';
import { setUnpaddedTraining } from '../../lib/models/layers/transformer-block.js';
import { disposeInputs, encoderInputs } from '../../lib/models/sequence-classifier.js';
import { clipGradients, computeGradients, globalNorm } from '../../lib/training/gradients.js';
import { bceWithLogits } from '../../lib/cross-encoder/losses/index.js';
import { AdamW } from '../../lib/training/optimizer.js';
import { epochPermutation } from '../../lib/training/rng.js';
import { SHAPES, SHARED, ensureModel, type ShapeName } from './shapes.js';

const { values } = parseArgs({
  options: {
    shape: { type: 'string', default: 'minilm' },
    backend: { type: 'string', default: 'wasm' },
    reps: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '3' },
    top: { type: 'string', default: '25' },
    batch: { type: 'string', default: '16' },
    'no-profile': { type: 'boolean', default: false },
    infer: { type: 'boolean', default: false },
    formulation: { type: 'string' },
    padded: { type: 'boolean', default: false },
    'trace-memory': { type: 'boolean', default: false },
  },
});
const shape = SHAPES[values.shape as ShapeName];
if (!shape) throw new Error(`unknown shape ${values.shape}`);
await initBackend(values.backend);
if (values.formulation === 'stock' || values.formulation === 'native') setFormulation(values.formulation);
else if (values.formulation) throw new Error(`--formulation takes stock or native, got ${values.formulation}`);
if (values.padded) setUnpaddedTraining(false);
const dir = await ensureModel(shape);
const model = await CrossEncoder.fromPretrained(dir);
const data = (await loadStsbFromDir(path.join(SHARED, 'data', 'stsb'), 'train')).examples;
const B = Number(values.batch);
const order = epochPermutation(data.length, 12, 0).slice(0, B);
const encoded = order.map((i) => model.tokenizer.encodePair(data[i].sentence1, data[i].sentence2, model.maxLength));
const batch = model.tokenizer.pad(encoded);
const labels = order.map((i) => data[i].label);
const params = model.model.trainableVariables();
const opt = new AdamW();
process.stderr.write(`${shape.label} on ${values.backend}: batch ${B} × seq ${batch.seqLen}\n`);

const heapMB = () => {
  const w = (tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm;
  return w ? `heap ${(w.HEAPU8.length / 2 ** 20).toFixed(0)} MiB, ` : '';
};
const trace = (what: string) => {
  if (values['trace-memory']) process.stderr.write(`${what}: ${heapMB()}tensors ${(tf.memory().numBytes / 2 ** 20).toFixed(0)} MiB, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB\n`);
};

async function step(): Promise<void> {
  const inputs = encoderInputs(batch, model.config);
  const lab = tf.tensor2d(labels, [B, 1]);
  try {
    if (values.infer) {
      const l = tf.tidy(() => model.model.logits(inputs, model.model.context(false)));
      await l.data();
      l.dispose();
      return;
    }
    trace('before step');
    const g = await computeGradients(params, [{ size: B, loss: () => bceWithLogits(model.model.logits(inputs, model.model.context(true)), lab) }]);
    trace('gradients');
    const norm = await globalNorm(g.grads);
    clipGradients(g.grads, norm, 1);
    trace('clipped');
    opt.apply(params, g.grads, 2e-5);
    trace('adamw');
    tf.dispose([...g.grads.values()]);
  } finally {
    disposeInputs(inputs);
    lab.dispose();
  }
}

for (let i = 0; i < Number(values.warmup); i++) await step();
const times: number[] = [];
for (let i = 0; i < Number(values.reps); i++) {
  const t = performance.now();
  await step();
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
console.log(`step ms: median ${times[times.length >> 1].toFixed(0)} (all ${times.map((t) => t.toFixed(0)).join(', ')})`);

if (!values['no-profile']) {
  const info = await tf.profile(() => step() as unknown as tf.TensorContainer);
  const by = new Map<string, { ms: number; n: number }>();
  let total = 0;
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    total += ms;
    let key = k.name;
    if (k.name === 'BatchMatMul' || k.name === '_FusedMatMul' || k.name === 'Transpose') {
      const a = k.inputShapes.map((s) => `[${(s ?? []).join(",")}]`).join("·");
      key = `${k.name} ${a}${k.name !== 'Transpose' ? ' ' + JSON.stringify((k as unknown as { extraInfo?: string }).extraInfo ?? '') : ''}`;
    }
    const e = by.get(key) ?? { ms: 0, n: 0 };
    e.ms += ms;
    e.n++;
    by.set(key, e);
  }
  const byName = new Map<string, number>();
  for (const k of info.kernels) byName.set(k.name, (byName.get(k.name) ?? 0) + (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0));
  console.log(`profiled kernels total ${total.toFixed(0)} ms, peakBytes ${(info.peakBytes / 2 ** 20).toFixed(0)} MiB`);
  console.log('-- by kernel');
  for (const [k, ms] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${ms.toFixed(1).padStart(8)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${k}`);
  console.log('-- by kernel and input shapes');
  for (const [k, e] of [...by].sort((a, b) => b[1].ms - a[1].ms).slice(0, Number(values.top))) console.log(`${e.ms.toFixed(1).padStart(8)} ms ${String(e.n).padStart(4)}×  ${k}`);
}
model.dispose();
opt.dispose();
