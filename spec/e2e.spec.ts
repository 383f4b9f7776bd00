/**
 * End to end on real STSb rows, offline: a randomly initialised small BERT with the bert-base-uncased vocabulary,
 * trained through `npm run train:stsb`'s script on a slice (the full 4-epoch run is a documented command, not CI).
 */
import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CrossEncoder } from '../lib/cross-encoder/model.js';
import { loadStsbFromDir } from '../lib/data/index.js';
import { CrossEncoderCorrelationEvaluator } from '../lib/cross-encoder/evaluation/correlation-evaluator.js';
import { createRandomModel } from '../lib/models/random-init.js';
import { SHARED, STSB_DIR } from './helpers/paths.js';
import { killAtFirstCheckpoint } from './helpers/kill-at-checkpoint.js';
import { spawnScript } from './helpers/run-cli.js';

const TOKENIZER = path.join(SHARED, 'models', 'bert-base-uncased-tokenizer');

interface Results {
  metrics: Array<{ split: string; pearson: number; spearman: number }>;
  steps: number;
}

async function readResults(dir: string): Promise<Results> {
  return JSON.parse(await fsp.readFile(path.join(dir, 'results.json'), 'utf-8')) as Results;
}

describe('end to end: train:stsb on a 200-row STSb slice (random-init 2x128 BERT)', function () {
  this.timeout(600_000);
  let tmp: string;
  let modelDir: string;

  before(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'xenc-e2e-'));
    modelDir = path.join(tmp, 'bert-2x128-random');
    await createRandomModel(modelDir, {
      config: { model_type: 'bert', hidden_size: 128, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 512, max_position_embeddings: 512, type_vocab_size: 2 },
      tokenizerDir: TOKENIZER,
      seed: 0,
    });
  });
  after(async () => {
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  const sliceArgs = (out: string, extra: string[] = []) => [
    '--model', modelDir, '--data-dir', STSB_DIR, '--lr', '3e-4', '--seed', '0', '--epochs', '1',
    '--train-limit', '200', '--eval-limit', '200', '--output', out, '--no-progress', ...extra,
  ];

  it('trains one epoch, writes every artifact, and the saved model reloads with the same test metrics', async () => {
    const out = path.join(tmp, 'run');
    const { done } = spawnScript('scripts/train-stsb.ts', sliceArgs(out));
    const r = await done;
    expect(r.code, r.stderr.slice(-2000)).to.equal(0);
    for (const f of ['final/model.safetensors', 'final/config.json', 'final/tokenizer.json', 'final/README.md', 'README.md', 'log.jsonl', 'training-curve.svg', 'results.json', 'eval/CrossEncoderCorrelationEvaluator_validation_results.csv', 'eval/CrossEncoderCorrelationEvaluator_test_results.csv']) {
      expect(await fsp.stat(path.join(out, f)).then((s) => s.size > 0), f).to.equal(true);
    }
    const csv = (await fsp.readFile(path.join(out, 'eval/CrossEncoderCorrelationEvaluator_validation_results.csv'), 'utf-8')).trim().split(/\r?\n/);
    expect(csv[0]).to.equal('epoch,steps,Pearson_Correlation,Spearman_Correlation');
    expect(csv.length).to.be.greaterThan(2); // before training, during, and at the epoch end
    expect(r.stderr).to.match(/validation before training/);
    const results = await readResults(out);
    expect(results.steps).to.equal(13); // ceil(200 / 16)
    const test = results.metrics.find((m) => m.split === 'test')!;
    expect(test.spearman).to.be.within(-1, 1);
    const card = await fsp.readFile(path.join(out, 'README.md'), 'utf-8');
    expect(card).to.contain(test.spearman.toFixed(4));

    const reloaded = await CrossEncoder.fromPretrained(path.join(out, 'final'));
    const testSet = await loadStsbFromDir(STSB_DIR, 'test', { limit: 200 });
    const again = await CrossEncoderCorrelationEvaluator.fromExamples(testSet.examples, 'test', false).evaluate((p) => reloaded.predict(p, { showProgress: false }));
    expect(again.spearman).to.be.closeTo(test.spearman, 1e-6);
    expect(again.pearson).to.be.closeTo(test.pearson, 1e-6);
    reloaded.dispose();
  });

  it('--threads 2 trains to the same metrics as --micro-batch-size 10 in one thread (worker replicas, same dropout masks)', async () => {
    // Batch 20 divides the 200 rows, so every step splits the same way in both runs (10 + 10).
    const two = path.join(tmp, 'threads-2');
    const micro = path.join(tmp, 'micro-10');
    const a = await spawnScript('scripts/train-stsb.ts', sliceArgs(two, ['--batch-size', '20', '--threads', '2'])).done;
    expect(a.code, a.stderr.slice(-2000)).to.equal(0);
    expect(a.stderr).to.match(/threads: 2 for training/);
    const b = await spawnScript('scripts/train-stsb.ts', sliceArgs(micro, ['--batch-size', '20', '--micro-batch-size', '10', '--eval-threads', '1'])).done;
    expect(b.code, b.stderr.slice(-2000)).to.equal(0);
    expect(b.stderr).to.match(/threads: 1 for training, 1 for scoring/);
    const [ra, rb] = [await readResults(two), await readResults(micro)];
    expect(ra.steps).to.equal(10);
    expect(rb.steps).to.equal(10);
    for (const m of rb.metrics) {
      const other = ra.metrics.find((x) => x.split === m.split)!;
      expect(other.spearman, m.split).to.be.closeTo(m.spearman, 1e-6);
      expect(other.pearson, m.split).to.be.closeTo(m.pearson, 1e-6);
    }
  });

  it('kill -9 after the first checkpoint, then --resume, ends with the same metrics as an uninterrupted run', async () => {
    const common = ['--dropout', '0', '--save-steps', '4', '--eval-steps', '100', '--epochs', '2'];
    const full = path.join(tmp, 'uninterrupted');
    const killed = path.join(tmp, 'killed');
    // The uninterrupted run is independent of the other two: it runs while the killed run dies and resumes.
    const [a, resumed] = await Promise.all([
      spawnScript('scripts/train-stsb.ts', sliceArgs(full, common)).done,
      killAtFirstCheckpoint('scripts/train-stsb.ts', sliceArgs(killed, common), killed).then(() => spawnScript('scripts/train-stsb.ts', sliceArgs(killed, [...common, '--resume'])).done),
    ]);
    expect(a.code, a.stderr.slice(-2000)).to.equal(0);
    expect(resumed.code, resumed.stderr.slice(-2000)).to.equal(0);
    expect(resumed.stderr).to.match(/resumed from .*step-\d+/);
    const ra = await readResults(full);
    const rb = await readResults(killed);
    expect(rb.steps).to.equal(ra.steps);
    for (const m of ra.metrics) {
      const other = rb.metrics.find((x) => x.split === m.split)!;
      expect(other.pearson, `${m.split} pearson`).to.be.closeTo(m.pearson, 1e-9);
      expect(other.spearman, `${m.split} spearman`).to.be.closeTo(m.spearman, 1e-9);
    }
    const wa = await fsp.readFile(path.join(full, 'final', 'model.safetensors'));
    const wb = await fsp.readFile(path.join(killed, 'final', 'model.safetensors'));
    expect(wb.equals(wa), 'final weights are bit-identical').to.equal(true);
  });
});
