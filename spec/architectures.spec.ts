/**
 * The reranker architectures (XLM-R, ELECTRA, ModernBERT, DeBERTa-v2) beyond the golden parity (spec/parity/fixtures.spec.ts and training.spec.ts run their
 * logits, hidden states and training replays): config reading, parameter names against the checkpoints transformers
 * wrote, ModernBERT's cls pooling, the activation bge-reranker-style configs get, and save → load.
 */
import { expect } from 'chai';
import { promises as fsp, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CrossEncoder, defaultActivation } from '../lib/cross-encoder/model.js';
import { ConfigError } from '../lib/errors.js';
import { WeightsFolder } from '../lib/io/weights.js';
import { parseConfig, readConfig } from '../lib/models/config.js';
import { loadWeights } from '../lib/models/load-weights.js';
import { disposeInputs, encoderInputs, SequenceClassifier } from '../lib/models/sequence-classifier.js';
import { tf } from '../lib/tf.js';
import { expectWithin, maxAbsDiff } from './helpers/parity.js';
import { fixtureModel } from './helpers/paths.js';

const rawConfig = (name: string): Record<string, unknown> => JSON.parse(readFileSync(path.join(fixtureModel(name), 'config.json'), 'utf-8')) as Record<string, unknown>;

/** Every tensor of the checkpoint is one of the model's parameters and the reverse: no fresh, missing or unused names. */
async function loadsExactly(name: string): Promise<SequenceClassifier> {
  const model = new SequenceClassifier(await readConfig(fixtureModel(name)));
  const report = loadWeights(model, await WeightsFolder.fromDir(fixtureModel(name)), { seed: 0 });
  expect(report.initialised, `${name}: freshly initialised`).to.deep.equal([]);
  expect(report.unused, `${name}: unused checkpoint tensors`).to.deep.equal([]);
  return model;
}

