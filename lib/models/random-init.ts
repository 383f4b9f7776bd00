/**
 * Randomly initialised models in HF format (for experiments, benchmarks and the offline end-to-end run):
 * HF's _init_weights (normal(0, initializer_range) for Linear and Embedding weights, zero biases, LayerNorm 1/0,
 * zero padding row), with a real tokenizer copied from another folder.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { activationToTorch } from '../activation.js';
import { initBackend } from '../backend.js';
import { UsageError } from '../errors.js';
import { PairTokenizer } from '../tokenizer/index.js';
import { writeFileAtomic } from '../util/fs.js';
import { sentenceTransformersBlock } from '../version.js';
import { classificationClassName, parseConfig } from './config.js';
import { initParams } from './load-weights.js';
import { saveWeights } from './save-weights.js';
import { SequenceClassifier } from './sequence-classifier.js';
import { ARCH_NAMES } from './weight-names.js';

export interface RandomModelOptions {
  /** HF config.json keys (model_type, hidden_size, ...). vocab_size defaults to the tokenizer's. */
  config: Record<string, unknown>;
  /** Folder with tokenizer files to copy (tokenizer.json, or vocab.txt / vocab.json + merges.txt). */
  tokenizerDir: string;
  seed: number;
  numLabels?: number;
}

export async function createRandomModel(outDir: string, opts: RandomModelOptions): Promise<void> {
  await initBackend();
  const tokenizer = await PairTokenizer.fromDir(opts.tokenizerDir, { maxLength: 512 });
  const numLabels = opts.numLabels ?? 1;
  const raw: Record<string, unknown> = {
    vocab_size: tokenizer.vocabSize,
    ...opts.config,
    id2label: Object.fromEntries(Array.from({ length: numLabels }, (_, i) => [String(i), `LABEL_${i}`])),
  };
  raw.label2id = Object.fromEntries(Object.entries(raw.id2label as Record<string, string>).map(([k, v]) => [v, Number(k)]));
  const config = parseConfig(raw, `${outDir}/config.json`);
  if (tokenizer.vocabSize > config.vocabSize) throw new UsageError(`the tokenizer produces ids up to ${tokenizer.vocabSize - 1}, beyond vocab_size ${config.vocabSize}`);
  const model = new SequenceClassifier(config);
  try {
    const wordEmb = `${ARCH_NAMES[config.architecture].encoderPrefix}embeddings.word_embeddings.weight`;
    initParams(model.params(), config.initializerRange, opts.seed, { name: wordEmb, row: config.padTokenId });
    await fsp.mkdir(outDir, { recursive: true });
    await saveWeights(model, outDir);
  } finally {
    model.disposeAll();
  }
  await tokenizer.save(outDir);
  const saved = {
    architectures: [classificationClassName(config)],
    ...raw,
    sentence_transformers: sentenceTransformersBlock(activationToTorch(numLabels === 1 ? 'sigmoid' : 'identity')),
  };
  await writeFileAtomic(path.join(outDir, 'config.json'), JSON.stringify(saved, null, 2) + '\n');
}
