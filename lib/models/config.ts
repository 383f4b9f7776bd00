/**
 * Hugging Face config.json → one normalised encoder config. BERT, RoBERTa (incl. distilroberta, xlm-roberta,
 * camembert: same architecture), DistilBERT, ELECTRA and ModernBERT use different key names for the same things;
 * everything downstream reads only `EncoderConfig`. MiniLM checkpoints are `bert`.
 */
import { fsp, path } from '../platform/index.js';
import { ConfigError } from '../errors.js';
import { floatLiteralKeys } from './config-json.js';

export type Architecture = 'bert' | 'roberta' | 'distilbert' | 'electra' | 'modernbert' | 'deberta-v2';
export type HiddenAct = 'gelu' | 'gelu_new' | 'relu';

const MODEL_TYPES: Record<string, Architecture> = {
  bert: 'bert',
  roberta: 'roberta',
  'xlm-roberta': 'roberta',
  camembert: 'roberta',
  distilbert: 'distilbert',
  electra: 'electra',
  modernbert: 'modernbert',
  'deberta-v2': 'deberta-v2',
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
  /** Width of the token embeddings: ELECTRA's embedding_size (projected to hiddenSize when they differ), else hiddenSize. */
  embeddingSize: number;
  /** ModernBERT's own settings; absent for the other architectures. */
  modernBert?: ModernBertSettings;
  /** DeBERTa-v2/v3's own settings; absent for the other architectures. */
  debertaV2?: DebertaV2Settings;
  /** The full original JSON, so save() can round-trip keys we do not interpret. */
  raw: Record<string, unknown>;
  /** Keys config.json wrote as float literals, so save() writes them as floats again (config-json.ts). */
  floatKeys?: ReadonlySet<string>;
}

/** What ModernBERT configures beyond the common fields (configuration_modernbert.py). */
export interface ModernBertSettings {
  /** Per layer: full (global) attention, or sliding-window attention over |i - j| ≤ localAttention / 2. */
  layerTypes: Array<'full_attention' | 'sliding_attention'>;
  localAttention: number;
  /** Rotary base of the global and of the sliding-window layers. */
  globalRopeTheta: number;
  localRopeTheta: number;
  normBias: boolean;
  attentionBias: boolean;
  mlpBias: boolean;
  classifierBias: boolean;
  classifierPooling: 'cls' | 'mean';
  classifierActivation: HiddenAct;
  embeddingDropout: number;
  mlpDropout: number;
}

/** What DeBERTa-v2 configures beyond the common fields (configuration_deberta_v2.py, modeling_deberta_v2.py getattr defaults). */
export interface DebertaV2Settings {
  relativeAttention: boolean;
  /** Relative distances are bucketed (log buckets past positionBuckets / 2) when positionBuckets > 0. */
  positionBuckets: number;
  maxRelativePositions: number;
  /** Content → position and position → content terms of the disentangled attention. */
  c2p: boolean;
  p2c: boolean;
  /** Position keys/queries through the content key/query projections (v3), else their own pos_key_proj / pos_query_proj. */
  shareAttKey: boolean;
  /** LayerNorm on the relative embeddings (norm_rel_ebd "layer_norm"). */
  normRelEmbeddings: boolean;
  /** Absolute position embeddings added to the input (v2: true, v3: false). */
  positionBiasedInput: boolean;
  poolerHiddenAct: HiddenAct;
  poolerDropout: number;
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
  return { ...parseConfig(json as Json, file), floatKeys: floatLiteralKeys(text) };
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
  let c: Omit<EncoderConfig, 'raw' | 'architecture' | 'modelType' | 'numLabels' | 'id2label' | 'embeddingSize'> & { embeddingSize?: number };
  if (architecture === 'modernbert') {
    c = modernBertFields(raw, file, { int, num, prob, act });
  } else if (architecture === 'distilbert') {
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
    const pet = architecture === 'deberta-v2' ? 'absolute' : (raw.position_embedding_type ?? 'absolute');
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
      classifierDropout:
        architecture === 'deberta-v2'
          ? raw.cls_dropout == null
            ? hiddenDropout
            : prob('cls_dropout')
          : raw.classifier_dropout == null
            ? hiddenDropout
            : prob('classifier_dropout'),
      maxPositionEmbeddings: int('max_position_embeddings', 512),
      typeVocabSize: int('type_vocab_size', architecture === 'deberta-v2' ? 0 : 2),
      layerNormEps: num('layer_norm_eps', architecture === 'deberta-v2' ? 1e-7 : 1e-12),
      padTokenId,
      initializerRange: num('initializer_range', 0.02),
      positionOffset: architecture === 'roberta' ? padTokenId + 1 : 0,
    };
    if (architecture === 'electra') c.embeddingSize = int('embedding_size', c.hiddenSize);
    if (architecture === 'deberta-v2') Object.assign(c, debertaV2Fields(raw, file, c, { int, num, prob, act }));
  }
  if (c.hiddenSize === 0 || c.numHeads === 0 || c.hiddenSize % c.numHeads !== 0) {
    throw new ConfigError(file, `hidden size ${c.hiddenSize} is not divisible by the number of attention heads ${c.numHeads}`);
  }
  if (c.vocabSize === 0) throw new ConfigError(file, 'vocab_size is 0');
  if (c.padTokenId >= c.vocabSize) throw new ConfigError(file, `pad_token_id ${c.padTokenId} is outside the vocabulary (${c.vocabSize})`);
  return { ...c, embeddingSize: c.embeddingSize ?? c.hiddenSize, architecture, modelType, numLabels, id2label, raw };
}