describe('reranker architectures: XLM-R, ELECTRA, ModernBERT, DeBERTa-v2', () => {
  for (const name of ['tiny-xlm-roberta-cross-encoder', 'tiny-electra-cross-encoder', 'tiny-modernbert-cross-encoder', 'tiny-deberta-v2-cross-encoder', 'tiny-deberta-v2-separate-cross-encoder']) {
    it(`${name}: parameter names are exactly the checkpoint's (HF names)`, async () => {
      (await loadsExactly(name)).disposeAll();
    });
  }

  describe('ELECTRA', () => {
    it('projects the embeddings only when embedding_size differs from hidden_size', () => {
      const raw = rawConfig('tiny-electra-cross-encoder');
      const narrow = new SequenceClassifier(parseConfig(raw));
      const wide = new SequenceClassifier(parseConfig({ ...raw, embedding_size: raw.hidden_size }));
      try {
        const shape = (m: SequenceClassifier, n: string) => m.params().find(([k]) => k === n)?.[1].variable.shape;
        expect(shape(narrow, 'electra.embeddings_project.weight')).to.deep.equal([16, 32]); // stored [in, out]
        expect(shape(narrow, 'electra.embeddings.word_embeddings.weight')?.[1]).to.equal(16);
        expect(shape(wide, 'electra.embeddings_project.weight')).to.equal(undefined);
        expect(narrow.params().map(([k]) => k)).to.include.members(['classifier.dense.weight', 'classifier.out_proj.weight']);
      } finally {
        narrow.disposeAll();
        wide.disposeAll();
      }
    });
  });

  describe('ModernBERT', () => {
    it('reads layer types and rotary bases from transformers 5 keys and from the 4.48+ checkpoint keys', () => {
      const raw = rawConfig('tiny-modernbert-cross-encoder');
      const v5 = parseConfig(raw).modernBert!;
      expect(v5.layerTypes).to.deep.equal(['full_attention', 'sliding_attention', 'full_attention', 'sliding_attention']);
      expect([v5.globalRopeTheta, v5.localRopeTheta, v5.localAttention, v5.classifierPooling]).to.deep.equal([160000, 10000, 8, 'mean']);
      const { layer_types: _lt, rope_parameters: _rp, ...older } = raw;
      const v4 = parseConfig({ ...older, num_hidden_layers: 5, global_attn_every_n_layers: 3, global_rope_theta: 80000, local_rope_theta: 5000 }).modernBert!;
      expect(v4.layerTypes).to.deep.equal(['full_attention', 'sliding_attention', 'sliding_attention', 'full_attention', 'sliding_attention']);
      expect([v4.globalRopeTheta, v4.localRopeTheta]).to.deep.equal([80000, 5000]);
    });

    it('refuses what it does not implement, naming the key', () => {
      const raw = rawConfig('tiny-modernbert-cross-encoder');
      expect(() => parseConfig({ ...raw, rope_parameters: { full_attention: { rope_type: 'yarn', rope_theta: 1 } } })).to.throw(ConfigError, /rope_type "yarn"/);
      expect(() => parseConfig({ ...raw, classifier_pooling: 'max' })).to.throw(ConfigError, /classifier_pooling/);
      expect(() => parseConfig({ ...raw, layer_types: ['full_attention'] })).to.throw(ConfigError, /layer_types/);
    });

    it('has no bias where the config says none, and no attention norm in layer 0', async () => {
      const model = await loadsExactly('tiny-modernbert-cross-encoder');
      try {
        const names = model.params().map(([k]) => k);
        expect(names.filter((n) => n.endsWith('.bias'))).to.deep.equal(['classifier.bias']);
        expect(names).to.not.include('model.layers.0.attn_norm.weight');
        expect(names).to.include('model.layers.1.attn_norm.weight');
      } finally {
        model.disposeAll();
      }
    });

    it('classifier_pooling "cls" gives transformers\' logits for the same weights', async () => {
      const name = 'tiny-modernbert-cross-encoder';
      const want = JSON.parse(readFileSync(path.join(fixtureModel(name), 'expected.json'), 'utf-8')) as {
        cases: { input_ids: number[][]; attention_mask: number[][] }[];
        cls_pooling_logits: number[];
      };
      const cfg = parseConfig({ ...rawConfig(name), classifier_pooling: 'cls' });
      const model = new SequenceClassifier(cfg);
      loadWeights(model, await WeightsFolder.fromDir(fixtureModel(name)));
      const c = want.cases[0]!;
      const B = c.input_ids.length;
      const T = c.input_ids[0]!.length;
      const inputs = encoderInputs(
        { batchSize: B, seqLen: T, inputIds: Int32Array.from(c.input_ids.flat()), attentionMask: Int32Array.from(c.attention_mask.flat()), tokenTypeIds: new Int32Array(B * T), lengths: [] },
        cfg,
      );
      try {
        const logits = tf.tidy(() => model.logits(inputs, model.context(false)));
        expectWithin('ModernBERT cls pooling logits', maxAbsDiff(await logits.data(), want.cls_pooling_logits), 1e-4);
        logits.dispose();
      } finally {
        disposeInputs(inputs);
        model.disposeAll();
      }
    });
  });

  describe('DeBERTa-v2', () => {
    it('reads the v3 layout (shared position keys, buckets, relative LayerNorm) and the v2 one (own projections, absolute positions)', () => {
      const v3 = parseConfig(rawConfig('tiny-deberta-v2-cross-encoder')).debertaV2!;
      expect([v3.shareAttKey, v3.positionBuckets, v3.maxRelativePositions, v3.normRelEmbeddings, v3.positionBiasedInput, v3.c2p, v3.p2c]).to.deep.equal([true, 8, 32, true, false, true, true]);
      const v2 = parseConfig(rawConfig('tiny-deberta-v2-separate-cross-encoder'));
      expect([v2.debertaV2!.shareAttKey, v2.debertaV2!.positionBiasedInput, v2.debertaV2!.c2p, v2.debertaV2!.p2c, v2.embeddingSize]).to.deep.equal([false, true, true, false, 16]);
      expect(parseConfig({ ...rawConfig('tiny-deberta-v2-cross-encoder'), pos_att_type: 'p2c|c2p' }).debertaV2!.p2c).to.equal(true);
    });

    it('refuses the parts it does not implement, naming them', () => {
      const raw = rawConfig('tiny-deberta-v2-cross-encoder');
      expect(() => parseConfig({ ...raw, conv_kernel_size: 3 })).to.throw(ConfigError, /conv_kernel_size 3/);
      expect(() => parseConfig({ ...raw, pos_att_type: ['p2p'] })).to.throw(ConfigError, /pos_att_type/);
      expect(() => parseConfig({ ...raw, attention_head_size: 4 })).to.throw(ConfigError, /attention_head_size/);
    });
  });

  describe('score activation', () => {
    it('a bge-reranker-style config (xlm-roberta, one label, no sentence_transformers block) scores through a sigmoid, as CrossEncoder does', () => {
      const { sentence_transformers: _st, ...bge } = rawConfig('tiny-xlm-roberta-cross-encoder');
      expect(defaultActivation(parseConfig(bge))).to.equal('sigmoid');
      expect(defaultActivation(parseConfig({ ...bge, sbert_ce_default_activation_function: 'torch.nn.modules.linear.Identity' }))).to.equal('identity');
    });
  });

  for (const name of ['tiny-xlm-roberta-cross-encoder', 'tiny-electra-cross-encoder', 'tiny-modernbert-cross-encoder', 'tiny-deberta-v2-cross-encoder']) {
    it(`${name}: save() then fromPretrained() gives the same scores and keeps the config`, async () => {
      const pairs: [string, string][] = [
        ['A man is playing a guitar.', 'A man plays the guitar.'],
        ['Ein Mann spielt Gitarre.', 'Someone is eating food.'],
      ];
      const out = await fsp.mkdtemp(path.join(os.tmpdir(), 'xenc-arch-save-'));
      const a = await CrossEncoder.fromPretrained(fixtureModel(name));
      try {
        const before = await a.predict(pairs, { activation: 'identity' });
        await a.save(out);
        const b = await CrossEncoder.fromPretrained(out);
        try {
          expect(maxAbsDiff(await b.predict(pairs, { activation: 'identity' }), before)).to.be.at.most(1e-6);
          const text = await fsp.readFile(path.join(out, 'config.json'), 'utf-8');
          const saved = JSON.parse(text) as Record<string, unknown>;
          // Floats stay floats (transformers 5 refuses ModernBertConfig(initializer_cutoff_factor=2), an int).
          if (name.includes('modernbert')) expect(text).to.match(/"initializer_cutoff_factor": 2\.0,/).and.match(/"rope_theta": 160000\.0/);
          expect(text).to.match(/"initializer_range": 0\.2,/);
          const orig = rawConfig(name);
          expect(saved.model_type).to.equal(orig.model_type);
          expect(saved.architectures).to.deep.equal(orig.architectures);
          for (const k of ['embedding_size', 'layer_types', 'local_attention', 'classifier_pooling', 'pos_att_type', 'position_buckets']) if (k in orig) expect(saved[k]).to.deep.equal(orig[k]);
        } finally {
          b.dispose();
        }
      } finally {
        a.dispose();
        await fsp.rm(out, { recursive: true, force: true });
      }
    });
  }
});
