/**
 * Worker-thread entry: one model replica on its own TF.js backend (its own wasm instance and heap), scoring batches
 * or computing a training step's gradients for the calling thread. See replica-pool.ts.
 */
import { parentPort } from 'node:worker_threads';
import { initBackend, tf } from '../backend.js';
import { disposeInputs, encoderInputs, SequenceClassifier } from '../models/sequence-classifier.js';
import { computeGradients } from '../training/gradients.js';
import { microBatchesOf } from '../training/micro-batch.js';
import { setLogLevel } from '../util/log.js';
import { copyTensorInto, tensorFrom } from './copy.js';
import type { GradientsRequest, InitRequest, LogitsRequest, Reply, Request, Slot } from './protocol.js';

if (!parentPort) throw new Error('replica-worker.ts runs as a worker thread only');
const port = parentPort;

let model: SequenceClassifier | undefined;
let weights: Float32Array | undefined;
let slots: Slot[] = [];

function replica(): SequenceClassifier {
  if (!model) throw new Error('replica used before init');
  return model;
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
  model = new SequenceClassifier(req.config);
  weights = new Float32Array(req.weights);
  slots = req.slots;
  loadWeights();
}

async function scoreBatches(req: LogitsRequest): Promise<void> {
  const counter = new Int32Array(req.counter);
  const out = new Float32Array(req.out);
  const m = replica();
  for (;;) {
    const i = Atomics.add(counter, 0, 1);
    if (i >= req.batches.length) break;
    const inputs = encoderInputs(req.batches[i], m.config);
    try {
      const logits = tf.tidy(() => m.logits(inputs, m.context(false)));
      try {
        out.set(await logits.data(), req.outOffsets[i]);
      } finally {
        logits.dispose();
      }
    } finally {
      disposeInputs(inputs);
    }
    Atomics.add(counter, 1, 1);
  }
}

async function gradients(req: GradientsRequest): Promise<number> {
  const m = replica();
  const vars = new Map(m.trainableVariables());
  const params = req.slots.map((s) => {
    const v = vars.get(s.name);
    if (!v) throw new Error(`replica has no parameter ${s.name}`);
    return [s.name, v] as const;
  });
  const { micro, dispose } = microBatchesOf(m, req.micro, req.loss);
  try {
    const { loss, grads } = await computeGradients(params, micro);
    const out = new Float32Array(req.grads);
    for (const s of req.slots) {
      const g = grads.get(s.name);
      if (g) copyTensorInto(out, s.offset, g);
      else out.fill(0, s.offset, s.offset + s.size);
    }
    tf.dispose([...grads.values()]);
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
