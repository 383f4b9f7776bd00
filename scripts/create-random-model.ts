#!/usr/bin/env node
/**
 * Create a randomly initialised cross-encoder in HF format.
 *   npx tsx scripts/create-random-model.ts --out models/bert-tiny-random --tokenizer ../shared/models/bert-base-uncased-tokenizer \
 *     --model-type bert --layers 2 --hidden 128 --heads 2 --intermediate 512 --seed 0
 */
// Installs the Node platform (files, environment, Hub cache) before any library call.
import '../lib/platform/node.js';
import { parseArgs } from 'node:util';
import { configForShape, createRandomModel } from '../lib/models/random-init.js';

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
if (type !== 'bert' && type !== 'roberta' && type !== 'distilbert') {
  process.stderr.write(`--model-type must be bert, roberta or distilbert, got ${type}\n`);
  process.exit(2);
}
const [L, H, A, I] = [values.layers, values.hidden, values.heads, values.intermediate].map(Number);
const config = configForShape({ modelType: type, layers: L, hidden: H, heads: A, intermediate: I, maxPosition: values['max-position'] ? Number(values['max-position']) : undefined });
if (values['vocab-size']) config.vocab_size = Number(values['vocab-size']);
await createRandomModel(values.out, { config, tokenizerDir: values.tokenizer, seed: Number(values.seed), numLabels: Number(values['num-labels']) });
process.stderr.write(`wrote a random-init ${type} (${L}x${H}, ${A} heads, FFN ${I}) to ${values.out}\n`);
