/**
 * One (shape, backend) measurement, run in its own process so its peak RSS is its own (`npm run bench` starts it).
 *
 *   node --import tsx scripts/bench/child.ts <job.json>
 *
 * Trains with the library's Trainer (batch 16, trainer defaults, no shuffling so batch i is examples[16i .. 16i+15]),
 * `threads` as the library's option (1: this thread alone), times the steps after the warm-up with onStep, then scores the inference pairs twice with CrossEncoder.predict
 * (the first call warms up, the second is timed). Writes a ChildResult JSON to job.resultFile. It also writes the
 * tokenised batches it fed (job.batchesFile, when given) for the PyTorch side, so both see identical token counts.
 * A backend that cannot start (initBackend throws) still writes a result, with the error, and exits 0.
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend, tf } from '../../lib/backend.js';
import { CrossEncoder, type Pair } from '../../lib/cross-encoder/model.js';
import { setUnpaddedTraining } from '../../lib/models/layers/transformer-block.js';
import { formulation, setFormulation, wasmGemmInfo } from '../../lib/kernels/index.js';
import { setFirstTokenOnly } from '../../lib/models/sequence-classifier.js';
import { Trainer, type TrainExample } from '../../lib/cross-encoder/trainer.js';
import { setLogLevel } from '../../lib/util/log.js';
import type { ChildJob, ChildResult, DumpedBatch } from './types.js';

const job = JSON.parse(await fsp.readFile(process.argv[2]!, 'utf8')) as ChildJob;
setLogLevel('warn');
const result: ChildResult = { shape: job.shape, backend: job.backend, threads: job.threads, ok: false };

async function writeResult(): Promise<void> {
  result.maxRssKB = process.resourceUsage().maxRSS;
  await fsp.writeFile(job.resultFile, JSON.stringify(result, null, 2));
}

function batchOf(model: CrossEncoder, enc: ReturnType<CrossEncoder['encode']>, labels?: number[]): DumpedBatch {
  const b = model.tokenizer.pad(enc);
  const rows = (a: Int32Array) => Array.from({ length: b.batchSize }, (_, i) => Array.from(a.subarray(i * b.seqLen, (i + 1) * b.seqLen)));
  return { input_ids: rows(b.inputIds), attention_mask: rows(b.attentionMask), token_type_ids: rows(b.tokenTypeIds), labels };
}

try {
  // webgpu on SwiftShader: bench.ts puts TFJS_CROSS_ENCODER_WEBGPU=swiftshader in this process's env as well.
  const info = await initBackend(job.backend, job.webgpuSoftware ? { webgpuSoftware: true } : {});
  result.backendSource = info.source;
  result.device = info.device;
  result.softwareAdapter = info.softwareAdapter;
  result.tfjsVersion = tf.version_core;
  if (job.padded) setUnpaddedTraining(false);
  if (job.stock) {
    // What a plain tfjs implementation of the same model does: stock kernels and gradients, padded rows, all rows.
    setFormulation('stock');
    setUnpaddedTraining(false);
    setFirstTokenOnly(false);
  }
  result.stock = job.stock ?? false;
  result.formulation = formulation();
  const gemm = wasmGemmInfo();
  result.gemm = gemm.active ? `ours${gemm.fma ? ' (fma)' : ''}` : job.backend === 'wasm' ? 'xnnpack' : 'tf.matMul';
  const model = await CrossEncoder.fromPretrained(job.modelDir);
  result.maxLength = model.maxLength;
  const examples: TrainExample[] = job.train;
  const pairs: Pair[] = job.infer.map((e) => [e.sentence1, e.sentence2] as const);

  if (job.batchesFile) {
    // Exactly what the Trainer (shuffle off: consecutive slices) and predict (sorted by length, stable) will pad.
    const train: DumpedBatch[] = [];
    for (let s = 0; s < examples.length; s += job.batchSize) {
      const part = examples.slice(s, s + job.batchSize);
      train.push(batchOf(model, model.encode(part.map((e) => [e.sentence1, e.sentence2] as const)), part.map((e) => e.label)));
    }
    const enc = model.encode(pairs);
    const order = enc.map((_, i) => i).sort((a, b) => enc[b].inputIds.length - enc[a].inputIds.length);
    const infer: DumpedBatch[] = [];
    for (let s = 0; s < order.length; s += job.inferBatchSize) infer.push(batchOf(model, order.slice(s, s + job.inferBatchSize).map((i) => enc[i])));
    await fsp.writeFile(job.batchesFile, JSON.stringify({ shape: job.shape, warmup: job.warmup, steps: job.steps, train, infer }));
  }

  // ---- training
  const stepTimes: number[] = [];
  const numTensors: number[] = [];
  const rss: number[] = [];
  const outputDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'xenc-bench-'));
  const trainer = new Trainer(model, examples, {
    outputDir,
    batchSize: job.batchSize,
    maxSteps: job.warmup + job.steps,
    shuffle: false,
    showProgress: false,
    loggingSteps: 1_000_000,
    microBatchSize: job.microBatchSize,
    freezeEmbeddings: job.freezeEmbeddings,
    threads: job.threads,
    onStep: () => {
      stepTimes.push(performance.now());
      numTensors.push(tf.memory().numTensors);
      rss.push(process.memoryUsage().rss);
    },
  });
  const t0 = performance.now();
  try {
    await trainer.run();
  } finally {
    trainer.dispose();
    await fsp.rm(outputDir, { recursive: true, force: true });
  }
  const timedFrom = stepTimes[job.warmup - 1] ?? t0;
  const timedSecs = (stepTimes[stepTimes.length - 1] - timedFrom) / 1000;
  const prev = [t0, ...stepTimes];
  result.train = {
    steps: job.steps,
    warmup: job.warmup,
    pairsPerSec: (job.steps * job.batchSize) / timedSecs,
    stepMs: stepTimes.map((t, i) => Math.round(t - prev[i])),
    numTensorsFirst: numTensors[0],
    numTensorsLast: numTensors[numTensors.length - 1],
    rssAfterWarmupMB: rss[job.warmup - 1] / 2 ** 20,
    rssLastMB: rss[rss.length - 1] / 2 ** 20,
    rssMB: rss.map((r) => Math.round(r / 2 ** 20)),
  };
  result.ok = true; // training finished; inference below may still fail and says so

  // ---- inference
  const before = tf.memory().numTensors;
  const w0 = performance.now();
  await model.predict(pairs, { batchSize: job.inferBatchSize, showProgress: false, threads: job.threads });
  const w1 = performance.now();
  await model.predict(pairs, { batchSize: job.inferBatchSize, showProgress: false, threads: job.threads });
  const w2 = performance.now();
  result.infer = {
    pairs: pairs.length,
    batchSize: job.inferBatchSize,
    pairsPerSec: pairs.length / ((w2 - w1) / 1000),
    warmupPairsPerSec: pairs.length / ((w1 - w0) / 1000),
    numTensorsDrift: tf.memory().numTensors - before,
  };
  model.dispose();
} catch (e) {
  result.error = ((e as Error).message?.split('\n')[0] ?? String(e)).slice(0, 1000);
}
await writeResult();
// The wasm backend keeps its worker-free module alive; exit explicitly.
process.exit(0);
