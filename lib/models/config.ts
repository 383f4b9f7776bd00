/**
 * Hugging Face config.json → one normalised encoder config. BERT, RoBERTa (incl. distilroberta, xlm-roberta,
 * camembert: same architecture) and DistilBERT use different key names for the same things; everything
 * downstream reads only `EncoderConfig`. MiniLM checkpoints are `bert`.
 */
import { fsp, path } from '../platform/index.js';
import { ConfigError } from '../errors.js';

export type Architecture = 'bert' | 'roberta' | 'distilbert';
export type HiddenAct = 'gelu' | 'gelu_new' | 'relu';

const MODEL_TYPES: Record<string, Architecture> = {
  bert: 'bert',
  roberta: 'roberta',
  'xlm-roberta': 'roberta',
  camembert: 'roberta',
  distilbert: 'distilbert',
};
export const SUPPORTED_MODEL_TYPES = Object.keys(MODEL_TYPES);

/** HF activation names we implement exactly. gelu_pytorch_tanh is the same function as gelu_new. */
const ACTIVATIONS: Record<string, HiddenAct> = { gelu: 'gelu', gelu_new: 'gelu_new', gelu_pytorch_tanh: 'gelu_new', relu: 'relu' };

export interface EncoderConfig {
  architecture: Architecture;
  /** The config's own model_type (e.g. xlm-roberta), kept for saving. */
  modelType: string;
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  hiddenAct: HiddenAct;
  hiddenDropout: number;
  attentionDropout: number;
  /** Dropout before the classifier (HF: classifier_dropout ?? hidden_dropout_prob; DistilBERT: seq_classif_dropout). */
  classifierDropout: number;
  maxPositionEmbeddings: number;
  typeVocabSize: number;
  layerNormEps: number;
  padTokenId: number;
  initializerRange: number;
  numLabels: number;
  id2label: Record<string, string>;
  /** RoBERTa positions start at padding_idx + 1; others at 0. */
  positionOffset: number;
  /** The full original JSON, so save() can round-trip keys we do not interpret. */
  raw: Record<string, unknown>;
}

type Json = Record<string, unknown>;

