/**
 * ModernBERT (modeling_modernbert.py) for sequence classification, as transformers' eager attention computes it:
 *   h = norm(tok_embeddings[ids]), dropout
 *   each layer (pre-LayerNorm; layer 0 has no attention norm):
 *     h = h + Wo · attn(rope(q), rope(k), v)   over all tokens (full_attention layers) or |i − j| ≤ window / 2
 *                                               (sliding_attention layers), each with its own rotary base
 *     h = h + Wo · (act(a) · g), [a, g] = Wi · mlp_norm(h)   (GeGLU)
 *   final_norm; head: norm(act(dense(pool(h)))) with pool = first token or masked mean, dropout, classifier.
 * Most Linear and LayerNorm layers have no bias unless the config says so.
 */
import { activation, attentionContext, attentionScores, dropoutOp, gatherRows, scaledMaskedSoftmax } from '../kernels/index.js';
import { tf } from '../tf.js';
import type { EncoderConfig, ModernBertSettings } from './config.js';
import { EncoderModule, MASKED, paddingBias } from './encoder.js';
import { ClassificationHead, firstToken } from './heads.js';
import { LayerNorm, Linear, type ForwardContext } from './layers/basic.js';
import type { EncoderInputs } from './layers/embeddings.js';
import { Module } from './layers/module.js';
import { MODERNBERT_NAMES } from './weight-names.js';

function settingsOf(cfg: EncoderConfig): ModernBertSettings {
  if (!cfg.modernBert) throw new Error(`internal: a ModernBERT module built from a ${cfg.architecture} config`);
  return cfg.modernBert;
}

function dropout(x: tf.Tensor, rate: number, ctx: ForwardContext): tf.Tensor {
  return ctx.training && rate > 0 ? dropoutOp(x, rate, ctx.nextSeed()) : x;
}

/** cos and sin of position · inv_freq, [T, d] (the d/2 frequencies twice), rounded to float32 step by step as torch computes them. */
const rotaryCache = new Map<string, { cos: Float32Array; sin: Float32Array }>();
function rotaryTables(T: number, d: number, theta: number): { cos: Float32Array; sin: Float32Array } {
  const key = `${T}:${d}:${theta}`;
  let t = rotaryCache.get(key);
  if (!t) {
    const f = Math.fround;
    const half = d / 2;
    const inv = Float32Array.from({ length: half }, (_, i) => f(1 / f(Math.pow(theta, f((2 * i) / d)))));
    const cos = new Float32Array(T * d);
    const sin = new Float32Array(T * d);
    for (let p = 0; p < T; p++) {
      for (let i = 0; i < half; i++) {
        const angle = f(p * inv[i]!);
        cos[p * d + i] = cos[p * d + i + half] = Math.cos(angle);
        sin[p * d + i] = sin[p * d + i + half] = Math.sin(angle);
      }
    }
    t = { cos, sin };
    if (rotaryCache.size > 64) rotaryCache.clear();
    rotaryCache.set(key, t);
  }
  return t;
}

/** x · cos + rotate_half(x) · sin on [B, T, heads, d], rotate_half(x) = [−x₂, x₁]. */
function applyRotary(x: tf.Tensor4D, cos: tf.Tensor4D, sin: tf.Tensor4D): tf.Tensor4D {
  const d = x.shape[3];
  const [x1, x2] = tf.split(x, [d / 2, d / 2], 3);
  const rotated = tf.concat([tf.neg(x2!), x1!], 3);
  return tf.add(tf.mul(x, cos), tf.mul(rotated, sin)) as tf.Tensor4D;
}

/** [1, 1, T, T]: 0 where |i − j| ≤ half, MASKED elsewhere. */
function slidingWindowBias(T: number, half: number): tf.Tensor4D {
  const bias = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) bias[i * T + j] = Math.abs(i - j) <= half ? 0 : MASKED;
  return tf.tensor4d(bias, [1, 1, T, T]);
}

