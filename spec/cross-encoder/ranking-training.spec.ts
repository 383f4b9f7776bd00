/**
 * Cross-encoder training with the ranking losses (RankingTask on the shared TrainingLoop), against
 * sentence-transformers 6.2: spec/fixtures/ranking-training-steps.json holds three optimizer steps per loss, run by
 * sentence-transformers' own loss classes and data collator on tiny-bert-cross-encoder with dropout 0
 * (bench/ranking_train_fixtures.py). Each replay must give the same loss per step, the same gradient norm before
 * clipping and the same weights after step 3. Then: numTensors flat over 20 steps with dropout on, a resume refuses a
 * changed loss option or changed data, and bad rows or options are refused with the row or option named.
 */
import { expect } from 'chai';
import { promises as fsp, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tf } from '../../lib/tf.js';
import { UsageError } from '../../lib/errors.js';
import { CrossEncoder } from '../../lib/cross-encoder/model.js';
import { Trainer, type TrainerOptions, type TrainResult } from '../../lib/cross-encoder/trainer.js';
import type { RankingLossSpec } from '../../lib/cross-encoder/losses/ranking-loss-spec.js';
import { rankingBatch } from '../../lib/cross-encoder/ranking-batches.js';
import type { InBatchNegativesExample, RankingExample } from '../../lib/cross-encoder/ranking-examples.js';
import { RankingTask } from '../../lib/cross-encoder/ranking-training-task.js';
import { readLog, type TrainRow } from '../../lib/training/training-log.js';
import { expectWithin, valuesOf } from '../helpers/parity.js';
import { fixtureModel, REPO_ROOT } from '../helpers/paths.js';

interface Case {
  name: string;
  loss: RankingLossSpec;
  batch_size: number;
  rows: RankingExample[];
  steps: Array<{ loss: number; grad_norm_before_clip: number }>;
  noise_only: string[];
  after: { full: Record<string, string>; digest: Record<string, { shape: number[]; max_abs: number; l2: number }> };
}

interface Fixture {
  start_model: string;
  optimizer: { lr: number; eps: number; weight_decay: number; max_grad_norm: number };
  cases: Case[];
}

const FIXTURE = JSON.parse(readFileSync(path.join(REPO_ROOT, 'spec', 'fixtures', 'ranking-training-steps.json'), 'utf-8')) as Fixture;

/**
 * The tensors whose gradient is zero in exact arithmetic, so that Adam turns their rounding noise into steps of either
 * sign (in torch too): every attention key bias (softmax ignores a shift shared by all keys) and, where a shift of all
 * logits leaves the loss unchanged (ListNet, LambdaLoss, RankNet, MarginMSE on raw logits), the classifier bias.
 * The fixture lists the ones it found; they must be exactly these, so the list cannot hide a real difference.
 */
function noiseOnly(loss: RankingLossSpec, names: readonly string[]): string[] {
  const shiftInvariant = ['ListNetLoss', 'LambdaLoss', 'RankNetLoss', 'MarginMSELoss'].includes(loss.kind) && (loss.activation ?? 'identity') === 'identity';
  return names.filter((n) => n.endsWith('attention.self.key.bias') || (shiftInvariant && n === 'classifier.bias')).sort();
}

/** A base64 float32 tensor of the fixture. */
function floats(b64: string): Float32Array {
  return new Float32Array(Uint8Array.from(Buffer.from(b64, 'base64')).buffer);
}

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

function options(outputDir: string, extra: Partial<TrainerOptions> = {}): TrainerOptions {
  const o = FIXTURE.optimizer;
  return {
    outputDir,
    batchSize: 3,
    maxSteps: 3,
    lr: o.lr,
    adamEps: o.eps,
    weightDecay: o.weight_decay,
    maxGradNorm: o.max_grad_norm,
    scheduler: 'constant',
    shuffle: false,
    loggingSteps: 1,
    showProgress: false,
    ...extra,
  };
}

/** Our weights in the fixture's (torch's row-major [out, in]) layout. */
async function weights(model: CrossEncoder): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const [name, p] of model.model.params()) {
    out.set(name, await valuesOf(tf.tidy(() => (p.layout === 'transposed' ? tf.transpose(p.variable.read()) : p.variable.read().clone()))));
  }
  return out;
}