export async function readConfig(dir: string): Promise<EncoderConfig> {
  const file = path.join(dir, 'config.json');
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf-8');
  } catch (e) {
    throw new ConfigError(file, `cannot read config.json (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(file, `not valid JSON (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ConfigError(file, 'config.json is not a JSON object');
  return parseConfig(json as Json, file);
}

export function parseConfig(raw: Json, file = 'config.json'): EncoderConfig {
  const modelType = raw.model_type;
  if (typeof modelType !== 'string') throw new ConfigError(file, `missing "model_type" (supported: ${SUPPORTED_MODEL_TYPES.join(', ')})`);
  const architecture = MODEL_TYPES[modelType];
  if (!architecture) throw new ConfigError(file, `unsupported model_type ${JSON.stringify(modelType)} (supported: ${SUPPORTED_MODEL_TYPES.join(', ')})`);

  const int = (key: string, fallback?: number): number => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ConfigError(file, `"${key}" must be a non-negative integer, got ${JSON.stringify(raw[key])}`);
    return v;
  };
  const num = (key: string, fallback?: number): number => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(file, `"${key}" must be a number, got ${JSON.stringify(raw[key])}`);
    return v;
  };
  const prob = (key: string, fallback?: number): number => {
    const v = num(key, fallback);
    if (v < 0 || v >= 1) throw new ConfigError(file, `"${key}" must be a probability in [0, 1), got ${v}`);
    return v;
  };
  const act = (key: string, fallback: string): HiddenAct => {
    const v = raw[key] ?? fallback;
    const a = typeof v === 'string' ? ACTIVATIONS[v] : undefined;
    if (!a) throw new ConfigError(file, `unsupported ${key} ${JSON.stringify(v)} (supported: ${Object.keys(ACTIVATIONS).join(', ')})`);
    return a;
  };

  const id2label = parseId2Label(raw, file);
  const numLabels = Object.keys(id2label).length;
  let c: Omit<EncoderConfig, 'raw' | 'architecture' | 'modelType' | 'numLabels' | 'id2label'>;
  if (architecture === 'distilbert') {
    if (raw.sinusoidal_pos_embds === true) throw new ConfigError(file, 'DistilBERT with sinusoidal_pos_embds is not supported');
    const hiddenDropout = prob('dropout', 0.1);
    c = {
      vocabSize: int('vocab_size'),
      hiddenSize: int('dim'),
      numLayers: int('n_layers'),
      numHeads: int('n_heads'),
      intermediateSize: int('hidden_dim'),
      hiddenAct: act('activation', 'gelu'),
      hiddenDropout,
      attentionDropout: prob('attention_dropout', 0.1),
      classifierDropout: prob('seq_classif_dropout', 0.2),
      maxPositionEmbeddings: int('max_position_embeddings', 512),
      typeVocabSize: 0,
      layerNormEps: 1e-12, // hard-coded in HF's DistilBERT
      padTokenId: int('pad_token_id', 0),
      initializerRange: num('initializer_range', 0.02),
      positionOffset: 0,
    };
  } else {
    const pet = raw.position_embedding_type ?? 'absolute';
    if (pet !== 'absolute') throw new ConfigError(file, `position_embedding_type ${JSON.stringify(pet)} is not supported (only "absolute")`);
    const hiddenDropout = prob('hidden_dropout_prob', 0.1);
    const padTokenId = int('pad_token_id', architecture === 'roberta' ? 1 : 0);
    c = {
      vocabSize: int('vocab_size'),
      hiddenSize: int('hidden_size'),
      numLayers: int('num_hidden_layers'),
      numHeads: int('num_attention_heads'),
      intermediateSize: int('intermediate_size'),
      hiddenAct: act('hidden_act', 'gelu'),
      hiddenDropout,
      attentionDropout: prob('attention_probs_dropout_prob', 0.1),
      classifierDropout: raw.classifier_dropout == null ? hiddenDropout : prob('classifier_dropout'),
      maxPositionEmbeddings: int('max_position_embeddings', 512),
      typeVocabSize: int('type_vocab_size', 2),
      layerNormEps: num('layer_norm_eps', 1e-12),
      padTokenId,
      initializerRange: num('initializer_range', 0.02),
      positionOffset: architecture === 'roberta' ? padTokenId + 1 : 0,
    };
  }
  if (c.hiddenSize === 0 || c.numHeads === 0 || c.hiddenSize % c.numHeads !== 0) {
    throw new ConfigError(file, `hidden size ${c.hiddenSize} is not divisible by the number of attention heads ${c.numHeads}`);
  }
  if (c.vocabSize === 0) throw new ConfigError(file, 'vocab_size is 0');
  if (c.padTokenId >= c.vocabSize) throw new ConfigError(file, `pad_token_id ${c.padTokenId} is outside the vocabulary (${c.vocabSize})`);
  return { ...c, architecture, modelType, numLabels, id2label, raw };
}

function parseId2Label(raw: Json, file: string): Record<string, string> {
  const m = raw.id2label;
  if (m && typeof m === 'object' && !Array.isArray(m)) {
    const entries = Object.entries(m as Record<string, unknown>);
    if (entries.length === 0) throw new ConfigError(file, '"id2label" is empty');
    const out: Record<string, string> = {};
    for (const [k, v] of entries) out[k] = String(v);
    return out;
  }
  const n = raw.num_labels ?? 2; // PretrainedConfig's default
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new ConfigError(file, `"num_labels" must be a positive integer, got ${JSON.stringify(n)}`);
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [String(i), `LABEL_${i}`]));
}

/** A copy of the config with a different label count (fresh head), as `num_labels=` does in transformers. */
export function withNumLabels(config: EncoderConfig, numLabels: number): EncoderConfig {
  if (numLabels === config.numLabels) return config;
  const id2label = Object.fromEntries(Array.from({ length: numLabels }, (_, i) => [String(i), `LABEL_${i}`]));
  return { ...config, numLabels, id2label };
}

/** The checkpoint-name prefix HF uses for the encoder inside *ForSequenceClassification. */
export function encoderPrefix(architecture: Architecture): string {
  return `${architecture}.`;
}

/** HF class names for config.json `architectures`. */
export function classificationClassName(config: EncoderConfig): string {
  const base: Record<string, string> = { bert: 'Bert', roberta: 'Roberta', 'xlm-roberta': 'XLMRoberta', camembert: 'Camembert', distilbert: 'DistilBert' };
  return `${base[config.modelType] ?? 'Bert'}ForSequenceClassification`;
}