class ModernBertLayer extends Module {
  private readonly attnNorm: LayerNorm | undefined;
  private readonly qkv: Linear;
  private readonly attnOut: Linear;
  private readonly mlpNorm: LayerNorm;
  private readonly mlpIn: Linear;
  private readonly mlpOut: Linear;
  private readonly heads: number;
  private readonly headDim: number;

  constructor(
    name: string,
    private readonly cfg: EncoderConfig,
    index: number,
    readonly sliding: boolean,
  ) {
    super(name);
    const s = settingsOf(cfg);
    const n = MODERNBERT_NAMES.block;
    const H = cfg.hiddenSize;
    const I = cfg.intermediateSize;
    // Layer 0's attention input is the embedding norm's output already (HF: nn.Identity).
    this.attnNorm = index === 0 ? undefined : this.child(n.attnNorm, new LayerNorm(`${name}_an`, H, cfg.layerNormEps, s.normBias));
    this.qkv = this.child(n.qkv, new Linear(`${name}_qkv`, H, 3 * H, s.attentionBias));
    this.attnOut = this.child(n.attnOut, new Linear(`${name}_ao`, H, H, s.attentionBias));
    this.mlpNorm = this.child(n.mlpNorm, new LayerNorm(`${name}_mn`, H, cfg.layerNormEps, s.normBias));
    this.mlpIn = this.child(n.mlpIn, new Linear(`${name}_wi`, H, 2 * I, s.mlpBias));
    this.mlpOut = this.child(n.mlpOut, new Linear(`${name}_wo`, I, H, s.mlpBias));
    this.heads = cfg.numHeads;
    this.headDim = H / cfg.numHeads;
  }

  /** x [B, T, H]; maskBias [B, 1, 1 or T, T]; cos/sin [1, T, 1, d] for this layer's rotary base. */
  forward(x: tf.Tensor3D, maskBias: tf.Tensor4D, cos: tf.Tensor4D, sin: tf.Tensor4D, ctx: ForwardContext): tf.Tensor3D {
    const [B, T, H] = x.shape;
    const split = (t: tf.Tensor) => tf.reshape(t, [B, T, this.heads, this.headDim]) as tf.Tensor4D;
    // Wqkv's output is [q | k | v], each heads × head_dim (HF: view(..., 3, heads, head_dim)).
    const [q, k, v] = tf.split(this.qkv.forward(this.attnNorm ? this.attnNorm.forward(x) : x), 3, 2);
    const raw = attentionScores(applyRotary(split(q!), cos, sin), applyRotary(split(k!), cos, sin));
    const probs = dropout(scaledMaskedSoftmax(raw, this.headDim ** -0.5, maskBias), this.cfg.attentionDropout, ctx) as tf.Tensor4D;
    const context = tf.reshape(attentionContext(probs, split(v!)), [B, T, H]);
    const h = tf.add(x, dropout(this.attnOut.forward(context), this.cfg.attentionDropout, ctx));
    const [a, g] = tf.split(this.mlpIn.forward(this.mlpNorm.forward(h)), 2, 2);
    const glu = dropout(tf.mul(activation(a!, this.cfg.hiddenAct), g!), settingsOf(this.cfg).mlpDropout, ctx);
    return tf.add(h, this.mlpOut.forward(glu)) as tf.Tensor3D;
  }
}

export class ModernBertEncoder extends EncoderModule {
  private readonly word: tf.Variable;
  private readonly embNorm: LayerNorm;
  private readonly layers: ModernBertLayer[];
  private readonly finalNorm: LayerNorm;
  private readonly s: ModernBertSettings;

