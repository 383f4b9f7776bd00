/**
 * sentence-transformers' Pooling module: token embeddings [B, T, H] and the attention mask → one vector per text.
 * Modes are concatenated in sentence-transformers' order (cls, max, mean, mean_sqrt_len_tokens, weightedmean,
 * lasttoken), each computed as models/Pooling.py does, so the embeddings match it to float rounding. Built from
 * differentiable tfjs ops: the same function pools in training.
 */
import { tf } from '../tf.js';
import { ConfigError } from '../errors.js';

export const POOLING_MODES = ['cls', 'max', 'mean', 'mean_sqrt_len_tokens', 'weightedmean', 'lasttoken'] as const;
export type PoolingMode = (typeof POOLING_MODES)[number];

/** The config.json key of each mode, as Pooling.get_config_dict writes it. */
const MODE_KEYS: Record<PoolingMode, string> = {
  cls: 'pooling_mode_cls_token',
  max: 'pooling_mode_max_tokens',
  mean: 'pooling_mode_mean_tokens',
  mean_sqrt_len_tokens: 'pooling_mode_mean_sqrt_len_tokens',
  weightedmean: 'pooling_mode_weightedmean_tokens',
  lasttoken: 'pooling_mode_lasttoken',
};

export interface PoolingConfig {
  wordEmbeddingDimension: number;
  /** The modes switched on, in sentence-transformers' concatenation order. */
  modes: PoolingMode[];
  /** False: prompt tokens (and the first token) are left out of the pooling, as INSTRUCTOR does. */
  includePrompt: boolean;
}

/** Parse 1_Pooling/config.json. Unknown keys and modes are errors: Python's Pooling(**config) refuses them too. */
export function parsePoolingConfig(c: Record<string, unknown>, file: string): PoolingConfig {
  const dim = c.word_embedding_dimension;
  if (!Number.isInteger(dim) || (dim as number) < 1) throw new ConfigError(file, `word_embedding_dimension must be a positive integer, got ${JSON.stringify(dim)}`);
  const known = new Set(['word_embedding_dimension', 'pooling_mode', 'include_prompt', ...Object.values(MODE_KEYS)]);
  for (const k of Object.keys(c)) {
    if (!known.has(k)) throw new ConfigError(file, `unknown key ${JSON.stringify(k)}; the pooling modes are ${POOLING_MODES.join(', ')} (keys ${Object.values(MODE_KEYS).join(', ')})`);
  }
  let modes: PoolingMode[];
  if (c.pooling_mode !== undefined && c.pooling_mode !== null) {
    const m = typeof c.pooling_mode === 'string' ? c.pooling_mode.toLowerCase() : undefined;
    if (!m || !(POOLING_MODES as readonly string[]).includes(m)) throw new ConfigError(file, `unknown pooling_mode ${JSON.stringify(c.pooling_mode)}; valid modes: ${POOLING_MODES.join(', ')}`);
    modes = [m as PoolingMode];
  } else {
    for (const mode of POOLING_MODES) {
      const v = c[MODE_KEYS[mode]];
      if (v !== undefined && typeof v !== 'boolean') throw new ConfigError(file, `${MODE_KEYS[mode]} must be true or false, got ${JSON.stringify(v)}`);
    }
    // Python's default is mean pooling when the key is absent.
    modes = POOLING_MODES.filter((mode) => (c[MODE_KEYS[mode]] ?? mode === 'mean') === true);
  }
  if (modes.length === 0) throw new ConfigError(file, `no pooling mode is switched on; set one of ${Object.values(MODE_KEYS).join(', ')} to true`);
  if (c.include_prompt !== undefined && typeof c.include_prompt !== 'boolean') throw new ConfigError(file, `include_prompt must be true or false, got ${JSON.stringify(c.include_prompt)}`);
  return { wordEmbeddingDimension: dim as number, modes, includePrompt: c.include_prompt !== false };
}

/** The config.json sentence-transformers writes for `cfg` (every mode key, as Pooling.get_config_dict). */
export function poolingConfigJson(cfg: PoolingConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { word_embedding_dimension: cfg.wordEmbeddingDimension };
  for (const mode of (['cls', 'mean', 'max', 'mean_sqrt_len_tokens', 'weightedmean', 'lasttoken'] as const)) out[MODE_KEYS[mode]] = cfg.modes.includes(mode);
  out.include_prompt = cfg.includePrompt;
  return out;
}

export function poolingOutputDim(cfg: PoolingConfig): number {
  return cfg.wordEmbeddingDimension * cfg.modes.length;
}

/**
 * Pool token embeddings [B, T, H] with the float mask [B, T] (1 real, 0 padding). `promptLength` > 0 with
 * includePrompt false zeroes the mask's first promptLength columns, as Pooling.forward does. Call inside tf.tidy.
 */
export function pool(cfg: PoolingConfig, tokens: tf.Tensor3D, attentionMask: tf.Tensor2D, promptLength = 0): tf.Tensor2D {
  const [B, T, H] = tokens.shape;
  let mask = attentionMask;
  if (!cfg.includePrompt && promptLength > 0) {
    const keep = tf.concat([tf.zeros([1, Math.min(promptLength, T)]), tf.ones([1, Math.max(0, T - promptLength)])], 1);
    mask = tf.mul(mask, keep);
  }
  const m3 = tf.expandDims(mask, 2) as tf.Tensor3D; // [B, T, 1], broadcast over H
  const out: tf.Tensor2D[] = [];
  for (const mode of cfg.modes) {
    switch (mode) {
      case 'cls':
        out.push(tf.reshape(tf.slice(tokens, [0, 0, 0], [B, 1, H]), [B, H]));
        break;
      case 'max':
        // Padding set to -1e9 (not added: a large value plus -1e9 would lose the value's digits).
        out.push(tf.max(tf.where(tf.equal(tf.broadcastTo(m3, [B, T, H]), 0), tf.fill([B, T, H], -1e9), tokens), 1));
        break;
      case 'mean':
      case 'mean_sqrt_len_tokens': {
        const sum = tf.sum(tf.mul(tokens, m3), 1);
        const count = tf.maximum(tf.sum(m3, 1), 1e-9); // [B, 1]
        out.push(tf.div(sum, mode === 'mean' ? count : tf.sqrt(count)));
        break;
      }
      case 'weightedmean': {
        const w = tf.mul(m3, tf.reshape(tf.range(1, T + 1, 1, 'float32'), [1, T, 1]));
        out.push(tf.div(tf.sum(tf.mul(tokens, w), 1), tf.maximum(tf.sum(w, 1), 1e-9)));
        break;
      }
      case 'lasttoken': {
        // The last position whose mask is 1 (T − 1 when a row has none), read from tokens × mask, as Python gathers.
        const pos = tf.reshape(tf.range(0, T, 1, 'float32'), [1, T]);
        const last = tf.max(tf.add(tf.mul(mask, pos), tf.mul(tf.sub(1, tf.max(mask, 1, true)), T - 1)), 1); // [B]
        const onehot = tf.expandDims(tf.oneHot(tf.cast(last, 'int32'), T), 2); // [B, T, 1]
        out.push(tf.sum(tf.mul(tf.mul(tokens, m3), onehot), 1));
        break;
      }
    }
  }
  return out.length === 1 ? out[0] : (tf.concat(out, 1) as tf.Tensor2D);
}
