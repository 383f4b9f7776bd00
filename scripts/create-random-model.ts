#!/usr/bin/env node
/**
 * Create a randomly initialised cross-encoder in HF format.
 *   npx tsx scripts/create-random-model.ts --out models/bert-tiny-random --tokenizer ../shared/models/bert-base-uncased-tokenizer \
 *     --model-type bert --layers 2 --hidden 128 --heads 2 --intermediate 512 --seed 0
 */
import { parseArgs } from 'node:util';
import { createRandomModel } from '../lib/models/random-init.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    tokenizer: { type: 'string' },
    'model-type': { type: 'string', default: 'bert' },
    layers: { type: 'string', default: '2' },
    hidden: { type: 'string', default: '128' },
    heads: { type: 'string', default: '2' },
    intermediate: { type: 'string', default: '512' },
    'max-position': { type: 'string' },
    'vocab-size': { type: 'string' },
    seed: { type: 'string', default: '0' },
    'num-labels': { type: 'string', default: '1' },
  },
});
if (!values.out || !values.tokenizer) {
  process.stderr.write('usage: create-random-model --out DIR --tokenizer DIR [--model-type bert|roberta|distilbert] [--layers 2 --hidden 128 --heads 2 --intermediate 512 --seed 0]\n');
  process.exit(2);
}
const type = values['model-type']!;
const L = Number(values.layers);
const H = Number(values.hidden);
const A = Number(values.heads);
const I = Number(values.intermediate);
const roberta = type === 'roberta';
const config: Record<string, unknown> =
  type === 'distilbert'
    ? { model_type: 'distilbert', dim: H, n_layers: L, n_heads: A, hidden_dim: I, activation: 'gelu', max_position_embeddings: Number(values['max-position'] ?? 512), pad_token_id: 0 }
    : {
        model_type: type,
        hidden_size: H,
        num_hidden_layers: L,
        num_attention_heads: A,
        intermediate_size: I,
        hidden_act: 'gelu',
        hidden_dropout_prob: 0.1,
        attention_probs_dropout_prob: 0.1,
        max_position_embeddings: Number(values['max-position'] ?? (roberta ? 514 : 512)),
        type_vocab_size: roberta ? 1 : 2,
        initializer_range: 0.02,
        layer_norm_eps: roberta ? 1e-5 : 1e-12,
        pad_token_id: roberta ? 1 : 0,
        ...(roberta ? { bos_token_id: 0, eos_token_id: 2 } : {}),
        position_embedding_type: 'absolute',
      };
if (values['vocab-size']) config.vocab_size = Number(values['vocab-size']);
await createRandomModel(values.out, { config, tokenizerDir: values.tokenizer, seed: Number(values.seed), numLabels: Number(values['num-labels']) });
process.stderr.write(`wrote a random-init ${type} (${L}x${H}, ${A} heads, FFN ${I}) to ${values.out}\n`);
