/**
 * Bi-encoder replica threads (worker_threads, Node): encode() with threads gives exactly the one-thread embeddings;
 * a training step over threads (GradCache with the columns, or CachedMNRL's mini-batches, shared out) gives the
 * one-thread loss and gradients up to float rounding with dropout on, since each chunk keeps its seeds; a threaded
 * run keeps numTensors flat and trains like a one-thread run.
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { tf } from '../../lib/backend.js';
import { loadStsbFromDir } from '../../lib/data/index.js';
import { pairRows } from '../../lib/sentence-transformer/job.js';
import { CachedMultipleNegativesRankingLoss, CosineSimilarityLoss, MultipleNegativesRankingLoss, type EmbeddingLoss } from '../../lib/sentence-transformer/losses/index.js';
import { SentenceTransformer } from '../../lib/sentence-transformer/model.js';
import { SentenceTransformerTask, type BiEncoderExample } from '../../lib/sentence-transformer/training-task.js';
import { Trainer } from '../../lib/cross-encoder/trainer.js';
import { worstGradientDifference } from '../helpers/gradients.js';
import { fixtureModel, STSB_DIR } from '../helpers/paths.js';

const TINY = fixtureModel('tiny-st-bert');

describe('SentenceTransformer on replica threads', function () {
  this.timeout(300_000);
  let rows: BiEncoderExample[];
  let triplets: BiEncoderExample[];
  before(async () => {
    rows = pairRows((await loadStsbFromDir(STSB_DIR, 'train', { limit: 40 })).examples);
    // (anchor, positive, negative): three columns, so two threads get two chunks and one.
    triplets = rows.slice(0, 20).map((r, i) => ({ texts: [...r.texts, rows[39 - i].texts[1]] }));
  });

  it('encode with threads 3 gives exactly the embeddings of threads 1, in input order', async () => {
    const model = await SentenceTransformer.fromPretrained(TINY);
    try {
      const texts = rows.flatMap((r) => r.texts);
      const one = await model.encode(texts, { batchSize: 8, threads: 1, showProgress: false });
      const three = await model.encode(texts, { batchSize: 8, threads: 3, showProgress: false, normalize: true });
      const threeRaw = await model.encode(texts, { batchSize: 8, threads: 3, showProgress: false });
      expect(threeRaw.map((r) => Array.from(r))).to.deep.equal(one.map((r) => Array.from(r)));
      const oneNormalized = await model.encode(texts, { batchSize: 8, threads: 1, showProgress: false, normalize: true });
      expect(three.map((r) => Array.from(r))).to.deep.equal(oneNormalized.map((r) => Array.from(r)));
    } finally {
      model.dispose();
    }
  });

  const cases: Array<[string, () => EmbeddingLoss, () => BiEncoderExample[], number]> = [
    ['CosineSimilarityLoss, 2 columns on 2 threads', () => new CosineSimilarityLoss(), () => rows, 2],
    ['MultipleNegativesRankingLoss, 3 columns on 2 threads', () => new MultipleNegativesRankingLoss(), () => triplets, 2],
    ['CachedMultipleNegativesRankingLoss (mini-batches of 3), on 3 threads', () => new CachedMultipleNegativesRankingLoss(20, 3), () => rows, 3],
  ];
  for (const [name, loss, data, threads] of cases) {
    it(`a step of ${name}, dropout on, equals one thread's up to float rounding`, async () => {
      const model = await SentenceTransformer.fromPretrained(TINY);
      try {
        const params = model.model.trainableVariables();
        const step = (t: number) => ({ step: 0, indices: [0, 1, 2, 3, 4, 5, 6, 7], microSize: 8, seedStart: 7, seedsPerForward: model.model.seedsPerForward(), params, threads: t });
        const task = new SentenceTransformerTask(model, data(), loss());
        const one = await task.stepGradients(step(1));
        const many = await task.stepGradients(step(threads));
        expect(many.forwards).to.equal(one.forwards);
        expect(Math.abs(many.loss - one.loss) / Math.abs(one.loss), `loss ${many.loss} vs ${one.loss}`).to.be.at.most(1e-6);
        expect(await worstGradientDifference(one, many), 'worst relative gradient difference').to.be.at.most(1e-5);
        tf.dispose([...one.grads.values(), ...many.grads.values()]);
      } finally {
        model.dispose();
      }
    });
  }

  it('a 40-step CosineSimilarityLoss run on 2 threads keeps numTensors flat and ends where a one-thread run does', async () => {
    const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'st-threads-'));
    const train = async (threads: number) => {
      const model = await SentenceTransformer.fromPretrained(TINY);
      const seen: number[] = [];
      const trainer = new Trainer(new SentenceTransformerTask(model, rows, new CosineSimilarityLoss()), null, {
        outputDir: path.join(tmp, `t${threads}`), maxSteps: 40, batchSize: 4, lr: 1e-4, threads, loggingSteps: 100, showProgress: false,
        onStep: () => void seen.push(tf.memory().numTensors),
      });
      try {
        await trainer.run();
        return { seen, emb: await model.encode(['A man is eating food.', 'A plane is taking off.'], { threads: 1, showProgress: false }) };
      } finally {
        trainer.dispose();
        model.dispose();
      }
    };
    try {
      const one = await train(1);
      const two = await train(2);
      expect(two.seen[39], 'numTensors at step 40 vs step 2').to.equal(two.seen[1]);
      let worst = 0;
      two.emb.forEach((r, i) => r.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - one.emb[i][k])))));
      expect(worst, 'largest embedding difference after 40 steps').to.be.at.most(1e-4);
    } finally {
      await fsp.rm(tmp, { recursive: true, force: true });
    }
  });
});
