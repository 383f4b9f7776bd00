import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CrossEncoder } from '../lib/cross-encoder/model.js';
import { TrainingError, UsageError } from '../lib/errors.js';
import { listCheckpoints } from '../lib/training/checkpoint-state.js';
import { Trainer } from '../lib/cross-encoder/trainer.js';
import { fixtureModel } from './helpers/paths.js';
import { fixtureExamples } from './helpers/training-fixture.js';

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
    // Issue 11, item 15: a negative clipping norm used to turn clipping off silently.
    expect(() => new Trainer(model, fixtureExamples(), { outputDir: tmp, maxGradNorm: -1 })).to.throw(UsageError, 'maxGradNorm must be ≥ 0, got -1 (0 turns clipping off)');
    model.dispose();
  });
});
