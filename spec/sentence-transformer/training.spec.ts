/**
 * Bi-encoder training on the shared loop, with the tiny sentence-transformers fixture and real STSb rows:
 * GradCache gives the whole batch's gradients; numTensors stays flat over 1000 steps; a crashed run resumed from its
 * checkpoint ends exactly where an uninterrupted run does; bad data is refused with a message.
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { tf } from '../../lib/backend.js';
import { loadStsbFromDir } from '../../lib/data/index.js';
import { UsageError } from '../../lib/errors.js';
import { EmbeddingSimilarityEvaluator } from '../../lib/sentence-transformer/evaluation/index.js';
import { pairRows } from '../../lib/sentence-transformer/job.js';
import { CachedMultipleNegativesRankingLoss, CoSENTLoss, CosineSimilarityLoss, MultipleNegativesRankingLoss } from '../../lib/sentence-transformer/losses/index.js';
import { SentenceTransformer } from '../../lib/sentence-transformer/model.js';
import { SentenceTransformerTask, trainingEvaluator, type BiEncoderExample } from '../../lib/sentence-transformer/training-task.js';
import { Trainer } from '../../lib/cross-encoder/trainer.js';
import { worstGradientDifference } from '../helpers/gradients.js';
import { fixtureModel, STSB_DIR } from '../helpers/paths.js';

const TINY = fixtureModel('tiny-st-bert');

async function tmp(): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), 'st-train-'));
}

describe('SentenceTransformer training (shared loop)', function () {
  this.timeout(600_000);
  let rows: BiEncoderExample[];
  let dev: EmbeddingSimilarityEvaluator;
  before(async () => {
    rows = pairRows((await loadStsbFromDir(STSB_DIR, 'train', { limit: 24 })).examples);
    dev = EmbeddingSimilarityEvaluator.fromExamples((await loadStsbFromDir(STSB_DIR, 'validation', { limit: 30 })).examples, 'sts-dev');
  });

  it('CachedMultipleNegativesRankingLoss (GradCache, mini-batches of 3) gives the gradients of MultipleNegativesRankingLoss on the whole batch', async () => {
    const model = await SentenceTransformer.fromPretrained(TINY, { dropout: 0 });
    try {
      const params = model.model.trainableVariables();
      const step = { step: 0, indices: [0, 1, 2, 3, 4, 5, 6, 7], microSize: 8, seedStart: 1, seedsPerForward: 0, params, threads: 1 };
      const whole = await new SentenceTransformerTask(model, rows, new MultipleNegativesRankingLoss()).stepGradients(step);
      const cached = await new SentenceTransformerTask(model, rows, new CachedMultipleNegativesRankingLoss(20, 3)).stepGradients(step);
      expect(Math.abs(cached.loss - whole.loss) / whole.loss).to.be.at.most(1e-5);
      expect(await worstGradientDifference(whole, cached), 'worst relative gradient difference').to.be.at.most(1e-5);
      tf.dispose([...whole.grads.values(), ...cached.grads.values()]);
    } finally {
      model.dispose();
    }
  });

  it('numTensors stays flat over a 300-step run (CosineSimilarityLoss, dropout on; 1000 steps measured the same)', async () => {
    const model = await SentenceTransformer.fromPretrained(TINY);
    const out = await tmp();
    const seen: number[] = [];
    try {
      const task = new SentenceTransformerTask(model, rows, new CosineSimilarityLoss());
      const trainer = new Trainer(task, null, { outputDir: out, maxSteps: 300, batchSize: 4, lr: 1e-4, loggingSteps: 500, showProgress: false, onStep: () => void seen.push(tf.memory().numTensors) });
      const r = await trainer.run();
      trainer.dispose();
      expect(r.globalStep).to.equal(300);
      // AdamW creates its moments on step 1; from then on every step frees what it makes.
      expect(seen[299], `numTensors at step 300 vs step 2`).to.equal(seen[1]);
    } finally {
      model.dispose();
      await fsp.rm(out, { recursive: true, force: true });
    }
  });

  it('a run that crashed after its checkpoint, resumed, ends with the same metrics and weights as one that did not', async () => {
    const run = async (out: string, crashAt?: number, resume = false) => {
      const model = await SentenceTransformer.fromPretrained(TINY);
      try {
        const task = new SentenceTransformerTask(model, rows, new CoSENTLoss());
        const trainer = new Trainer(task, null, {
          outputDir: out, epochs: 2, batchSize: 5, lr: 1e-3, evalSteps: 3, saveSteps: 4, showProgress: false, resume,
          onStep: (s) => {
            if (s === crashAt) throw new Error('simulated crash');
          },
        }, trainingEvaluator(dev, model));
        try {
          const r = await trainer.run();
          return { evals: r.evals, emb: await model.encode(['A man is eating food.', 'A plane is taking off.'], { showProgress: false }) };
        } finally {
          trainer.dispose();
        }
      } finally {
        model.dispose();
      }
    };
    const a = await tmp();
    const b = await tmp();
    try {
      const straight = await run(a);
      let crashed = false;
      await run(b, 6).catch((e: Error) => (crashed = /simulated crash/.test(e.message)));
      expect(crashed).to.equal(true);
      const resumed = await run(b, undefined, true);
      expect(resumed.evals).to.deep.equal(straight.evals);
      expect(resumed.emb.map((r) => Array.from(r))).to.deep.equal(straight.emb.map((r) => Array.from(r)));
      const csv = await fsp.readFile(dev.csvPath(b), 'utf-8');
      expect(csv.split('\r\n').filter(Boolean).length, 'one CSV row per evaluation, none repeated').to.equal(1 + straight.evals.length);
    } finally {
      await fsp.rm(a, { recursive: true, force: true });
      await fsp.rm(b, { recursive: true, force: true });
    }
  });

  it('refuses bad data with messages that say what is wrong', async () => {
    const model = await SentenceTransformer.fromPretrained(TINY);
    try {
      expect(() => new Trainer(new SentenceTransformerTask(model, [], new CosineSimilarityLoss()), null, { outputDir: 'x' })).to.throw(UsageError, /training set is empty/);
      expect(() => new SentenceTransformerTask(model, [{ texts: ['only one column'], label: 0.5 }], new CosineSimilarityLoss())).to.throw(UsageError, /takes 2 text columns; the data has 1/);
      expect(() => new SentenceTransformerTask(model, [{ texts: ['a', 'b'] }], new CoSENTLoss())).to.throw(UsageError, /needs a finite label/);
      expect(() => new SentenceTransformerTask(model, [{ texts: ['a', 'b'], label: 1 }, { texts: ['a'], label: 1 }], new CoSENTLoss())).to.throw(UsageError, /example 2 has 1 text columns/);
      expect(() => EmbeddingSimilarityEvaluator.fromExamples([], 'empty')).to.throw(UsageError, /at least 2 pairs/);
      expect(await model.encode([], { showProgress: false })).to.deep.equal([]);
    } finally {
      model.dispose();
    }
  });
});
