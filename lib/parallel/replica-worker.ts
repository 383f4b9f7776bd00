/**
 * Worker-thread entry: one model replica on its own TF.js backend (its own wasm instance and heap). A cross-encoder
 * replica scores batches or computes a training step's gradients; a bi-encoder replica embeds batches or replays
 * GradCache chunks. All for the calling thread; see replica-pool.ts.
 */
import { parentPort } from 'node:worker_threads';
import { initBackend, tf } from '../backend.js';
import { batchLogits, SequenceClassifier } from '../models/sequence-classifier.js';
import { computeGradients } from '../training/gradients.js';
import { microBatchesOf } from '../training/micro-batch.js';
import { EmbeddingModel } from '../sentence-transformer/embedding-model.js';
import { replayMicroBatches, runEmbedJob } from '../sentence-transformer/embed-jobs.js';
import { setLogLevel } from '../util/log.js';
import { copyTensorInto, tensorFrom } from './copy.js';
import type { EmbedRequest, GradientsRequest, InitRequest, LogitsRequest, ReplayRequest, Reply, Request, Slot } from './protocol.js';

if (!parentPort) throw new Error('replica-worker.ts runs as a worker thread only');
const port = parentPort;

let model: SequenceClassifier | EmbeddingModel | undefined;
let weights: Float32Array | undefined;
let slots: Slot[] = [];

function replica(): SequenceClassifier | EmbeddingModel {
  if (!model) throw new Error('replica used before init');
  return model;
}

function classifier(what: string): SequenceClassifier {
  const m = replica();
  if (!(m instanceof SequenceClassifier)) throw new Error(`${what} needs a cross-encoder replica; this one is a bi-encoder's`);
  return m;
}

function embedder(what: string): EmbeddingModel {
  const m = replica();
  if (!(m instanceof EmbeddingModel)) throw new Error(`${what} needs a bi-encoder replica; this one is a cross-encoder's`);
  return m;
}

/** Load every parameter from the shared buffer. */
function loadWeights(): void {
  const vars = new Map(replica().trainableVariables());
  for (const s of slots) {
    const v = vars.get(s.name);
    if (!v) throw new Error(`replica has no parameter ${s.name}`);
    const value = tensorFrom(weights!, s.offset, s.shape);
    v.assign(value);
    value.dispose();
  }
}

async function init(req: InitRequest): Promise<void> {
  setLogLevel(req.logLevel);
  await initBackend(req.backend);
  model = req.build.kind === 'embedding-model' ? new EmbeddingModel(req.config, req.build.modules) : new SequenceClassifier(req.config);
  weights = new Float32Array(req.weights);
  slots = req.slots;
  loadWeights();
}

/** Claim items from the shared counter until none is left; item i's output goes to out[outOffsets[i] ...]. */
async function claimItems(req: { counter: SharedArrayBuffer; out: SharedArrayBuffer; outOffsets: number[] }, count: number, compute: (i: number) => Promise<Float32Array>): Promise<void> {
  const counter = new Int32Array(req.counter);
  const out = new Float32Array(req.out);
  for (;;) {
    const i = Atomics.add(counter, 0, 1);
    if (i >= count) break;
    out.set(await compute(i), req.outOffsets[i]);
    Atomics.add(counter, 1, 1);
  }
}

function scoreBatches(req: LogitsRequest): Promise<void> {
  const m = classifier('scoring');
  return claimItems(req, req.batches.length, (i) => batchLogits(m, req.batches[i]));
}

function embedJobs(req: EmbedRequest): Promise<void> {
  const m = embedder('embedding');
  return claimItems(req, req.jobs.length, (i) => runEmbedJob(m, req.jobs[i]));
}

/** The replica's variables for `slots`, in slot order. */
function paramsOf(m: SequenceClassifier | EmbeddingModel, want: readonly Slot[]): Array<readonly [string, tf.Variable]> {
  const vars = new Map(m.trainableVariables());
  return want.map((s) => {
    const v = vars.get(s.name);
    if (!v) throw new Error(`replica has no parameter ${s.name}`);
    return [s.name, v] as const;
  });
}

/** Write summed gradients into the shared buffer by slot (a parameter without one, e.g. frozen, gets zeros). */
function writeGradients(grads: Map<string, tf.Tensor>, want: readonly Slot[], buffer: SharedArrayBuffer): void {
  const out = new Float32Array(buffer);
  for (const s of want) {
    const g = grads.get(s.name);
    if (g) copyTensorInto(out, s.offset, g);
    else out.fill(0, s.offset, s.offset + s.size);
  }
  tf.dispose([...grads.values()]);
}

async function replay(req: ReplayRequest): Promise<void> {
  const m = embedder('a GradCache replay');
  const { micro, dispose } = replayMicroBatches(m, req.jobs);
  try {
    const { grads } = await computeGradients(paramsOf(m, req.slots), micro);
    writeGradients(grads, req.slots, req.grads);
  } finally {
    dispose();
  }
}

async function gradients(req: GradientsRequest): Promise<number> {
  const m = classifier('training gradients');
  const { micro, dispose } = microBatchesOf(m, req.micro, req.loss);
  try {
    const { loss, grads } = await computeGradients(paramsOf(m, req.slots), micro);
    writeGradients(grads, req.slots, req.grads);
    return loss;
  } finally {
    dispose();
  }
}

async function handle(req: Request): Promise<number | undefined> {
  switch (req.type) {
    case 'init':
      return void (await init(req));
    case 'sync':
      return void loadWeights();
    case 'logits':
      return void (await scoreBatches(req));
    case 'grads':
      return await gradients(req);
    case 'embed':
      return void (await embedJobs(req));
    case 'replay':
      return void (await replay(req));
  }
}

// Requests are handled one at a time, in order.
let queue: Promise<void> = Promise.resolve();
port.on('message', (msg: { id: number; req: Request }) => {
  queue = queue.then(async () => {
    let reply: Reply;
    try {
      const loss = await handle(msg.req);
      reply = { id: msg.id, ok: true, loss };
    } catch (e) {
      const err = e as Error;
      reply = { id: msg.id, ok: false, message: err?.message ?? String(e), stack: err?.stack };
    }
    port.postMessage(reply);
  });
});