/** DeBERTa-v2's keys; what this implementation does not have (the ConvLayer, z_steps, other head sizes) is refused. */
function debertaV2Fields(raw: Json, file: string, c: { hiddenSize: number; numHeads: number; maxPositionEmbeddings: number }, r: Readers): { embeddingSize: number; debertaV2: DebertaV2Settings } {
  const conv = raw.conv_kernel_size ?? 0;
  if (typeof conv === 'number' && conv > 0) throw new ConfigError(file, `DeBERTa-v2 conv_kernel_size ${conv} (the ConvLayer of deberta-v2-xlarge) is not supported`);
  if (raw.attention_head_size != null && raw.attention_head_size !== c.hiddenSize / c.numHeads) throw new ConfigError(file, 'DeBERTa-v2 attention_head_size other than hidden_size / num_attention_heads is not supported');
  if (typeof raw.z_steps === 'number' && raw.z_steps > 1) throw new ConfigError(file, 'DeBERTa-v2 z_steps > 1 is not supported');
  if (raw.pooler_hidden_size != null && raw.pooler_hidden_size !== c.hiddenSize) throw new ConfigError(file, 'DeBERTa-v2 pooler_hidden_size other than hidden_size is not supported');
  const pat = raw.pos_att_type ?? [];
  const types = typeof pat === 'string' ? pat.toLowerCase().split('|').map((x) => x.trim()) : Array.isArray(pat) ? pat.map(String) : null;
  if (!types || types.some((t) => t !== 'c2p' && t !== 'p2c' && t !== '')) throw new ConfigError(file, `DeBERTa-v2 pos_att_type must list c2p and/or p2c, got ${JSON.stringify(pat)}`);
  const norm = String(raw.norm_rel_ebd ?? 'none').toLowerCase().split('|').map((x) => x.trim());
  const bool = (key: string, fallback: boolean): boolean => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'boolean') throw new ConfigError(file, `"${key}" must be true or false, got ${JSON.stringify(raw[key])}`);
    return v;
  };
  const intOrMinus = (key: string): number => {
    const v = raw[key] ?? -1;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new ConfigError(file, `"${key}" must be an integer, got ${JSON.stringify(v)}`);
    return v;
  };
  const maxRel = intOrMinus('max_relative_positions');
  return {
    embeddingSize: r.int('embedding_size', c.hiddenSize),
    debertaV2: {
      relativeAttention: bool('relative_attention', false),
      positionBuckets: intOrMinus('position_buckets'),
      maxRelativePositions: maxRel < 1 ? c.maxPositionEmbeddings : maxRel,
      c2p: types.includes('c2p'),
      p2c: types.includes('p2c'),
      shareAttKey: bool('share_att_key', false),
      normRelEmbeddings: norm.includes('layer_norm'),
      positionBiasedInput: bool('position_biased_input', true),
      poolerHiddenAct: r.act('pooler_hidden_act', 'gelu'),
      poolerDropout: r.prob('pooler_dropout', 0),
    },
  };
}

interface Readers {
  int: (key: string, fallback?: number) => number;
  num: (key: string, fallback?: number) => number;
  prob: (key: string, fallback?: number) => number;
  act: (key: string, fallback: string) => HiddenAct;
}

/**
 * ModernBERT's keys. Layer types and rotary bases come as transformers 5 writes them (layer_types, rope_parameters)
 * or as checkpoints from transformers 4.48+ do (global_attn_every_n_layers, global_rope_theta, local_rope_theta).
 */
