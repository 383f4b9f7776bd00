import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { tf } from '../lib/backend.js';
import { Checkpoint } from '../lib/io/checkpoint.js';
import { readConfig, type EncoderConfig } from '../lib/models/config.js';
import { loadWeights } from '../lib/models/load-weights.js';
import { disposeInputs, encoderInputs, SequenceClassifier } from '../lib/models/sequence-classifier.js';
import type { BatchEncoding } from '../lib/tokenizer/index.js';
import { CROSS_ENCODER_FIXTURES, fixtureModel } from './helpers/paths.js';

interface Case {
  max_length: number | null;
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][] | null;
  logits: number[];
  last_hidden_state?: number[];
}

function batchOf(c: Pick<Case, 'input_ids' | 'attention_mask' | 'token_type_ids'>): BatchEncoding {
  const B = c.input_ids.length;
  const T = c.input_ids[0].length;
  return {
    batchSize: B,
    seqLen: T,
    inputIds: Int32Array.from(c.input_ids.flat()),
    attentionMask: Int32Array.from(c.attention_mask.flat()),
    tokenTypeIds: c.token_type_ids ? Int32Array.from(c.token_type_ids.flat()) : new Int32Array(B * T),
    lengths: c.attention_mask.map((r) => r.reduce((a, b) => a + b, 0)),
  };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).to.equal(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function load(name: string): Promise<{ model: SequenceClassifier; cfg: EncoderConfig; initialised: string[] }> {
  const dir = fixtureModel(name);
  const cfg = await readConfig(dir);
  const model = new SequenceClassifier(cfg);
  const { initialised } = loadWeights(model, await Checkpoint.fromDir(dir), { seed: 0 });
  return { model, cfg, initialised };
}

function run(model: SequenceClassifier, cfg: EncoderConfig, batch: BatchEncoding): { logits: Float32Array; hidden: Float32Array } {
  const inputs = encoderInputs(batch, cfg);
  try {
    const [l, h] = tf.tidy(() => {
      const ctx = model.context(false);
      const hidden = model.hidden(inputs, ctx);
      return [model.head.forward(hidden, ctx), hidden];
    });
    const out = { logits: l.dataSync() as Float32Array, hidden: h.dataSync() as Float32Array };
    tf.dispose([l, h]);
    return out;
  } finally {
    disposeInputs(inputs);
  }
}

describe('model parity with the PyTorch reference (fixture input ids)', () => {
  for (const name of CROSS_ENCODER_FIXTURES) {
    it(`${name}: logits and last hidden state within 1e-4 for every case`, async () => {
      const { model, cfg } = await load(name);
      const expected = JSON.parse(readFileSync(path.join(fixtureModel(name), 'expected.json'), 'utf-8')) as { cases: Case[] };
      expect(expected.cases.length).to.be.greaterThanOrEqual(1);
      for (const c of expected.cases) {
        const { logits, hidden } = run(model, cfg, batchOf(c));
        expect(maxAbsDiff(logits, c.logits), `logits, max_length ${c.max_length}`).to.be.below(1e-4);
        if (c.last_hidden_state) expect(maxAbsDiff(hidden, c.last_hidden_state), `hidden, max_length ${c.max_length}`).to.be.below(1e-4);
      }
      model.disposeAll();
    });
  }

  for (const [name, head] of [
    ['tiny-bert-base', ['classifier.weight', 'classifier.bias']],
    ['tiny-roberta-base', ['classifier.dense.weight', 'classifier.dense.bias', 'classifier.out_proj.weight', 'classifier.out_proj.bias']],
  ] as const) {
    it(`${name}: encoder-only checkpoint loads with a fresh head and gives the expected hidden states`, async () => {
      const { model, cfg, initialised } = await load(name);
      const expected = JSON.parse(readFileSync(path.join(fixtureModel(name), 'expected.json'), 'utf-8')) as Case & { missing_head_keys: string[] };
      expect(initialised).to.have.members([...head]);
      expect(expected.missing_head_keys).to.have.members([...head]);
      const { hidden, logits } = run(model, cfg, batchOf(expected));
      expect(maxAbsDiff(hidden, expected.last_hidden_state!)).to.be.below(1e-4);
      expect(logits.every(Number.isFinite)).to.equal(true);
      model.disposeAll();
    });
  }

  it('fresh heads are initialised like HF: normal(0, initializer_range) weights, zero bias, reproducible by seed', async () => {
    const a = await load('tiny-roberta-base');
    const b = await load('tiny-roberta-base');
    const get = (m: SequenceClassifier, n: string): number[] => Array.from(new Map(m.params()).get(n)!.variable.read().dataSync());
    const wa = get(a.model, 'classifier.dense.weight');
    expect(wa).to.deep.equal(get(b.model, 'classifier.dense.weight'));
    const mean = wa.reduce((s, v) => s + v, 0) / wa.length;
    const std = Math.sqrt(wa.reduce((s, v) => s + (v - mean) ** 2, 0) / wa.length);
    expect(Math.abs(mean)).to.be.below(0.004);
    expect(std).to.be.within(0.017, 0.023);
    expect(get(a.model, 'classifier.dense.bias').every((v) => v === 0)).to.equal(true);
    a.model.disposeAll();
    b.model.disposeAll();
  });
});