describe('cross-encoder ranking losses: training against sentence-transformers 6.2', function () {
  this.timeout(120_000);
  let tmp: string;
  before(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'xenc-ranking-train-'));
  });
  after(async () => {
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  for (const c of FIXTURE.cases) {
    it(`${c.name}: 3 AdamW steps give sentence-transformers' loss per step (1e-5 rel), grad norm (1e-4 rel) and weights (1e-5)`, async () => {
      expect(c.batch_size).to.equal(3);
      const model = await CrossEncoder.fromPretrained(fixtureModel(FIXTURE.start_model), { dropout: 0 });
      const out = path.join(tmp, c.name);
      const trainer = Trainer.forRanking(model, c.rows, c.loss, options(out));
      try {
        await trainer.run();
        const rows = (await readLog(path.join(out, 'log.jsonl'))).filter((r): r is TrainRow => r.type === 'train');
        expect(rows.map((r) => r.step)).to.deep.equal([1, 2, 3]);
        c.steps.forEach((s, i) => {
          expectWithin('ranking replay: loss per step (relative)', rel(rows[i].loss, s.loss), 1e-5, `${c.name} step ${i + 1}: ${rows[i].loss} vs ${s.loss}`);
          expectWithin('ranking replay: grad norm before clipping (relative)', rel(rows[i].grad_norm, s.grad_norm_before_clip), 1e-4, `${c.name} step ${i + 1}`);
        });
        const ours = await weights(model);
        expect([...ours.keys()].sort()).to.deep.equal(Object.keys(c.after.digest).sort());
        expect(c.noise_only).to.deep.equal(noiseOnly(c.loss, [...ours.keys()]));
        for (const [name, b64] of Object.entries(c.after.full)) {
          const want = floats(b64);
          const got = ours.get(name)!;
          expect(got.length, name).to.equal(want.length);
          let d = 0;
          for (let i = 0; i < got.length; i++) d = Math.max(d, Math.abs(got[i] - want[i]));
          expectWithin('ranking replay: weights of the head and layer 1 after 3 steps (max abs)', d, 1e-5, `${c.name} ${name}`);
        }
        for (const [name, dg] of Object.entries(c.after.digest)) {
          if (c.noise_only.includes(name)) continue;
          const got = ours.get(name)!;
          const maxAbs = got.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
          const l2 = Math.sqrt(got.reduce((s, x) => s + x * x, 0));
          expectWithin('ranking replay: max |w| of every tensor after 3 steps', Math.abs(maxAbs - dg.max_abs), 1e-5, `${c.name} ${name}`);
          expectWithin('ranking replay: L2 norm of every tensor after 3 steps (relative)', rel(l2, dg.l2), 1e-5, `${c.name} ${name}`);
        }
      } finally {
        trainer.dispose();
        model.dispose();
      }
    });
  }

  // LambdaLoss runs its passes under one tape (as ListNet, RankNet, MNRL and MarginMSE do), CMNRL runs GradCache.
  it('numTensors stays flat over 20 steps with dropout on (LambdaLoss in passes of 4, CMNRL GradCache in passes of 5)', async () => {
    const model = await CrossEncoder.fromPretrained(fixtureModel(FIXTURE.start_model), { dropout: 0.1 });
    try {
      for (const name of ['LambdaLoss', 'CachedMultipleNegativesRankingLoss']) {
        const c = FIXTURE.cases.find((x) => x.name === name)!;
        const counts: number[] = [];
        const trainer = Trainer.forRanking(model, c.rows, c.loss, options(path.join(tmp, `flat-${name}`), { maxSteps: 20, batchSize: 2, shuffle: true, loggingSteps: 100, onStep: () => void counts.push(tf.memory().numTensors) }));
        try {
          await trainer.run();
        } finally {
          trainer.dispose();
        }
        // From step 2: AdamW creates its moments on step 1.
        expectWithin('ranking training: numTensors drift over 20 steps', Math.max(...counts.slice(1)) - Math.min(...counts.slice(1)), 0, name);
      }
    } finally {
      model.dispose();
    }
  });

  it('a resume refuses a changed loss option and changed data, and continues the same run', async () => {
    const c = FIXTURE.cases.find((x) => x.name === 'LambdaLoss')!;
    const out = path.join(tmp, 'resume');
    const model = await CrossEncoder.fromPretrained(fixtureModel(FIXTURE.start_model), { dropout: 0 });
    const crash = new Error('crash after the step-1 checkpoint');
    const run = async (loss: RankingLossSpec, rows: RankingExample[], extra: Partial<TrainerOptions>): Promise<TrainResult | Error> => {
      const trainer = Trainer.forRanking(model, rows, loss, options(out, { maxSteps: 2, saveSteps: 1, ...extra }));
      try {
        return await trainer.run();
      } catch (e) {
        return e as Error;
      } finally {
        trainer.dispose();
      }
    };
    try {
      expect(await run(c.loss, c.rows, { onStep: (step) => { if (step === 1) throw crash; } })).to.equal(crash);
      const changedLoss = await run({ ...c.loss, miniBatchSize: 2 } as RankingLossSpec, c.rows, { resume: true });
      expect(changedLoss).to.be.instanceOf(UsageError);
      expect((changedLoss as Error).message).to.match(/an option differs[^]*loss \(--loss\): now "LambdaLoss\(.*mini_batch_size=2\)", the checkpoint has "LambdaLoss\(.*mini_batch_size=4\)"/);
      const otherKind = await run({ kind: 'RankNetLoss', miniBatchSize: 4 }, c.rows, { resume: true });
      expect((otherKind as Error).message).to.match(/loss \(--loss\): now "RankNetLoss\(k=None.*the checkpoint has "LambdaLoss\(weighting_scheme=NDCGLoss2PPScheme\(mu=10\)/);
      const rows = c.rows.map((r, i) => (i === 4 ? { ...r, labels: [0] } : r));
      const changedData = await run(c.loss, rows, { resume: true });
      expect(changedData).to.be.instanceOf(UsageError);
      expect((changedData as Error).message).to.match(/an option differs[^]*the training data \(sha256/);
      const resumed = await run(c.loss, c.rows, { resume: true });
      expect(resumed).to.not.be.instanceOf(Error);
      expect(resumed).to.include({ resumedFrom: 1, globalStep: 2 });
    } finally {
      model.dispose();
    }
  });

  it('in-batch negatives, when sampled, depend on the seed and the step only', () => {
    const rows: InBatchNegativesExample[] = ['a', 'b', 'c', 'd', 'e'].map((q) => ({ anchor: q, positive: `${q}+`, negatives: [`${q}-`] }));
    const spec: RankingLossSpec = { kind: 'MultipleNegativesRankingLoss', numNegatives: 2 };
    const pairs = (seed: number) => rankingBatch(spec, rows, seed).chunks;
    expect(pairs(7)).to.deep.equal(pairs(7));
    expect(pairs(7)).to.not.deep.equal(pairs(8));
    const [positives, slot1, slot2, hard] = pairs(7);
    expect(positives.map(([, d]) => d)).to.deep.equal(['a+', 'b+', 'c+', 'd+', 'e+']);
    expect(hard.map(([, d]) => d)).to.deep.equal(['a-', 'b-', 'c-', 'd-', 'e-']);
    // Each query's sampled negatives come from the other rows, and differ from each other.
    slot1.forEach(([q, d], i) => {
      expect(d[0]).to.not.equal(q);
      expect(d).to.not.equal(slot2[i][1]);
    });
  });

  it('refuses rows and options the loss cannot use, naming the row or option', async () => {
    const model = await CrossEncoder.fromPretrained(fixtureModel(FIXTURE.start_model));
    const task = (loss: RankingLossSpec, rows: unknown[]) => () => new RankingTask(model, rows as RankingExample[], loss);
    try {
      expect(task({ kind: 'ListNetLoss' }, [{ query: 'q', documents: ['a', 'b'], labels: [1] }])).to.throw(UsageError, /training row 1: labels has 1 values; it needs one per document \(2\)/);
      expect(task({ kind: 'LambdaLoss' }, [{ query: 'q', documents: [], labels: [] }])).to.throw(UsageError, /training row 1: documents is empty/);
      expect(task({ kind: 'MultipleNegativesRankingLoss' }, [{ anchor: 'q', positive: 'p', negatives: ['n'] }, { anchor: 'r', positive: 'p', negatives: [] }])).to.throw(
        UsageError,
        /training row 2 has 0 negatives, row 1 has 1/,
      );
      expect(task({ kind: 'MarginMSELoss' }, [{ query: 'q', positive: 'p', negatives: ['n'], label: [1, 2, 3] }])).to.throw(UsageError, /teacher's 1 margins or its 2 scores/);
      expect(task({ kind: 'MarginMSELoss' }, [{ query: 'q', positive: 7, negatives: ['n'], label: [1] }])).to.throw(UsageError, /training row 1: positive is number/);
      expect(task({ kind: 'LambdaLoss', k: 0 }, [])).to.throw(UsageError, /LambdaLoss: k must be a positive integer/);
      expect(task({ kind: 'ListNetLoss', miniBatchSize: 0 }, [])).to.throw(UsageError, /miniBatchSize 0 is ambiguous/);
      expect(task({ kind: 'CachedMultipleNegativesRankingLoss', miniBatchSize: 0 }, [])).to.throw(UsageError, /miniBatchSize must be an integer ≥ 1/);
      expect(task({ kind: 'ListMLELoss' } as unknown as RankingLossSpec, [])).to.throw(UsageError, /unknown ranking loss "ListMLELoss"/);
      const rows = [{ query: 'q', documents: ['a'], labels: [1] }];
      expect(() => Trainer.forRanking(model, rows, { kind: 'ListNetLoss' }, options(path.join(tmp, 'x'), { microBatchSize: 2 }))).to.throw(UsageError, /microBatchSize/);
      expect(() => Trainer.forRanking(model, rows, { kind: 'ListNetLoss' }, options(path.join(tmp, 'x'), { threads: 2 }))).to.throw(UsageError, /one thread/);
    } finally {
      model.dispose();
    }
  });
});