  constructor(name: string, private readonly cfg: EncoderConfig) {
    super(name);
    this.s = settingsOf(cfg);
    const H = cfg.hiddenSize;
    this.word = this.param(`${MODERNBERT_NAMES.embeddings.word}.weight`, [cfg.vocabSize, H], 'same', 'normal');
    this.embNorm = this.child(MODERNBERT_NAMES.embeddings.norm, new LayerNorm(`${name}_en`, H, cfg.layerNormEps, this.s.normBias));
    this.layers = this.s.layerTypes.map((t, i) => this.child(MODERNBERT_NAMES.layer(i), new ModernBertLayer(`${name}_l${i}`, cfg, i, t === 'sliding_attention')));
    this.finalNorm = this.child(MODERNBERT_NAMES.finalNorm, new LayerNorm(`${name}_fn`, H, cfg.layerNormEps, this.s.normBias));
  }

  /** Always every row: the sliding-window layers give no shortcut for the first token's row alone. */
  forward(inputs: EncoderInputs, ctx: ForwardContext): tf.Tensor3D {
    const [, T] = inputs.attentionMask.shape;
    const d = this.cfg.hiddenSize / this.cfg.numHeads;
    const global = paddingBias(inputs.attentionMask);
    // A key is masked if it is padding or outside the window; min (not sum) keeps one MASKED value, as HF's boolean
    // mask does, so a padded query row with no key left gets the same (uniform) weights as in PyTorch.
    const sliding = this.layers.some((l) => l.sliding) ? (tf.minimum(global, slidingWindowBias(T, Math.floor(this.s.localAttention / 2))) as tf.Tensor4D) : global;
    const tables = (theta: number): [tf.Tensor4D, tf.Tensor4D] => {
      const t = rotaryTables(T, d, theta);
      return [tf.tensor4d(t.cos, [1, T, 1, d]), tf.tensor4d(t.sin, [1, T, 1, d])];
    };
    const globalRope = tables(this.s.globalRopeTheta);
    const localRope = this.layers.some((l) => l.sliding) ? tables(this.s.localRopeTheta) : globalRope;
    let h = gatherRows(this.word as tf.Tensor2D, inputs.inputIds, inputs.onHost?.inputIds) as tf.Tensor3D;
    h = dropout(this.embNorm.forward(h), this.s.embeddingDropout, ctx) as tf.Tensor3D;
    for (const layer of this.layers) {
      const [cos, sin] = layer.sliding ? localRope : globalRope;
      h = layer.forward(h, layer.sliding ? sliding : global, cos, sin, ctx);
    }
    return this.finalNorm.forward(h) as tf.Tensor3D;
  }
}

export class ModernBertHead extends ClassificationHead {
  private readonly dense: Linear;
  private readonly norm: LayerNorm;
  private readonly classifier: Linear;
  private readonly s: ModernBertSettings;

  constructor(name: string, private readonly cfg: EncoderConfig) {
    super(name);
    this.s = settingsOf(cfg);
    const H = cfg.hiddenSize;
    const n = MODERNBERT_NAMES.head;
    this.dense = this.child(n.dense, new Linear(`${name}_dense`, H, H, this.s.classifierBias));
    this.norm = this.child(n.norm, new LayerNorm(`${name}_norm`, H, cfg.layerNormEps, this.s.normBias));
    this.classifier = this.child(n.classifier, new Linear(`${name}_cls`, H, cfg.numLabels));
  }

  override readsFirstTokenOnly(): boolean {
    return this.s.classifierPooling === 'cls';
  }

  forward(h: tf.Tensor3D, ctx: ForwardContext, inputs?: EncoderInputs): tf.Tensor2D {
    let pooled: tf.Tensor2D;
    if (this.s.classifierPooling === 'cls') {
      pooled = firstToken(h);
    } else {
      if (!inputs) throw new Error('internal: ModernBERT mean pooling needs the attention mask');
      const mask = inputs.attentionMask;
      pooled = tf.div(tf.sum(tf.mul(h, tf.expandDims(mask, 2)), 1), tf.sum(mask, 1, true)) as tf.Tensor2D;
    }
    const x = this.norm.forward(activation(this.dense.forward(pooled), this.s.classifierActivation));
    return this.classifier.forward(dropout(x, this.cfg.classifierDropout, ctx)) as tf.Tensor2D;
  }
}
