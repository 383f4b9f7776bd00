/**
 * The one place where Hugging Face parameter names live. Checkpoint names are the contract with PyTorch:
 * modules are registered under these names, so `namedParams()` yields exactly what `modeling_bert.py`,
 * `modeling_roberta.py`, `modeling_distilbert.py`, `modeling_electra.py` and `modeling_modernbert.py` call them, and
 * saving writes them back unchanged.
 */
import type { Architecture } from './config.js';

/** The architectures built from BERT's blocks (post-LayerNorm, separate q/k/v, learned positions). */
export type BertFamily = Exclude<Architecture, 'modernbert' | 'deberta-v2'>;

/** Prefix of encoder tensors inside *ForSequenceClassification checkpoints. */
export const ENCODER_PREFIX: Record<Architecture, string> = {
  bert: 'bert.',
  roberta: 'roberta.',
  distilbert: 'distilbert.',
  electra: 'electra.',
  modernbert: 'model.',
  'deberta-v2': 'deberta.',
};

/** The full name of the word-embedding table (random init zeroes its padding row). */
export function wordEmbeddingName(arch: Architecture): string {
  return arch === 'modernbert' ? `${ENCODER_PREFIX.modernbert}${MODERNBERT_NAMES.embeddings.word}.weight` : `${ENCODER_PREFIX[arch]}embeddings.word_embeddings.weight`;
}

export interface EmbeddingNames {
  word: string;
  position: string;
  tokenType?: string;
  norm: string;
}

export interface BlockNames {
  query: string;
  key: string;
  value: string;
  attnOut: string;
  attnNorm: string;
  ffnIn: string;
  ffnOut: string;
  ffnNorm: string;
}

export interface ArchNames {
  /** Prefix of encoder tensors inside *ForSequenceClassification checkpoints. */
  encoderPrefix: string;
  embeddings: EmbeddingNames;
  /** Name of the i-th transformer block, relative to the encoder. */
  layer: (i: number) => string;
  block: BlockNames;
}

const BERT_BLOCK: BlockNames = {
  query: 'attention.self.query',
  key: 'attention.self.key',
  value: 'attention.self.value',
  attnOut: 'attention.output.dense',
  attnNorm: 'attention.output.LayerNorm',
  ffnIn: 'intermediate.dense',
  ffnOut: 'output.dense',
  ffnNorm: 'output.LayerNorm',
};

export const ARCH_NAMES: Record<BertFamily, ArchNames> = {
  bert: {
    encoderPrefix: 'bert.',
    embeddings: { word: 'word_embeddings', position: 'position_embeddings', tokenType: 'token_type_embeddings', norm: 'LayerNorm' },
    layer: (i) => `encoder.layer.${i}`,
    block: BERT_BLOCK,
  },
  roberta: {
    encoderPrefix: 'roberta.',
    embeddings: { word: 'word_embeddings', position: 'position_embeddings', tokenType: 'token_type_embeddings', norm: 'LayerNorm' },
    layer: (i) => `encoder.layer.${i}`,
    block: BERT_BLOCK,
  },
  distilbert: {
    encoderPrefix: 'distilbert.',
    embeddings: { word: 'word_embeddings', position: 'position_embeddings', norm: 'LayerNorm' },
    layer: (i) => `transformer.layer.${i}`,
    block: {
      query: 'attention.q_lin',
      key: 'attention.k_lin',
      value: 'attention.v_lin',
      attnOut: 'attention.out_lin',
      attnNorm: 'sa_layer_norm',
      ffnIn: 'ffn.lin1',
      ffnOut: 'ffn.lin2',
      ffnNorm: 'output_layer_norm',
    },
  },
  electra: {
    encoderPrefix: 'electra.',
    embeddings: { word: 'word_embeddings', position: 'position_embeddings', tokenType: 'token_type_embeddings', norm: 'LayerNorm' },
    layer: (i) => `encoder.layer.${i}`,
    block: BERT_BLOCK,
  },
};

/** ELECTRA's Linear from embedding_size to hidden_size, relative to the encoder (only when the two differ). */
export const ELECTRA_EMBEDDINGS_PROJECTION = 'embeddings_project';

