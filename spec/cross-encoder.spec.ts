import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { tf } from '../lib/backend.js';
import { CrossEncoder, type Pair } from '../lib/cross-encoder/model.js';
import { ModelDisposedError, UsageError } from '../lib/errors.js';
import { fixtureModel } from './helpers/paths.js';

interface Case {
  pairs: [string, string][];
  max_length: number | null;
  logits: number[];
  sigmoid?: number[];
}

function expectedCases(name: string): Case[] {
  return (JSON.parse(readFileSync(path.join(fixtureModel(name), 'expected.json'), 'utf-8')) as { cases: Case[] }).cases;
}

function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  expect(a.length).to.equal(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

describe('CrossEncoder', () => {
  it('predict returns scores in input order whatever the batch size (length-sorted batching)', async () => {
    const model = await CrossEncoder.fromPretrained(fixtureModel('tiny-roberta-cross-encoder'));
    const [c] = expectedCases('tiny-roberta-cross-encoder');
    const pairs: Pair[] = [...c.pairs, ...c.pairs.slice().reverse()];
    const want = [...c.logits, ...c.logits.slice().reverse()];
    for (const batchSize of [1, 2, 3, 8]) {
      const got = await model.predict(pairs, { activation: 'identity', batchSize });
      expect(maxAbsDiff(got, want), `batch ${batchSize}`).to.be.below(1e-4);
    }
    model.dispose();
  });

  it('rank sorts documents by score, with topK and returnDocuments', async () => {
    const model = await CrossEncoder.fromPretrained(fixtureModel('tiny-bert-cross-encoder'));
    const docs = ['A man plays the guitar.', 'Someone is eating food.', 'A dog is sleeping on the car.'];
    const scores = await model.predict(docs.map((d) => ['A man is playing a guitar.', d] as const));
    const ranked = await model.rank('A man is playing a guitar.', docs, { topK: 2, returnDocuments: true });
    expect(ranked).to.have.length(2);
    const order = scores.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0]);
    expect(ranked.map((r) => r.corpus_id)).to.deep.equal(order.slice(0, 2).map(([, i]) => i));
    expect(ranked[0].text).to.equal(docs[ranked[0].corpus_id]);
    // rank() reports PyTorch's float32 sigmoid (what sentence-transformers sorts); predict() the float64 one.
    expect(ranked[0].score).to.be.closeTo(order[0][0], 1e-7);
    model.dispose();
  });

  it('numTensors is the same before and after 100 predict calls', async () => {
    const model = await CrossEncoder.fromPretrained(fixtureModel('tiny-bert-cross-encoder'));
    const [c] = expectedCases('tiny-bert-cross-encoder');
    await model.predict(c.pairs);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) await model.predict(c.pairs, { batchSize: 2 });
    expect(tf.memory().numTensors).to.equal(before);
    model.dispose();
  });

  it('dispose frees every model variable', async () => {
    const before = tf.memory().numTensors;
    const model = await CrossEncoder.fromPretrained(fixtureModel('tiny-distilbert-cross-encoder'));
    expect(tf.memory().numTensors).to.be.greaterThan(before);
    model.dispose();
    expect(tf.memory().numTensors).to.equal(before);
  });

  it('numLabels other than the checkpoint gives a fresh n-label head; predictMulti applies softmax', async () => {
    const model = await CrossEncoder.fromPretrained(fixtureModel('tiny-bert-cross-encoder'), { numLabels: 3, activation: 'softmax', seed: 1 });
    expect(model.loadReport.initialised).to.have.members(['classifier.weight', 'classifier.bias']);
    const rows = await model.predictMulti([['a b', 'c d']]);
    expect(rows[0]).to.have.length(3);
    expect(rows[0].reduce((a, b) => a + b, 0)).to.be.closeTo(1, 1e-6);
    let err: unknown;
    try {
      await model.predict([['a', 'b']]);
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/3 labels; use predictMulti/);
    model.dispose();
  });

  describe('after dispose() (issue 11, item 16)', () => {
    const pairs: Pair[] = Array.from({ length: 40 }, (_, i) => [`pair ${i} has a few words`, 'and another sentence here']);

    it('predict, rank and save throw ModelDisposedError, and a second dispose() does nothing', async () => {
      const model = await CrossEncoder.fromPretrained(fixtureModel('tiny-bert-cross-encoder'));
      model.dispose();
      expect(() => model.dispose()).not.to.throw();
      for (const call of [() => model.predict(pairs), () => model.rank('q', ['a', 'b']), () => model.save('/nonexistent/never')]) {
        const err = await call().catch((e: unknown) => e);
        expect(err).to.be.instanceOf(ModelDisposedError);
        expect((err as ModelDisposedError).code).to.equal('DISPOSED');
        expect((err as Error).message).to.match(/this CrossEncoder was disposed/);
      }
    });

    it('dispose() while predict runs makes that predict reject with ModelDisposedError', async () => {
      const model = await CrossEncoder.fromPretrained(fixtureModel('tiny-bert-cross-encoder'));
      const running = model.predict(pairs, { batchSize: 2, threads: 1, showProgress: false });
      await new Promise((r) => setImmediate(r)); // the first batch is on its way
      model.dispose();
      const err = await running.catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ModelDisposedError);
      expect((err as Error).message).to.match(/dispose\(\) was called while it ran/);
    });
  });

  it('rank validates topK: a non-negative integer (0 keeps none, as sentence-transformers), or undefined for all', async () => {
    const model = await CrossEncoder.fromPretrained(fixtureModel('tiny-bert-cross-encoder'));
    const docs = ['a', 'b', 'c'];
    for (const topK of [-1, 1.5, NaN]) {
      const err = await model.rank('q', docs, { topK }).catch((e: unknown) => e);
      expect(err, `topK ${topK}`).to.be.instanceOf(UsageError);
      expect((err as Error).message).to.match(/topK must be a non-negative integer/);
    }
    expect(await model.rank('q', docs, { topK: 0 })).to.deep.equal([]);
    expect(await model.rank('q', docs, { topK: 5 })).to.have.length(3);
    expect(await model.rank('q', docs)).to.have.length(3);
    model.dispose();
  });
});
