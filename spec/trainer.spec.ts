import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tf } from '../lib/backend.js';
import { CrossEncoder } from '../lib/cross-encoder.js';
import { disposeInputs, encoderInputs } from '../lib/models/sequence-classifier.js';
import { TrainingError } from '../lib/errors.js';
import { listCheckpoints } from '../lib/training/checkpoint-state.js';
import { Trainer, type TrainerOptions } from '../lib/training/trainer.js';
import { readLog, type TrainRow } from '../lib/training/training-log.js';
import { fixtureModel } from './helpers/paths.js';
import { fixtureExamples, TRAINING_FIXTURE } from './helpers/training-fixture.js';

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

/** Logits for fixed input ids (the fixture's `after` batch). */
function logitsFor(model: CrossEncoder, ids: number[][], mask: number[][], types: number[][]): number[] {
  const B = ids.length;
  const T = ids[0].length;
  const inputs = encoderInputs(
    { batchSize: B, seqLen: T, inputIds: Int32Array.from(ids.flat()), attentionMask: Int32Array.from(mask.flat()), tokenTypeIds: Int32Array.from(types.flat()), lengths: [] },
    model.config,
  );
  const out = tf.tidy(() => model.model.logits(inputs, model.model.context(false)));
  const v = Array.from(out.dataSync());
  out.dispose();
  disposeInputs(inputs);
  return v;
}

export async function checkAgainstFixture(outputDir: string, model: CrossEncoder): Promise<void> {
  const rows = (await readLog(path.join(outputDir, 'log.jsonl'))).filter((r): r is TrainRow => r.type === 'train');
  expect(rows.map((r) => r.step)).to.deep.equal([1, 2, 3]);
  TRAINING_FIXTURE.steps.forEach((s, i) => {
    expect(rel(rows[i].loss, s.loss), `step ${i + 1} loss ${rows[i].loss} vs ${s.loss}`).to.be.below(1e-5);
    expect(rel(rows[i].grad_norm, s.grad_norm_before_clip), `step ${i + 1} grad norm`).to.be.below(1e-4);
    expect(rows[i].lr).to.equal(TRAINING_FIXTURE.optimizer.lr);
  });
  const a = TRAINING_FIXTURE.after;
  const logits = logitsFor(model, a.input_ids, a.attention_mask, a.token_type_ids);
  logits.forEach((v, i) => expect(Math.abs(v - a.logits[i]), `logit ${i}`).to.be.below(1e-4));
  const params = new Map(model.model.params());
  for (const name of Object.keys(a).filter((k) => params.has(k))) {
    const p = params.get(name)!;
    const value = tf.tidy(() => (p.layout === 'transposed' ? tf.transpose(p.variable.read()) : p.variable.read().clone()));
    const got = value.dataSync();
    value.dispose();
    const want = (a[name] as number[] | number[][]).flat();
    expect(got.length).to.equal(want.length);
    want.forEach((v, i) => expect(Math.abs(got[i] - v), `${name}[${i}]`).to.be.below(1e-4));
  }
}

