/**
 * Parity suite, part 1: the golden fixtures (independent PyTorch reference, spec/fixtures/SOURCES.md) on the active
 * backend: logits and last hidden states from the fixtures' input ids, and logits and scores through the tokenizer.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CrossEncoder } from '../../lib/cross-encoder/model.js';
import { WeightsFolder } from '../../lib/io/weights.js';
import { readConfig, type EncoderConfig } from '../../lib/models/config.js';
import { loadWeights } from '../../lib/models/load-weights.js';
import { disposeInputs, encoderInputs, SequenceClassifier } from '../../lib/models/sequence-classifier.js';
import { tf } from '../../lib/tf.js';
import type { BatchEncoding } from '../../lib/tokenizer/index.js';
import { expectWithin, maxAbsDiff } from '../helpers/parity.js';
import { CROSS_ENCODER_FIXTURES, fixtureModel } from '../helpers/paths.js';

interface Case {
  pairs: [string, string][];
  max_length: number | null;
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][] | null;
  logits: number[];
  sigmoid?: number[];
  last_hidden_state?: number[];
}

function expected<T>(name: string): T {
  return JSON.parse(readFileSync(path.join(fixtureModel(name), 'expected.json'), 'utf-8')) as T;
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

async function load(name: string): Promise<{ model: SequenceClassifier; cfg: EncoderConfig; initialised: string[] }> {
  const dir = fixtureModel(name);
  const cfg = await readConfig(dir);
  const model = new SequenceClassifier(cfg);
  const { initialised } = loadWeights(model, await WeightsFolder.fromDir(dir), { seed: 0 });
  return { model, cfg, initialised };
}

async function run(model: SequenceClassifier, cfg: EncoderConfig, batch: BatchEncoding): Promise<{ logits: Float32Array; hidden: Float32Array }> {
  const inputs = encoderInputs(batch, cfg);
  const [l, h] = tf.tidy(() => {
    const ctx = model.context(false);
    const hidden = model.hidden(inputs, ctx);
    return [model.head.forward(hidden, ctx, inputs), hidden];
  });
  try {
    return { logits: (await l.data()) as Float32Array, hidden: (await h.data()) as Float32Array };
  } finally {
    tf.dispose([l, h]);
    disposeInputs(inputs);
  }
}

describe('parity: golden fixtures on the active backend', () => {
  for (const name of CROSS_ENCODER_FIXTURES) {
    it(`${name}: logits and last hidden state within 1e-4 for every case`, async () => {
      const { model, cfg } = await load(name);
      try {
        const { cases } = expected<{ cases: Case[] }>(name);
        expect(cases.length).to.be.greaterThanOrEqual(1);
        for (const c of cases) {
          const { logits, hidden } = await run(model, cfg, batchOf(c));
          expectWithin('fixture logits (input ids)', maxAbsDiff(logits, c.logits), 1e-4, `${name}, max_length ${c.max_length}`);
          if (c.last_hidden_state) expectWithin('fixture last hidden state', maxAbsDiff(hidden, c.last_hidden_state), 1e-4, `${name}, max_length ${c.max_length}`);
        }
      } finally {
        model.disposeAll();
      }
    });
  }

  for (const [name, head] of [
    ['tiny-bert-base', ['classifier.weight', 'classifier.bias']],
    ['tiny-roberta-base', ['classifier.dense.weight', 'classifier.dense.bias', 'classifier.out_proj.weight', 'classifier.out_proj.bias']],
  ] as const) {
    it(`${name}: encoder-only checkpoint loads with a fresh head and gives the expected hidden states`, async () => {
      const { model, cfg, initialised } = await load(name);
      try {
        const want = expected<Case & { missing_head_keys: string[] }>(name);
        expect(initialised).to.have.members([...head]);
        expect(want.missing_head_keys).to.have.members([...head]);
        const { hidden, logits } = await run(model, cfg, batchOf(want));
        expectWithin('fixture last hidden state', maxAbsDiff(hidden, want.last_hidden_state!), 1e-4, name);
        expect(logits.every(Number.isFinite)).to.equal(true);
      } finally {
        model.disposeAll();
      }
    });
  }

  for (const name of CROSS_ENCODER_FIXTURES) {
    it(`${name}: predict (tokenizer + model) reproduces the reference logits and sigmoid scores within 1e-4`, async () => {
      for (const c of expected<{ cases: Case[] }>(name).cases) {
        const model = await CrossEncoder.fromPretrained(fixtureModel(name), c.max_length ? { maxLength: c.max_length } : {});
        try {
          const logits = await model.predict(c.pairs, { activation: 'identity', batchSize: 3 });
          expectWithin('predict logits (tokenizer + model)', maxAbsDiff(logits, c.logits), 1e-4, `${name}, max_length ${c.max_length}`);
          const scores = await model.predict(c.pairs); // config says Sigmoid
          const wantSigmoid = c.sigmoid ?? c.logits.map((x) => 1 / (1 + Math.exp(-x)));
          expectWithin('predict sigmoid scores', maxAbsDiff(scores, wantSigmoid), 1e-4, name);
        } finally {
          model.dispose();
        }
      }
    });
  }
});
