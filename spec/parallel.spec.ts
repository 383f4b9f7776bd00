import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tf } from '../lib/backend.js';
import { CrossEncoder, type Pair } from '../lib/cross-encoder/model.js';
import { loadStsbFromDir } from '../lib/data/index.js';
import { UsageError } from '../lib/errors.js';
import { CrossEncoderCorrelationEvaluator } from '../lib/cross-encoder/evaluation/correlation-evaluator.js';
import { ReplicaPool } from '../lib/parallel/replica-pool.js';
import { Trainer, type TrainExample } from '../lib/cross-encoder/trainer.js';
import { readLog, type TrainRow } from '../lib/training/training-log.js';
import { fixtureModel, STSB_DIR } from './helpers/paths.js';
import { backendName } from './helpers/parity.js';
import { replayFixture } from './helpers/training-fixture.js';

async function stsb(split: 'train' | 'test', n: number): Promise<TrainExample[]> {
  return (await loadStsbFromDir(STSB_DIR, split)).examples.slice(0, n);
}

function weightsOf(model: CrossEncoder): Map<string, Float32Array> {
  return new Map(model.model.trainableVariables().map(([n, v]) => [n, v.dataSync() as Float32Array]));
}

describe('threads: data-parallel scoring and training over worker threads', function () {
  this.timeout(300_000);
  let tmp: string;
  before(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'xenc-threads-'));
  });
  after(async () => {
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  it('predict with threads: 3 gives exactly the single-thread scores, and re-syncs after the weights change', async () => {
    const model = await CrossEncoder.fromPretrained(fixtureModel('tiny-roberta-cross-encoder'));
    const pairs: Pair[] = (await stsb('test', 61)).map((e) => [e.sentence1, e.sentence2]);
    const one = await model.predict(pairs, { batchSize: 4, threads: 1, showProgress: false });
    const before = tf.memory().numTensors;
    const three = await model.predict(pairs, { batchSize: 4, threads: 3, showProgress: false });
    expect(three).to.deep.equal(one);
    expect(tf.memory().numTensors).to.equal(before);
    // Concurrent calls share the pool (and its workers' request queues) and still get their own exact scores.
    const [x, y] = await Promise.all([model.predict(pairs, { batchSize: 4, threads: 2, showProgress: false }), model.predict(pairs.slice(5), { batchSize: 4, threads: 3, showProgress: false })]);
    expect(x).to.deep.equal(one);
    expect(y).to.deep.equal(await model.predict(pairs.slice(5), { batchSize: 4, threads: 1, showProgress: false }));
    // Change one weight in place: the pool must notice and score with the new weights.
    const [, bias] = model.model.trainableVariables().find(([n]) => n === 'classifier.out_proj.bias')!;
    bias.assign(tf.add(bias, 0.5));
    const oneAfter = await model.predict(pairs, { batchSize: 4, threads: 1, showProgress: false });
    const threeAfter = await model.predict(pairs, { batchSize: 4, threads: 3, showProgress: false });
    expect(oneAfter).to.not.deep.equal(one);
    expect(threeAfter).to.deep.equal(oneAfter);
    // A pool that can no longer work (here: disposed behind the model's back) is replaced, not reused.
    const pool = await model.replicas(3);
    await pool.dispose();
    expect(pool.usable).to.equal(false);
    expect(await model.predict(pairs, { batchSize: 4, threads: 3, showProgress: false })).to.deep.equal(oneAfter);
    model.dispose();
  });

  it("threads 'auto' (predict's default) starts threads for 4+ batches only, then reuses them; scores never change", async () => {
    const model = await CrossEncoder.fromPretrained(fixtureModel('tiny-bert-cross-encoder'));
    const pairs: Pair[] = (await stsb('test', 40)).map((e) => [e.sentence1, e.sentence2]);
    const ref = await model.predict(pairs, { batchSize: 4, threads: 1, showProgress: false });
    const live = () => (model as unknown as { pool: { liveThreads: number } }).pool.liveThreads;
    // (A subset forms other batches, so it is compared with its own single-thread scores.)
    const single = (p: Pair[]) => model.predict(p, { batchSize: 4, threads: 1, showProgress: false });
    expect(await model.predict(pairs.slice(0, 12), { batchSize: 4, showProgress: false })).to.deep.equal(await single(pairs.slice(0, 12))); // 3 batches
    expect(live()).to.equal(0);
    expect(await model.predict(pairs, { batchSize: 4, showProgress: false })).to.deep.equal(ref); // 10 batches
    // 'auto' is one thread per core (at most 4) where replicas help (wasm, cpu); 1, so none started, elsewhere.
    const auto = ['wasm', 'cpu'].includes(backendName()) ? Math.min(os.availableParallelism(), 4) : 1;
    expect(live()).to.equal(auto > 1 ? auto : 0);
    expect(await model.predict(pairs.slice(0, 8), { batchSize: 4, showProgress: false })).to.deep.equal(await single(pairs.slice(0, 8)));
    model.dispose();
    expect(live()).to.equal(0);
  });

  it('a training step split over 2 threads replays training-steps.json', async () => {
    await replayFixture(path.join(tmp, 'fixture'), { threads: 2 });
  });

  it('with dropout on, threads: 2 trains like single-thread micro-batching (same masks; float rounding only) and keeps numTensors flat', async () => {
    const data = await stsb('train', 96);
    const run = async (name: string, threads: number) => {
      const model = await CrossEncoder.fromPretrained(fixtureModel('tiny-bert-cross-encoder'));
      const counts: number[] = [];
      const trainer = new Trainer(model, data, {
        outputDir: path.join(tmp, name),
        batchSize: 16,
        microBatchSize: 8,
        maxSteps: 6,
        lr: 1e-3,
        loggingSteps: 1,
        showProgress: false,
        threads,
        onStep: (step) => {
          if (step >= 2) counts.push(tf.memory().numTensors);
        },
      });
      await trainer.run();
      const rows = (await readLog(path.join(tmp, name, 'log.jsonl'))).filter((r): r is TrainRow => r.type === 'train');
      const weights = weightsOf(model);
      const seed = model.model.dropoutSeed;
      trainer.dispose();
      model.dispose();
      return { rows, weights, counts, seed };
    };
    const single = await run('single', 1);
    const dual = await run('dual', 2);
    expect(dual.seed).to.equal(single.seed);
    expect(dual.rows.map((r) => r.step)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    dual.rows.forEach((r, i) => {
      expect(Math.abs(r.loss - single.rows[i].loss), `step ${r.step} loss`).to.be.below(1e-6);
      expect(Math.abs(r.grad_norm - single.rows[i].grad_norm) / single.rows[i].grad_norm, `step ${r.step} grad norm`).to.be.below(1e-5);
    });
    let worst = 0;
    for (const [name, w] of single.weights) {
      const d = dual.weights.get(name)!;
      for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(w[i] - d[i]));
    }
    expect(worst).to.be.below(1e-6);
    expect(Math.max(...dual.counts)).to.equal(Math.min(...dual.counts));
  });

  it('threads: 2 training interrupted after a checkpoint resumes to the same weights as an uninterrupted run', async () => {
    const data = await stsb('train', 96);
    const opts = (outputDir: string) => ({ outputDir, batchSize: 16, maxSteps: 6, saveSteps: 3, lr: 1e-3, loggingSteps: 1, showProgress: false, threads: 2 });
    const train = async (outputDir: string, extra: { resume?: boolean; crashAt?: number }) => {
      const model = await CrossEncoder.fromPretrained(fixtureModel('tiny-bert-cross-encoder'));
      const trainer = new Trainer(model, data, {
        ...opts(outputDir),
        resume: extra.resume,
        onStep: (step) => {
          if (step === extra.crashAt) throw new Error('simulated crash');
        },
      });
      try {
        await trainer.run();
        return weightsOf(model);
      } finally {
        trainer.dispose();
        model.dispose();
      }
    };
    const whole = await train(path.join(tmp, 'whole'), {});
    const dir = path.join(tmp, 'interrupted');
    let crash: unknown;
    await train(dir, { crashAt: 4 }).catch((e: unknown) => (crash = e));
    expect((crash as Error)?.message).to.equal('simulated crash');
    const resumed = await train(dir, { resume: true });
    let worst = 0;
    for (const [name, w] of whole) {
      const r = resumed.get(name)!;
      for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(w[i] - r[i]));
    }
    expect(worst).to.be.below(1e-6);
  });

  it('evaluation on more threads than training grows the pool mid-run without changing the training', async () => {
    const data = await stsb('train', 64);
    const dev = CrossEncoderCorrelationEvaluator.fromExamples(await stsb('test', 40), 'dev', false);
    const run = async (name: string, evalThreads: number) => {
      const model = await CrossEncoder.fromPretrained(fixtureModel('tiny-bert-cross-encoder'));
      const trainer = new Trainer(model, data, { outputDir: path.join(tmp, name), batchSize: 16, maxSteps: 4, evalSteps: 2, lr: 1e-3, showProgress: false, threads: 2, evalThreads }, dev);
      const result = await trainer.run();
      const weights = weightsOf(model);
      trainer.dispose();
      model.dispose();
      return { result, weights };
    };
    const grown = await run('eval-3', 3);
    const plain = await run('eval-1', 1);
    expect(grown.result.evals.map((e) => e.spearman)).to.deep.equal(plain.result.evals.map((e) => e.spearman));
    for (const [name, w] of plain.weights) expect(grown.weights.get(name), name).to.deep.equal(w);
  });

  it('a failure inside a worker reaches the caller naming the thread; bad thread counts are UsageErrors', async () => {
    const model = await CrossEncoder.fromPretrained(fixtureModel('tiny-bert-cross-encoder'));
    const pool = await ReplicaPool.start(model.model, 2);
    const [, someVar] = model.model.trainableVariables()[0];
    const batch = model.tokenizer.pad([model.tokenizer.encodePair('a', 'b', 16)]);
    const [share] = pool.gradients([['no.such.parameter', someVar]], [[{ batch, labels: [1], weight: 1, seed: 1 }]], { kind: 'bce', activation: 'sigmoid' });
    let err: Error | undefined;
    await share.catch((e: Error) => (err = e));
    expect(err?.message).to.match(/replica thread 1: replica has no parameter no\.such\.parameter/);
    await pool.dispose();
    let afterDispose: unknown;
    await pool.sync().catch((e: unknown) => (afterDispose = e));
    expect(afterDispose).to.be.instanceOf(UsageError);
    for (const threads of [0, 1.5]) {
      let e: unknown;
      await model.predict([['a', 'b']], { threads }).catch((x: unknown) => (e = x));
      expect(e, `threads ${threads}`).to.be.instanceOf(UsageError);
    }
    model.dispose();
  });
});
