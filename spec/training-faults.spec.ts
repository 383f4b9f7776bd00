/**
 * Issue 11, items 1-6 and 10: training runs under faults mix nothing and lose nothing. Real `cross-encoder train`
 * child processes (SIGKILL after a checkpoint), and the job API where a crash must land at an exact step (its
 * onStep hook throws, as a crash would, between an evaluation and the next checkpoint).
 */
import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PairExample } from '../lib/data/types.js';
import { TrainingError } from '../lib/errors.js';
import { SafetensorsFile, writeSafetensors } from '../lib/io/safetensors.js';
import { listCheckpoints } from '../lib/training/checkpoint-state.js';
import { runTrainingJob, type JobOptions } from '../lib/cross-encoder/job.js';
import { readLog } from '../lib/training/training-log.js';
import { fixtureModel, REPO_ROOT, STSB_DIR } from './helpers/paths.js';
import { runCli, spawnScript } from './helpers/run-cli.js';
import { csvRows, expectNoStackDump, killAfterFirstCheckpoint, trainArgs, writeTrainData } from './helpers/train-run.js';
import { fixtureExamples } from './helpers/training-fixture.js';

interface Results {
  metrics: Array<{ split: string; pearson: number; spearman: number }>;
  steps: number;
  trainSeconds: number;
  pairsPerSecond: number;
}
const results = async (out: string) => JSON.parse(await fsp.readFile(path.join(out, 'results.json'), 'utf-8')) as Results;
const logSteps = async (out: string) => (await readLog(path.join(out, 'log.jsonl'))).filter((r) => r.type === 'train').map((r) => r.step);

