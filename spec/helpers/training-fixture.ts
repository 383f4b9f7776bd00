import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CrossEncoder } from '../../lib/cross-encoder/model.js';
import { disposeInputs, encoderInputs } from '../../lib/models/sequence-classifier.js';
import { tf } from '../../lib/tf.js';
import { Trainer, type TrainerOptions } from '../../lib/cross-encoder/trainer.js';
import { readLog, type TrainRow } from '../../lib/training/training-log.js';
import { expectWithin, maxAbsDiff, valuesOf } from './parity.js';
import { fixtureModel, REPO_ROOT } from './paths.js';

export interface FixtureStep {
  pairs: [string, string][];
  labels: number[];
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
  loss: number;
  grad_norm_before_clip: number;
}

export interface TrainingFixture {
  start_model: string;
  optimizer: { lr: number; betas: [number, number]; eps: number; weight_decay: number; max_grad_norm: number };
  steps: FixtureStep[];
  after: Record<string, number[] | number[][]> & { logits: number[]; input_ids: number[][]; attention_mask: number[][]; token_type_ids: number[][] };
}

/** spec/fixtures/training-steps.json: three AdamW steps from tiny-bert-cross-encoder (see SOURCES.md). */
export const TRAINING_FIXTURE = JSON.parse(readFileSync(path.join(REPO_ROOT, 'spec', 'fixtures', 'training-steps.json'), 'utf-8')) as TrainingFixture;

/** A fixture model's own training-steps.json (bench/make_arch_fixtures.py writes one per new architecture). */
export function modelTrainingFixture(name: string): TrainingFixture {
  return JSON.parse(readFileSync(path.join(fixtureModel(name), 'training-steps.json'), 'utf-8')) as TrainingFixture;
}

/** The fixture's batches flattened into one training set: with batch size 2 and no shuffling they replay in order. */
export function fixtureExamples(fixture: TrainingFixture = TRAINING_FIXTURE): Array<{ sentence1: string; sentence2: string; label: number }> {
  return fixture.steps.flatMap((s) => s.pairs.map(([a, b], i) => ({ sentence1: a, sentence2: b, label: s.labels[i] })));
}

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

/** Logits for fixed input ids (the fixture's `after` batch). */
async function logitsFor(model: CrossEncoder, ids: number[][], mask: number[][], types: number[][]): Promise<number[]> {
  const B = ids.length;
  const T = ids[0].length;
  const inputs = encoderInputs(
    { batchSize: B, seqLen: T, inputIds: Int32Array.from(ids.flat()), attentionMask: Int32Array.from(mask.flat()), tokenTypeIds: Int32Array.from(types.flat()), lengths: [] },
    model.config,
  );
  try {
    return await valuesOf(tf.tidy(() => model.model.logits(inputs, model.model.context(false))));
  } finally {
    disposeInputs(inputs);
  }
}

/** The run in `outputDir` logged the fixture's losses and grad norms, and `model` ends with its logits and weights. */
export async function checkAgainstFixture(outputDir: string, model: CrossEncoder, fixture: TrainingFixture = TRAINING_FIXTURE): Promise<void> {
  const rows = (await readLog(path.join(outputDir, 'log.jsonl'))).filter((r): r is TrainRow => r.type === 'train');
  expect(rows.map((r) => r.step)).to.deep.equal([1, 2, 3]);
  fixture.steps.forEach((s, i) => {
    expectWithin('replay: loss (relative)', rel(rows[i].loss, s.loss), 1e-5, `${fixture.start_model} step ${i + 1}: ${rows[i].loss} vs ${s.loss}`);
    expectWithin('replay: grad norm before clipping (relative)', rel(rows[i].grad_norm, s.grad_norm_before_clip), 1e-4, `${fixture.start_model} step ${i + 1}`);
    expect(rows[i].lr).to.equal(fixture.optimizer.lr);
  });
  const a = fixture.after;
  const logits = await logitsFor(model, a.input_ids, a.attention_mask, a.token_type_ids);
  expectWithin('replay: logits after 3 steps', maxAbsDiff(logits, a.logits), 1e-4, fixture.start_model);
  const params = new Map(model.model.params());
  const names = Object.keys(a).filter((k) => params.has(k));
  expect(names.length, 'the fixture records weights').to.be.greaterThan(0);
  for (const name of names) {
    const p = params.get(name)!;
    const got = await valuesOf(tf.tidy(() => (p.layout === 'transposed' ? tf.transpose(p.variable.read()) : p.variable.read().clone())));
    expectWithin('replay: weights after 3 steps', maxAbsDiff(got, (a[name] as number[] | number[][]).flat()), 1e-4, `${fixture.start_model} ${name}`);
  }
}

/** Train the fixture's start model on its 3 steps (its optimizer settings, dropout 0) and check every recorded value. */
export async function replayFixture(outputDir: string, extra: Partial<TrainerOptions> = {}, fixture: TrainingFixture = TRAINING_FIXTURE): Promise<void> {
  const model = await CrossEncoder.fromPretrained(fixtureModel(fixture.start_model), { dropout: 0 });
  const trainer = new Trainer(model, fixtureExamples(fixture), {
    outputDir,
    batchSize: 2,
    maxSteps: 3,
    lr: fixture.optimizer.lr,
    scheduler: 'constant',
    weightDecay: fixture.optimizer.weight_decay,
    maxGradNorm: fixture.optimizer.max_grad_norm,
    shuffle: false,
    loggingSteps: 1,
    showProgress: false,
    ...extra,
  });
  try {
    await trainer.run();
    await checkAgainstFixture(outputDir, model, fixture);
  } finally {
    trainer.dispose();
    model.dispose();
  }
}
