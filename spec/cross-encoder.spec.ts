import { expect } from 'chai';
import { promises as fsp, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tf } from '../lib/backend.js';
import { CrossEncoder, type Pair } from '../lib/cross-encoder.js';
import { SafetensorsFile } from '../lib/io/safetensors.js';
import { CROSS_ENCODER_FIXTURES, fixtureModel } from './helpers/paths.js';

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
  for (const name of CROSS_ENCODER_FIXTURES) {
    it(`${name}: predict (tokenizer + model) reproduces the reference logits and sigmoid scores within 1e-4`, async () => {
      for (const c of expectedCases(name)) {
        const model = await CrossEncoder.fromPretrained(fixtureModel(name), c.max_length ? { maxLength: c.max_length } : {});
        const logits = await model.predict(c.pairs, { activation: 'identity', batchSize: 3 });
        expect(maxAbsDiff(logits, c.logits), `max_length ${c.max_length}`).to.be.below(1e-4);
        const scores = await model.predict(c.pairs); // config says Sigmoid
        const wantSigmoid = c.sigmoid ?? c.logits.map((x) => 1 / (1 + Math.exp(-x)));
        expect(maxAbsDiff(scores, wantSigmoid)).to.be.below(1e-4);
        model.dispose();
      }
    });
  }

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
    expect(ranked[0].score).to.be.closeTo(order[0][0], 1e-12);
    model.dispose();
  });

  it('save then fromPretrained gives identical logits; safetensors hold HF names and [out, in] Linear shapes', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'xenc-save-'));
    for (const name of ['tiny-bert-cross-encoder', 'tiny-roberta-cross-encoder', 'tiny-distilbert-cross-encoder', 'tiny-roberta-base'] as const) {
      const out = path.join(dir, name);
      const a = await CrossEncoder.fromPretrained(fixtureModel(name), { seed: 3 });
      const [c] = name === 'tiny-roberta-base' ? expectedCases('tiny-roberta-cross-encoder') : expectedCases(name);
      const before = await a.predict(c.pairs, { activation: 'identity' });
      await a.save(out);
      const b = await CrossEncoder.fromPretrained(out);
      const after = await b.predict(c.pairs, { activation: 'identity' });
      expect(after).to.deep.equal(before);
      expect(b.loadReport.initialised, `${name} reloads without fresh weights`).to.deep.equal([]);

      const st = await SafetensorsFile.open(path.join(out, 'model.safetensors'));
      expect(st.metadata.format).to.equal('pt');
      const cfg = JSON.parse(await fsp.readFile(path.join(out, 'config.json'), 'utf-8')) as Record<string, unknown>;
      expect(cfg.architectures).to.have.length(1);
      expect(String((cfg.architectures as string[])[0])).to.match(/ForSequenceClassification$/);
      expect(cfg.id2label).to.deep.equal({ 0: 'LABEL_0' });
      expect((cfg.sentence_transformers as { activation_fn: string }).activation_fn).to.equal('torch.nn.modules.activation.Sigmoid');
      // sentence-transformers parses this with packaging.version: it must be a plain release number.
      expect((cfg.sentence_transformers as { version: string }).version).to.match(/^\d+\.\d+\.\d+$/);
      const H = a.config.hiddenSize;
      const I = a.config.intermediateSize;
      if (name.startsWith('tiny-bert')) {
        expect(st.info('bert.encoder.layer.0.intermediate.dense.weight').shape).to.deep.equal([I, H]);
        expect(st.info('bert.pooler.dense.weight').shape).to.deep.equal([H, H]);
        expect(st.info('classifier.weight').shape).to.deep.equal([1, H]);
      } else if (name.startsWith('tiny-roberta')) {
        expect(st.info('roberta.encoder.layer.1.output.dense.weight').shape).to.deep.equal([H, I]);
        expect(st.info('classifier.out_proj.weight').shape).to.deep.equal([1, H]);
        expect(st.names().some((n) => n.startsWith('lm_head'))).to.equal(false);
      } else {
        expect(st.info('distilbert.transformer.layer.0.ffn.lin1.weight').shape).to.deep.equal([I, H]);
        expect(st.info('pre_classifier.weight').shape).to.deep.equal([H, H]);
      }
      for (const f of ['tokenizer.json', 'tokenizer_config.json', 'config.json', 'model.safetensors']) {
        expect(await fsp.stat(path.join(out, f)).then(() => true), f).to.equal(true);
      }
      a.dispose();
      b.dispose();
    }
    await fsp.rm(dir, { recursive: true, force: true });
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
});