describe('training under faults: nothing mixed, nothing lost (issue 11)', function () {
  this.timeout(300_000);
  let tmp: string;
  let data: string;
  /** An uninterrupted run, checkpoint every 4 steps: what every interrupted-and-resumed run must equal. */
  let full: string;

  before(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'xenc-faults-'));
    data = await writeTrainData(path.join(tmp, 'pairs.jsonl'));
    full = path.join(tmp, 'uninterrupted');
    const r = await runCli(trainArgs(data, full, ['--save-steps', '4']));
    expect(r.code, r.stderr.slice(-2000)).to.equal(0);
  });
  after(async () => {
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  it('1. --resume refuses every changed option that changes the result, listing each difference', async () => {
    const out = path.join(tmp, 'item1');
    const killedAt = await killAfterFirstCheckpoint(trainArgs(data, out, ['--save-steps', '4']), out);
    const changed = ['--warmup-ratio', '0.5', '--weight-decay', '0.1', '--max-grad-norm', '0.5', '--dropout', '0.2'];
    if (os.availableParallelism() >= 2) changed.push('--threads', '2');
    const r = await runCli([...trainArgs(data, out, ['--save-steps', '4', '--resume']), ...changed]);
    expect(r.code, r.stderr.slice(-2000)).to.equal(2);
    expect(r.stderr).to.match(new RegExp(`cannot resume from .*step-${killedAt}: ${changed.length / 2} options differ`));
    expect(r.stderr).to.match(/warmupRatio \(--warmup-ratio\): now 0\.5, the checkpoint has 0\.1/);
    expect(r.stderr).to.match(/weightDecay \(--weight-decay\): now 0\.1, the checkpoint has 0\.01/);
    expect(r.stderr).to.match(/maxGradNorm \(--max-grad-norm\): now 0\.5, the checkpoint has 1/);
    expect(r.stderr).to.match(/dropout \(--dropout\): now 0\.2, the checkpoint has 0\.1/);
    if (changed.includes('--threads')) expect(r.stderr).to.match(/threads \(--threads\): now 2, the checkpoint has 1/);
    expectNoStackDump(r);
    // Nothing of the refused run was written; resuming with the run's own options completes it, with its values on the card.
    expect(await fsp.stat(path.join(out, 'README.md')).catch(() => undefined)).to.equal(undefined);
    const ok = await runCli(trainArgs(data, out, ['--save-steps', '4', '--resume']));
    expect(ok.code, ok.stderr.slice(-2000)).to.equal(0);
    const card = await fsp.readFile(path.join(out, 'README.md'), 'utf-8');
    expect(card).to.match(/\| warmup_ratio \| 0\.1 \|/).and.to.match(/\| weight_decay \| 0\.01 \|/).and.to.match(/\| max_grad_norm \| 1 \|/);
    expect((await results(out)).metrics).to.deep.equal((await results(full)).metrics);
  });

  it('2. a non-empty --output is refused without --resume or --overwrite; --overwrite leaves only the new run', async () => {
    const out = path.join(tmp, 'item2');
    await fsp.cp(full, out, { recursive: true });
    const again = await runCli(trainArgs(data, out, ['--epochs', '1']));
    expect(again.code).to.equal(2);
    expect(again.stderr).to.match(/the output folder .*item2 is not empty .*pass --resume .* --overwrite/);
    expect(await csvRows(out, 'validation')).to.deep.equal(await csvRows(full, 'validation'));

    const over = await runCli(trainArgs(data, out, ['--epochs', '1', '--overwrite']));
    expect(over.code, over.stderr.slice(-2000)).to.equal(0);
    const rows = await csvRows(out, 'validation');
    expect(rows.map((r) => r.split(',').slice(0, 2).join(','))).to.deep.equal(['-1,-1', '0,3', '0,6']);
    expect(await csvRows(out, 'test')).to.have.length(1);
    expect(await listCheckpoints(out), 'the earlier run\'s checkpoints are gone').to.deep.equal([]);
    expect(await logSteps(out)).to.deep.equal([1, 2, 3, 4, 5, 6]);
  });

  it('3. --resume with no usable checkpoint starts from scratch for real: one baseline, no duplicated log rows', async () => {
    const out = path.join(tmp, 'item3');
    const killedAt = await killAfterFirstCheckpoint(trainArgs(data, out, ['--save-steps', '4']), out);
    await fsp.rm(path.join(out, 'checkpoints', `step-${killedAt}`, 'trainer_state.json'));
    const r = await runCli(trainArgs(data, out, ['--save-steps', '4', '--resume']));
    expect(r.code, r.stderr.slice(-2000)).to.equal(0);
    expect(r.stderr).to.match(/no checkpoint in .*; starting from scratch/);
    expect(r.stderr).to.match(/validation before training/);
    expect(await logSteps(out)).to.deep.equal(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(await csvRows(out, 'validation')).to.deep.equal(await csvRows(full, 'validation'));
    expect((await results(out)).metrics).to.deep.equal((await results(full)).metrics);
  });

  describe('resuming after a crash between an evaluation and the next checkpoint (job API)', () => {
    const examples = (): PairExample[] => Array.from({ length: 4 }, () => fixtureExamples()).flat();
    const job = (output: string, extra: Partial<JobOptions> = {}): JobOptions => ({
      model: fixtureModel('tiny-bert-cross-encoder'),
      output,
      train: { examples: examples(), source: 'pairs' },
      validation: { examples: examples(), source: 'pairs' },
      test: { examples: examples(), source: 'pairs' },
      batchSize: 4,
      epochs: 2,
      lr: 1e-3,
      evalSteps: 3,
      saveSteps: 4,
      loggingSteps: 1,
      seed: 3,
      showProgress: false,
      ...extra,
    });
    /** Crash after step 6: its evaluation (eval-steps 3) is written, the next checkpoint (step 8) is not. */
    const crashAt6 = async (output: string): Promise<void> => {
      const crash = new Error('simulated crash after step 6');
      const err = await runTrainingJob(job(output, { onStep: (s) => { if (s === 6) throw crash; } })).catch((e: unknown) => e);
      expect(err).to.equal(crash);
      expect((await listCheckpoints(output)).map((c) => c.step)).to.deep.equal([4]);
      expect((await csvRows(output, 'validation')).map((r) => r.split(',').slice(0, 2).join(','))).to.deep.equal(['-1,-1', '0,3', '0,6']);
    };
    let reference: string;
    before(async () => {
      reference = path.join(tmp, 'job-reference');
      await runTrainingJob(job(reference));
    });

    it('4. the eval CSVs and log.jsonl are cut back to the checkpoint\'s step, so no row appears twice', async () => {
      const out = path.join(tmp, 'item4');
      await crashAt6(out);
      await runTrainingJob(job(out, { resume: true }));
      expect(await csvRows(out, 'validation')).to.deep.equal(await csvRows(reference, 'validation'));
      expect(await csvRows(out, 'test')).to.deep.equal(await csvRows(reference, 'test'));
      expect(await logSteps(out)).to.deep.equal(await logSteps(reference));
      const evalSteps = (await readLog(path.join(out, 'log.jsonl'))).filter((r) => r.type === 'eval').map((r) => r.step);
      expect(evalSteps).to.deep.equal([3, 6, 9, 12]);
    });

    it('5. NaN in the optimizer moments is refused on resume, naming the file and tensor (not "the last good checkpoint")', async () => {
      const out = path.join(tmp, 'item5');
      await crashAt6(out);
      const file = path.join(out, 'checkpoints', 'step-4', 'optimizer.safetensors');
      const st = await SafetensorsFile.open(file);
      const names = st.names();
      const tensors = names.map((name) => ({ name, shape: st.info(name).shape, data: Float32Array.from(st.getFloat32(name)) }));
      tensors[0].data[0] = NaN;
      await writeSafetensors(file, tensors, st.metadata);
      const err = await runTrainingJob(job(out, { resume: true })).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(TrainingError);
      const msg = (err as Error).message;
      expect(msg).to.include(file).and.to.include(`(tensor "${names[0]}")`);
      expect(msg).to.match(/1 of \d+ values are NaN/).and.to.match(/checkpoint is corrupt/);
      expect(msg).not.to.match(/last good checkpoint|Lower the learning rate/);
    });
  });

  it('6. --resume of a finished run changes nothing: results.json, the card and the test CSV stay as they were', async () => {
    const out = path.join(tmp, 'item6');
    await fsp.cp(full, out, { recursive: true });
    const files = ['results.json', 'README.md', 'final/README.md', 'eval/CrossEncoderCorrelationEvaluator_test_results.csv', 'eval/CrossEncoderCorrelationEvaluator_validation_results.csv', 'log.jsonl'];
    const before = await Promise.all(files.map((f) => fsp.readFile(path.join(out, f), 'utf-8')));
    const r = await runCli(trainArgs(data, out, ['--save-steps', '4', '--resume']));
    expect(r.code, r.stderr.slice(-2000)).to.equal(0);
    expect(r.stderr).to.match(/this run already finished \(12 steps/);
    const afterwards = await Promise.all(files.map((f) => fsp.readFile(path.join(out, f), 'utf-8')));
    files.forEach((f, i) => expect(afterwards[i], f).to.equal(before[i]));
    const res = await results(out);
    expect(res.trainSeconds).to.be.greaterThan(0.01);
    expect(res.pairsPerSecond).to.be.greaterThan(0);
    expect(r.stdout).to.match(/steps: 12,/);
  });

  it('10. a failed model download leaves no output folder behind (train, and train:stsb\'s time-stamped default)', async () => {
    const env = { HF_HUB_OFFLINE: '1', HF_HUB_CACHE: path.join(tmp, 'empty-cache') };
    const out = path.join(tmp, 'item10', 'nested', 'run');
    const r = await runCli(['train', '--model', 'no-such-org/no-such-model', '--train', data, '--output', out, '--no-progress'], { env });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/not in the cache/);
    expect(await fsp.stat(path.join(tmp, 'item10')).catch(() => undefined), 'no folder created').to.equal(undefined);

    const models = path.join(REPO_ROOT, 'models');
    const stsbRuns = async () => (await fsp.readdir(models).catch(() => [] as string[])).filter((n) => n.startsWith('distilroberta-base-stsb-'));
    const before = await stsbRuns();
    const s = await spawnScript('scripts/train-stsb.ts', ['--data-dir', STSB_DIR, '--train-limit', '8', '--eval-limit', '8', '--no-progress'], { env }).done;
    expect(s.code).to.equal(1);
    expect(s.stderr).to.match(/distilroberta-base/);
    expect(await stsbRuns()).to.deep.equal(before);
  });
});