/** ModernBERT (modeling_modernbert.py), relative to the encoder prefix "model." except `head`/`classifier`. */
export const MODERNBERT_NAMES = {
  embeddings: { word: 'embeddings.tok_embeddings', norm: 'embeddings.norm' },
  layer: (i: number) => `layers.${i}`,
  block: { attnNorm: 'attn_norm', qkv: 'attn.Wqkv', attnOut: 'attn.Wo', mlpNorm: 'mlp_norm', mlpIn: 'mlp.Wi', mlpOut: 'mlp.Wo' },
  finalNorm: 'final_norm',
  head: { dense: 'head.dense', norm: 'head.norm', classifier: 'classifier' },
} as const;

/** DeBERTa-v2 (modeling_deberta_v2.py), relative to the encoder prefix "deberta." except `pooler`/`classifier`. */
export const DEBERTA_V2_NAMES = {
  embeddings: { word: 'embeddings.word_embeddings', position: 'embeddings.position_embeddings', tokenType: 'embeddings.token_type_embeddings', projection: 'embeddings.embed_proj', norm: 'embeddings.LayerNorm' },
  layer: (i: number) => `encoder.layer.${i}`,
  block: {
    query: 'attention.self.query_proj',
    key: 'attention.self.key_proj',
    value: 'attention.self.value_proj',
    posKey: 'attention.self.pos_key_proj',
    posQuery: 'attention.self.pos_query_proj',
    attnOut: 'attention.output.dense',
    attnNorm: 'attention.output.LayerNorm',
    ffnIn: 'intermediate.dense',
    ffnOut: 'output.dense',
    ffnNorm: 'output.LayerNorm',
  },
  relEmbeddings: 'encoder.rel_embeddings',
  relNorm: 'encoder.LayerNorm',
  head: { pooler: 'pooler.dense', classifier: 'classifier' },
} as const;

/** Head modules per architecture, relative to the checkpoint root (the pooler sits under the encoder prefix). */
export const HEAD_NAMES = {
  bert: { pooler: 'pooler.dense', classifier: 'classifier' },
  roberta: { dense: 'classifier.dense', outProj: 'classifier.out_proj' },
  distilbert: { preClassifier: 'pre_classifier', classifier: 'classifier' },
  electra: { dense: 'classifier.dense', outProj: 'classifier.out_proj' },
} as const;

/**
 * Parameters a base (encoder-only) checkpoint may lack; HF initialises them fresh for sequence classification.
 * BERT's pooler belongs here: a few encoder checkpoints ship without it and transformers initialises it.
 */
export function isHeadParam(name: string, arch: Architecture): boolean {
  const bare = name.startsWith(ENCODER_PREFIX[arch]) ? name.slice(ENCODER_PREFIX[arch].length) : name;
  // ModernBERT's `head` (dense + norm) also exists in its masked-LM checkpoints and loads from there, as in HF.
  return /^(classifier|pre_classifier)\./.test(bare) || /^pooler\./.test(bare) || (arch === 'modernbert' && /^head\./.test(bare));
}

/** Checkpoint keys that are never weights of ours: buffers and other heads. Listed at debug level when seen. */
export function isKnownUnusedKey(name: string): boolean {
  return (
    /(^|\.)position_ids$/.test(name) ||
    /^(lm_head|cls|vocab_transform|vocab_layer_norm|vocab_projector|qa_outputs|pre_classifier_mlm|decoder|discriminator_predictions|generator_predictions|generator_lm_head)\b/.test(name) ||
    /(^|\.)pooler\./.test(name)
  );
}

/**
 * Alternative names a checkpoint may use for one of ours: the bare (sentence-transformers style) encoder name,
 * and the TF-era LayerNorm gamma/beta spelling.
 */
export function candidateNames(name: string, arch: Architecture): string[] {
  const prefix = ENCODER_PREFIX[arch];
  const forms = [name];
  if (name.startsWith(prefix)) forms.push(name.slice(prefix.length));
  const out: string[] = [];
  for (const f of forms) {
    out.push(f);
    if (/(LayerNorm|layer_norm)\.weight$/.test(f)) out.push(f.replace(/\.weight$/, '.gamma'));
    if (/(LayerNorm|layer_norm)\.bias$/.test(f)) out.push(f.replace(/\.bias$/, '.beta'));
  }
  return out;
}
