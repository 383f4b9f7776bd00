/**
 * The code that runs inside the page (bundled for the browser by spec/browser/harness.ts): the library's browser
 * entry plus both GPU backends, and the checks the browser spec asks for, on `globalThis.xenc`. It returns numbers
 * and messages; the assertions are made in Node (browser.spec.ts), so a failure shows there with its values.
 */
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { configureHub, CrossEncoder, initBackend, mountFiles, setWasmPaths, tf, Trainer, type FileLike, type Pair } from '../../lib/browser.js';
import { readLog, type TrainRow } from '../../lib/training/training-log.js';
import { disposeInputs, encoderInputs } from '../../lib/models/sequence-classifier.js';
import { setUnpaddedTraining } from '../../lib/models/layers/transformer-block.js';

export interface FixtureCase {
  pairs: [string, string][];
  max_length: number | null;
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][] | null;
  logits: number[];
}

export interface Setup {
  endpoint: string;
  wasmPaths: string;
  backend: string;
}

export interface ParityResult {
  backend: string;
  device: string;
  /** Worst |logit − expected| over every case, through the tokenizer (predict) and from the fixture's input ids. */
  viaTokenizer: number;
  viaInputIds: number;
  ms: number;
}

export interface ReplayResult {
  backend: string;
  /** Worst relative difference of the logged per-step loss from the fixture's (PyTorch) loss. */
  lossRel: number;
  gradNormRel: number;
  steps: number;
  msPerStep: number;
  /** Worst |logit − expected| after the three steps. */
  logitsAfter: number;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function setup(s: Setup): Promise<string> {
  setWasmPaths(s.wasmPaths);
  configureHub({ endpoint: s.endpoint });
  const info = await initBackend(s.backend);
  return `${info.name}: ${info.device ?? ''}`;
}

async function logitsForIds(model: CrossEncoder, ids: number[][], mask: number[][], types: number[][] | null): Promise<Float32Array> {
  const B = ids.length;
  const T = ids[0].length;
  const inputs = encoderInputs(
    { batchSize: B, seqLen: T, inputIds: Int32Array.from(ids.flat()), attentionMask: Int32Array.from(mask.flat()), tokenTypeIds: types ? Int32Array.from(types.flat()) : new Int32Array(B * T), lengths: [] },
    model.config,
  );
  const out = tf.tidy(() => model.model.logits(inputs, model.model.context(false)));
  try {
    return (await out.data()) as Float32Array;
  } finally {
    out.dispose();
    disposeInputs(inputs);
  }
}

/** Load `repo` from the Hub server, and compare its logits with the PyTorch reference cases. */
async function parity(s: Setup, repo: string, cases: FixtureCase[]): Promise<ParityResult> {
  const device = await setup(s);
  const t0 = performance.now();
  const model = await CrossEncoder.fromPretrained(repo);
  let viaTokenizer = 0;
  let viaInputIds = 0;
  try {
    for (const c of cases) {
      const m = c.max_length === null ? model : await CrossEncoder.fromPretrained(repo, { maxLength: c.max_length });
      try {
        const rows = await m.logits(c.pairs as Pair[], { showProgress: false });
        viaTokenizer = Math.max(viaTokenizer, maxAbsDiff(rows.flatMap((r) => [...r]), c.logits));
        viaInputIds = Math.max(viaInputIds, maxAbsDiff(await logitsForIds(m, c.input_ids, c.attention_mask, c.token_type_ids), c.logits));
      } finally {
        if (m !== model) m.dispose();
      }
    }
  } finally {
    model.dispose();
  }
  return { backend: s.backend, device, viaTokenizer, viaInputIds, ms: performance.now() - t0 };
}

/** Load once more, with whatever the network allows (the spec stops the server first): the Cache Storage path. */
async function predictOnce(s: Setup, repo: string, pairs: Pair[]): Promise<number[][]> {
  await setup(s);
  const model = await CrossEncoder.fromPretrained(repo);
  try {
    return (await model.logits(pairs, { showProgress: false })).map((r) => [...r]);
  } finally {
    model.dispose();
  }
}

export interface TrainingFixture {
  start_model: string;
  optimizer: { lr: number; weight_decay: number; max_grad_norm: number };
  steps: Array<{ pairs: [string, string][]; labels: number[]; loss: number; grad_norm_before_clip: number }>;
  after: { logits: number[]; input_ids: number[][]; attention_mask: number[][]; token_type_ids: number[][] };
}

/** spec/helpers/training-fixture.ts's replay, in the page: the same Trainer, writing into the in-memory file system. */
async function replay(s: Setup, repo: string, fx: TrainingFixture, padded = false): Promise<ReplayResult> {
  await setup(s);
  setUnpaddedTraining(!padded);
  const model = await CrossEncoder.fromPretrained(repo, { dropout: 0 });
  const examples = fx.steps.flatMap((st) => st.pairs.map(([a, b], i) => ({ sentence1: a, sentence2: b, label: st.labels[i] })));
  const outputDir = `/runs/replay-${s.backend}-${Date.now()}`;
  const trainer = new Trainer(model, examples, {
    outputDir,
    batchSize: 2,
    maxSteps: 3,
    lr: fx.optimizer.lr,
    scheduler: 'constant',
    weightDecay: fx.optimizer.weight_decay,
    maxGradNorm: fx.optimizer.max_grad_norm,
    shuffle: false,
    loggingSteps: 1,
    showProgress: false,
  });
  try {
    const t0 = performance.now();
    await trainer.run();
    const ms = performance.now() - t0;
    const rows = (await readLog(`${outputDir}/log.jsonl`)).filter((r): r is TrainRow => r.type === 'train');
    const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);
    const a = fx.after;
    return {
      backend: s.backend,
      steps: rows.length,
      lossRel: Math.max(...rows.map((r, i) => rel(r.loss, fx.steps[i].loss))),
      gradNormRel: Math.max(...rows.map((r, i) => rel(r.grad_norm, fx.steps[i].grad_norm_before_clip))),
      msPerStep: ms / rows.length,
      logitsAfter: maxAbsDiff(await logitsForIds(model, a.input_ids, a.attention_mask, a.token_type_ids), a.logits),
    };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

/** An error as the page shows it: class, code and message (what the spec compares with Node's). */
async function errorOf(f: () => Promise<unknown>): Promise<string> {
  try {
    await f();
    return 'no error';
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

/** Load from `source`: the folder picked in the page's <input webkitdirectory> ('#folder'), or a URL; then score. */
async function predictFrom(s: Setup, source: '#folder' | string, pairs: Pair[]): Promise<number[][]> {
  await setup(s);
  let dir = source;
  if (source === '#folder') {
    const input = (globalThis as unknown as { document: { querySelector(q: string): { files: ArrayLike<FileLike> } } }).document.querySelector('#folder');
    dir = mountFiles(input.files);
  }
  const model = await CrossEncoder.fromPretrained(dir);
  try {
    return (await model.logits(pairs, { showProgress: false })).map((r) => [...r]);
  } finally {
    model.dispose();
  }
}

/** The error loading the picked folder gives, as the page would show it to its user. */
async function loadErrorFromFolder(s: Setup): Promise<string> {
  return errorOf(() => predictFrom(s, '#folder', [['a', 'b']]));
}

const api = { predictFrom, loadErrorFromFolder, parity, predictOnce, replay, errorOf, CrossEncoder, tf, initBackend };
(globalThis as { xenc?: typeof api }).xenc = api;
export type PageApi = typeof api;