/** Train the fixture's start model on its 3 steps (its optimizer settings, dropout 0) and check every recorded value. */
export async function replayFixture(outputDir: string, extra: Partial<TrainerOptions> = {}): Promise<void> {
  const model = await CrossEncoder.fromPretrained(fixtureModel(TRAINING_FIXTURE.start_model), { dropout: 0 });
  const trainer = new Trainer(model, fixtureExamples(), {
    outputDir,
    batchSize: 2,
    maxSteps: 3,
    lr: TRAINING_FIXTURE.optimizer.lr,
    scheduler: 'constant',
    weightDecay: TRAINING_FIXTURE.optimizer.weight_decay,
    maxGradNorm: TRAINING_FIXTURE.optimizer.max_grad_norm,
    shuffle: false,
    loggingSteps: 1,
    showProgress: false,
    ...extra,
  });
  try {
    await trainer.run();
    await checkAgainstFixture(outputDir, model);
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

describe('Trainer', () => {
  let tmp: string;
  before(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'xenc-train-'));
  });
  after(async () => {
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  it('replays training-steps.json: per-step loss (1e-5 rel), grad norm before clipping (1e-4 rel), final logits and weights (1e-4)', async () => {
    await replayFixture(path.join(tmp, 'api'));
  });

  it('micro-batches of 1 give the same steps as the full batch (gradient accumulation)', async () => {
    const model = await CrossEncoder.fromPretrained(fixtureModel(TRAINING_FIXTURE.start_model), { dropout: 0 });
    const out = path.join(tmp, 'micro');
    const trainer = new Trainer(model, fixtureExamples(), {
      outputDir: out,
      batchSize: 2,
      microBatchSize: 1,
      maxSteps: 3,
      lr: TRAINING_FIXTURE.optimizer.lr,
      scheduler: 'constant',
      shuffle: false,
      loggingSteps: 1,
      showProgress: false,
    });
    await trainer.run();
    await checkAgainstFixture(out, model);
    trainer.dispose();
    model.dispose();
  });

  it('numTensors stays flat over 1000 training steps on the tiny model', async function () {
    this.timeout(600_000);
    const model = await CrossEncoder.fromPretrained(fixtureModel('tiny-bert-cross-encoder'));
    const examples = fixtureExamples();
    const counts: number[] = [];
    const trainer = new Trainer(model, examples, {
      outputDir: path.join(tmp, 'flat'),
      batchSize: 2,
      maxSteps: 1000,
      lr: 1e-4,
      loggingSteps: 500,
      showProgress: false,
      onStep: (step) => {
        if (step >= 2) counts.push(tf.memory().numTensors);
      },
    });
    await trainer.run();
    expect(counts).to.have.length(999);
    expect(Math.max(...counts)).to.equal(Math.min(...counts));
    trainer.dispose();
    model.dispose();
  });
});

describe('Trainer: failures', () => {
  let tmp: string;
  before(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'xenc-nan-'));
  });
  after(async () => {
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  it('a NaN loss stops with an error naming the step and examples, and keeps the last good checkpoint', async () => {
    const model = await CrossEncoder.fromPretrained(fixtureModel('tiny-bert-cross-encoder'), { dropout: 0 });
    const examples = fixtureExamples();
    examples[4] = { ...examples[4], label: NaN }; // third batch (batch size 2, no shuffle)
    const out = path.join(tmp, 'nan');
    const trainer = new Trainer(model, examples, { outputDir: out, batchSize: 2, saveSteps: 1, shuffle: false, showProgress: false, loggingSteps: 1 });
    let err: unknown;
    try {
      await trainer.run();
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(TrainingError);
    expect(String((err as Error).message)).to.match(/loss is NaN at step 3 \(epoch 1, batch 3, examples 5, 6\)/);
    expect(String((err as Error).message)).to.match(/last good checkpoint is .*step-2/);
    const ckpts = await listCheckpoints(out);
    expect(ckpts.map((c) => c.step)).to.deep.equal([2]);
    const reloaded = await CrossEncoder.fromPretrained(ckpts[0].dir);
    const scores = await reloaded.predict([['A man is playing a guitar.', 'A man plays the guitar.']]);
    expect(scores.every(Number.isFinite)).to.equal(true);
    reloaded.dispose();
    trainer.dispose();
    model.dispose();
  });

  it('refuses options that cannot work, before training', async () => {
    const model = await CrossEncoder.fromPretrained(fixtureModel('tiny-bert-cross-encoder'));
    expect(() => new Trainer(model, [], { outputDir: tmp })).to.throw(/training set is empty/);
    expect(() => new Trainer(model, fixtureExamples(), { outputDir: tmp, batchSize: 0 })).to.throw(/batchSize must be an integer/);
    expect(() => new Trainer(model, fixtureExamples(), { outputDir: tmp, loss: 'ce' })).to.throw(/label 0\.95 is not a class index/);
    model.dispose();
  });
});
