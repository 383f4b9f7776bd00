/**
 * Randomly initialised models in HF format (for experiments, benchmarks and the offline end-to-end run):
 * HF's _init_weights (normal(0, initializer_range) for Linear and Embedding weights, zero biases, LayerNorm 1/0,
 * zero padding row), with a real tokenizer copied from another folder.
 */
import { fsp, path } from '../platform/index.js';
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
import { wordEmbeddingName } from './weight-names.js';

export interface ShapeOptions {
  modelType: 'bert' | 'roberta' | 'distilbert';
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  /** Default 514 for RoBERTa (padding_idx + 1 + 512), 512 otherwise. */
  maxPosition?: number;
}

/** HF config.json keys of a BERT/RoBERTa/DistilBERT encoder of the given shape, with each family's usual defaults. */
export function configForShape(s: ShapeOptions): Record<string, unknown> {
  if (s.modelType === 'distilbert') {
    return { model_type: 'distilbert', dim: s.hidden, n_layers: s.layers, n_heads: s.heads, hidden_dim: s.intermediate, activation: 'gelu', max_position_embeddings: s.maxPosition ?? 512, pad_token_id: 0 };
  }
  const roberta = s.modelType === 'roberta';
  return {
    model_type: s.modelType,
    hidden_size: s.hidden,
    num_hidden_layers: s.layers,
    num_attention_heads: s.heads,
    intermediate_size: s.intermediate,
    hidden_act: 'gelu',
    hidden_dropout_prob: 0.1,
    attention_probs_dropout_prob: 0.1,
    max_position_embeddings: s.maxPosition ?? (roberta ? 514 : 512),
    type_vocab_size: roberta ? 1 : 2,
    initializer_range: 0.02,
    layer_norm_eps: roberta ? 1e-5 : 1e-12,
    pad_token_id: roberta ? 1 : 0,
    ...(roberta ? { bos_token_id: 0, eos_token_id: 2 } : {}),
    position_embedding_type: 'absolute',
  };
}

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
    const wordEmb = wordEmbeddingName(config.architecture);
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