function modernBertFields(raw: Json, file: string, r: Readers): Omit<EncoderConfig, 'raw' | 'architecture' | 'modelType' | 'numLabels' | 'id2label'> {
  const bool = (key: string, fallback: boolean): boolean => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'boolean') throw new ConfigError(file, `"${key}" must be true or false, got ${JSON.stringify(raw[key])}`);
    return v;
  };
  const numLayers = r.int('num_hidden_layers');
  let layerTypes: ModernBertSettings['layerTypes'];
  if (Array.isArray(raw.layer_types)) {
    if (raw.layer_types.length !== numLayers || !raw.layer_types.every((t) => t === 'full_attention' || t === 'sliding_attention')) {
      throw new ConfigError(file, `"layer_types" must list full_attention or sliding_attention for each of the ${numLayers} layers`);
    }
    layerTypes = raw.layer_types as ModernBertSettings['layerTypes'];
  } else {
    const every = r.int('global_attn_every_n_layers', 3);
    if (every === 0) throw new ConfigError(file, '"global_attn_every_n_layers" must be at least 1');
    layerTypes = Array.from({ length: numLayers }, (_, i) => (i % every === 0 ? 'full_attention' : 'sliding_attention'));
  }
  const rope = raw.rope_parameters;
  const theta = (kind: 'full_attention' | 'sliding_attention', key: string, fallback: number): number => {
    const p = rope && typeof rope === 'object' ? (rope as Record<string, unknown>)[kind] : undefined;
    const fromRope = p && typeof p === 'object' ? (p as Record<string, unknown>) : undefined;
    if (fromRope && fromRope.rope_type !== undefined && fromRope.rope_type !== 'default') {
      throw new ConfigError(file, `ModernBERT rope_type ${JSON.stringify(fromRope.rope_type)} is not supported (only "default")`);
    }
    const v = fromRope?.rope_theta ?? raw[key] ?? fallback;
    if (typeof v !== 'number' || !(v > 0)) throw new ConfigError(file, `ModernBERT rotary base for ${kind} must be a positive number, got ${JSON.stringify(v)}`);
    return v;
  };
  if (raw.rope_scaling != null) throw new ConfigError(file, 'ModernBERT rope_scaling is not supported');
  const pooling = raw.classifier_pooling ?? 'cls';
  if (pooling !== 'cls' && pooling !== 'mean') throw new ConfigError(file, `"classifier_pooling" must be "cls" or "mean", got ${JSON.stringify(pooling)}`);
  const modernBert: ModernBertSettings = {
    layerTypes,
    localAttention: r.int('local_attention', 128),
    globalRopeTheta: theta('full_attention', 'global_rope_theta', 160_000),
    localRopeTheta: theta('sliding_attention', 'local_rope_theta', 10_000),
    normBias: bool('norm_bias', false),
    attentionBias: bool('attention_bias', false),
    mlpBias: bool('mlp_bias', false),
    classifierBias: bool('classifier_bias', false),
    classifierPooling: pooling,
    classifierActivation: r.act('classifier_activation', 'gelu'),
    embeddingDropout: r.prob('embedding_dropout', 0),
    mlpDropout: r.prob('mlp_dropout', 0),
  };
  const hiddenSize = r.int('hidden_size');
  return {
    vocabSize: r.int('vocab_size'),
    hiddenSize,
    embeddingSize: hiddenSize,
    numLayers,
    numHeads: r.int('num_attention_heads'),
    intermediateSize: r.int('intermediate_size'),
    hiddenAct: r.act('hidden_activation', 'gelu'),
    // ModernBERT has no hidden dropout; its dropouts are in modernBert (embedding, mlp) and attentionDropout.
    hiddenDropout: 0,
    attentionDropout: r.prob('attention_dropout', 0),
    classifierDropout: r.prob('classifier_dropout', 0),
    maxPositionEmbeddings: r.int('max_position_embeddings', 8192),
    typeVocabSize: 0,
    layerNormEps: r.num('norm_eps', 1e-5),
    padTokenId: r.int('pad_token_id', 50283),
    initializerRange: r.num('initializer_range', 0.02),
    positionOffset: 0,
    modernBert,
  };
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

/** The checkpoint-name prefix HF uses for the encoder inside *ForSequenceClassification (ModernBERT: "model."). */
export function encoderPrefix(architecture: Architecture): string {
  return architecture === 'modernbert' ? 'model.' : architecture === 'deberta-v2' ? 'deberta.' : `${architecture}.`;
}

/** HF class names for config.json `architectures`. */
export function classificationClassName(config: EncoderConfig): string {
  const base: Record<string, string> = {
    bert: 'Bert',
    roberta: 'Roberta',
    'xlm-roberta': 'XLMRoberta',
    camembert: 'Camembert',
    distilbert: 'DistilBert',
    electra: 'Electra',
    modernbert: 'ModernBert',
    'deberta-v2': 'DebertaV2',
  };
  return `${base[config.modelType] ?? 'Bert'}ForSequenceClassification`;
}
