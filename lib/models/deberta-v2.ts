/**
 * DeBERTa-v2 / v3 (modeling_deberta_v2.py) for sequence classification:
 *   embeddings: word (+ absolute positions when position_biased_input) (+ token types), embed_proj when
 *     embedding_size ≠ hidden_size, LayerNorm, then padded rows zeroed, dropout;
 *   each layer is BERT's post-LayerNorm block with disentangled attention:
 *     scores = q·kᵀ/s + c2p + p2c,  s = √(d · (1 + #terms)),
 *     c2p[i, j] = q_i · Kr[δ(i, j)] / s   (Kr: relative embeddings through the key projection),
 *     p2c[i, j] = k_j · Qr[δ'(j, i)] / s  (Qr: through the query projection),
 *     with δ the (log-bucketed) relative distance i − j shifted into [0, 2·span) and clamped;
 *     softmax over real keys, then padded query rows set to zero, as XSoftmax does;
 *   head (ContextPooler): classifier(dropout(act(dense(dropout(h0))))).
 */
import { activation, attentionContext, attentionScores, dropoutOp, gatherRows, scaledMaskedSoftmax } from '../kernels/index.js';
import { tf } from '../tf.js';
import type { DebertaV2Settings, EncoderConfig } from './config.js';
import { EncoderModule, paddingBias } from './encoder.js';
import { ClassificationHead, firstToken } from './heads.js';
import { LayerNorm, Linear, type ForwardContext } from './layers/basic.js';
import type { EncoderInputs } from './layers/embeddings.js';
import { Module } from './layers/module.js';
import { DEBERTA_V2_NAMES } from './weight-names.js';

function settingsOf(cfg: EncoderConfig): DebertaV2Settings {
  if (!cfg.debertaV2) throw new Error(`internal: a DeBERTa-v2 module built from a ${cfg.architecture} config`);
  return cfg.debertaV2;
}

function dropout(x: tf.Tensor, rate: number, ctx: ForwardContext): tf.Tensor {
  return ctx.training && rate > 0 ? dropoutOp(x, rate, ctx.nextSeed()) : x;
}

/**
 * make_log_bucket_position: distances within ±bucket/2 stay, longer ones map to log-spaced buckets. Computed in
 * float32 step by step, as torch does, so the ceil lands on the same bucket.
 */
function bucketPosition(rel: number, bucketSize: number, maxPosition: number): number {
  const f = Math.fround;
  const mid = Math.floor(bucketSize / 2);
  const abs = rel < mid && rel > -mid ? mid - 1 : Math.abs(rel);
  if (abs <= mid) return rel;
  const ratio = f(Math.log(f(abs / mid)));
  const base = f(Math.log(f((maxPosition - 1) / mid)));
  const logPos = Math.ceil(f(f(ratio / base) * (mid - 1))) + mid;
  return logPos * Math.sign(rel);
}

/**
 * Flat gather indices for the two position terms on [B·heads·T, 2·span] score rows:
 *   c2p[bh, i, j] = C[bh, i, clamp(δ(i, j) + span)],  p2c[bh, i, j] = P[bh, j, clamp(−δ(j, i) + span)]
 * (the p2c gather and HF's transpose(-1, -2) in one index).
 */
function positionIndices(BH: number, T: number, s: DebertaV2Settings, span: number): { c2p: Int32Array; p2c: Int32Array } {
  const rel = new Int32Array(T * T);
  for (let i = 0; i < T; i++) {
    for (let j = 0; j < T; j++) rel[i * T + j] = s.positionBuckets > 0 && s.maxRelativePositions > 0 ? bucketPosition(i - j, s.positionBuckets, s.maxRelativePositions) : i - j;
  }
  const clamp = (v: number) => Math.min(Math.max(v, 0), 2 * span - 1);
  const c2p = new Int32Array(BH * T * T);
  const p2c = new Int32Array(BH * T * T);
  for (let bh = 0; bh < BH; bh++) {
    for (let i = 0; i < T; i++) {
      for (let j = 0; j < T; j++) {
        const o = (bh * T + i) * T + j;
        c2p[o] = (bh * T + i) * 2 * span + clamp(rel[i * T + j]! + span);
        p2c[o] = (bh * T + j) * 2 * span + clamp(-rel[j * T + i]! + span);
      }
    }
  }
  return { c2p, p2c };
}

/** scores[bh·T·2span] gathered at flat indices → [B, heads, T, T]. */
function gatherScores(scores: tf.Tensor4D, idx: Int32Array, B: number, heads: number, T: number): tf.Tensor4D {
  const table = tf.reshape(scores, [-1, 1]) as tf.Tensor2D;
  return tf.reshape(gatherRows(table, tf.tensor1d(idx, 'int32'), idx), [B, heads, T, T]);
}

class DebertaV2Layer extends Module {
  private readonly query: Linear;
  private readonly key: Linear;
  private readonly value: Linear;
  private readonly posKey: Linear | undefined;
  private readonly posQuery: Linear | undefined;
  private readonly attnOut: Linear;
  private readonly attnNorm: LayerNorm;
  private readonly ffnIn: Linear;
  private readonly ffnOut: Linear;
  private readonly ffnNorm: LayerNorm;
  private readonly s: DebertaV2Settings;

  constructor(
    name: string,
    private readonly cfg: EncoderConfig,
  ) {
    super(name);
    this.s = settingsOf(cfg);
    const n = DEBERTA_V2_NAMES.block;
    const H = cfg.hiddenSize;
    this.query = this.child(n.query, new Linear(`${name}_q`, H, H));
    this.key = this.child(n.key, new Linear(`${name}_k`, H, H));
    this.value = this.child(n.value, new Linear(`${name}_v`, H, H));
    const own = this.s.relativeAttention && !this.s.shareAttKey;
    this.posKey = own && this.s.c2p ? this.child(n.posKey, new Linear(`${name}_pk`, H, H)) : undefined;
    this.posQuery = own && this.s.p2c ? this.child(n.posQuery, new Linear(`${name}_pq`, H, H)) : undefined;
    this.attnOut = this.child(n.attnOut, new Linear(`${name}_ao`, H, H));
    this.attnNorm = this.child(n.attnNorm, new LayerNorm(`${name}_an`, H, cfg.layerNormEps));
    this.ffnIn = this.child(n.ffnIn, new Linear(`${name}_fi`, H, cfg.intermediateSize));
    this.ffnOut = this.child(n.ffnOut, new Linear(`${name}_fo`, cfg.intermediateSize, H));
    this.ffnNorm = this.child(n.ffnNorm, new LayerNorm(`${name}_fn`, H, cfg.layerNormEps));
  }

  /**
   * x [B, T, H]; maskBias [B, 1, 1, T]; queryMask [B, 1, T, 1]; rel: the (normalised) relative embeddings
   * [2·span, H] and the gather indices, when relative attention is on.
   */
  forward(
    x: tf.Tensor3D,
    maskBias: tf.Tensor4D,
    queryMask: tf.Tensor4D,
    rel: { embeddings: tf.Tensor2D; c2p: Int32Array; p2c: Int32Array } | undefined,
    ctx: ForwardContext,
  ): tf.Tensor3D {
    const [B, T, H] = x.shape;
    const heads = this.cfg.numHeads;
    const d = H / heads;
    const split = (t: tf.Tensor, rows: number, batch = B) => tf.reshape(t, [batch, rows, heads, d]) as tf.Tensor4D;
    const q = split(this.query.forward(x), T);
    const k = split(this.key.forward(x), T);
    const v = split(this.value.forward(x), T);
    const terms = 1 + (this.s.c2p ? 1 : 0) + (this.s.p2c ? 1 : 0);
    const scale = Math.fround(Math.sqrt(Math.fround(d * terms)));
    // HF divides the keys before the product: bmm(q, kᵀ / s).
    let scores = attentionScores(q, tf.div(k, scale) as tf.Tensor4D);
    if (rel) {
      const span = rel.embeddings.shape[0] / 2;
      const r = dropout(rel.embeddings, this.cfg.hiddenDropout, ctx);
      // The position projections broadcast over the batch as HF's .repeat() does.
      const tile = (t: tf.Tensor) => tf.tile(split(t, 2 * span, 1), [B, 1, 1, 1]) as tf.Tensor4D;
      let bias: tf.Tensor | undefined;
      if (this.s.c2p) {
        const posKey = tile((this.posKey ?? this.key).forward(r));
        bias = tf.div(gatherScores(attentionScores(q, posKey), rel.c2p, B, heads, T), scale);
      }
      if (this.s.p2c) {
        const posQuery = tile((this.posQuery ?? this.query).forward(r));
        const p2c = tf.div(gatherScores(attentionScores(k, posQuery), rel.p2c, B, heads, T), scale);
        bias = bias ? tf.add(bias, p2c) : p2c;
      }
      if (bias) scores = tf.add(scores, bias) as tf.Tensor4D;
    }
    const probs = tf.mul(scaledMaskedSoftmax(scores, 1, maskBias), queryMask) as tf.Tensor4D;
    const context = tf.reshape(attentionContext(dropout(probs, this.cfg.attentionDropout, ctx) as tf.Tensor4D, v), [B, T, H]);
    const h = this.attnNorm.forward(tf.add(dropout(this.attnOut.forward(context), this.cfg.hiddenDropout, ctx), x));
    const ff = this.ffnOut.forward(activation(this.ffnIn.forward(h), this.cfg.hiddenAct));
    return this.ffnNorm.forward(tf.add(dropout(ff, this.cfg.hiddenDropout, ctx), h)) as tf.Tensor3D;
  }
}

export class DebertaV2Encoder extends EncoderModule {
  private readonly word: tf.Variable;
  private readonly position: tf.Variable | undefined;
  private readonly tokenType: tf.Variable | undefined;
  private readonly projection: Linear | undefined;
  private readonly embNorm: LayerNorm;
  private readonly layers: DebertaV2Layer[];
  private readonly relEmbeddings: tf.Variable | undefined;
  private readonly relNorm: LayerNorm | undefined;
  private readonly s: DebertaV2Settings;

  constructor(name: string, private readonly cfg: EncoderConfig) {
    super(name);
    this.s = settingsOf(cfg);
    const n = DEBERTA_V2_NAMES;
    const E = cfg.embeddingSize;
    const H = cfg.hiddenSize;
    this.word = this.param(`${n.embeddings.word}.weight`, [cfg.vocabSize, E], 'same', 'normal');
    this.position = this.s.positionBiasedInput ? this.param(`${n.embeddings.position}.weight`, [cfg.maxPositionEmbeddings, E], 'same', 'normal') : undefined;
    this.tokenType = cfg.typeVocabSize > 0 ? this.param(`${n.embeddings.tokenType}.weight`, [cfg.typeVocabSize, E], 'same', 'normal') : undefined;
    this.projection = E !== H ? this.child(n.embeddings.projection, new Linear(`${name}_proj`, E, H, false)) : undefined;
    this.embNorm = this.child(n.embeddings.norm, new LayerNorm(`${name}_en`, H, cfg.layerNormEps));
    this.layers = Array.from({ length: cfg.numLayers }, (_, i) => this.child(n.layer(i), new DebertaV2Layer(`${name}_l${i}`, cfg)));
    if (this.s.relativeAttention) {
      const span = this.s.positionBuckets > 0 ? this.s.positionBuckets : this.s.maxRelativePositions;
      this.relEmbeddings = this.param(`${n.relEmbeddings}.weight`, [2 * span, H], 'same', 'normal');
      this.relNorm = this.s.normRelEmbeddings ? this.child(n.relNorm, new LayerNorm(`${name}_rn`, H, cfg.layerNormEps)) : undefined;
    }
  }

  /** Every row: DeBERTa's heads read the first token, but its keys' relative terms need every layer's full output. */
  forward(inputs: EncoderInputs, ctx: ForwardContext): tf.Tensor3D {
    const [B, T] = inputs.attentionMask.shape;
    const host = inputs.onHost;
    let e = gatherRows(this.word as tf.Tensor2D, inputs.inputIds, host?.inputIds);
    if (this.position) e = tf.add(e, gatherRows(this.position as tf.Tensor2D, inputs.positionIds, host?.positionIds));
    if (this.tokenType) {
      const types = inputs.tokenTypeIds ?? tf.zerosLike(inputs.inputIds);
      e = tf.add(e, gatherRows(this.tokenType as tf.Tensor2D, types, inputs.tokenTypeIds ? host?.tokenTypeIds : new Int32Array(inputs.inputIds.size)));
    }
    if (this.projection) e = this.projection.forward(e);
    const rowMask = tf.expandDims(inputs.attentionMask, 2);
    let h = dropout(tf.mul(this.embNorm.forward(e), rowMask), this.cfg.hiddenDropout, ctx) as tf.Tensor3D;

    const maskBias = paddingBias(inputs.attentionMask);
    const queryMask = tf.reshape(inputs.attentionMask, [B, 1, T, 1]) as tf.Tensor4D;
    let rel: { embeddings: tf.Tensor2D; c2p: Int32Array; p2c: Int32Array } | undefined;
    if (this.relEmbeddings) {
      const table = this.relEmbeddings as tf.Tensor2D;
      const embeddings = (this.relNorm ? this.relNorm.forward(table) : table) as tf.Tensor2D;
      rel = { embeddings, ...positionIndices(B * this.cfg.numHeads, T, this.s, table.shape[0] / 2) };
    }
    for (const layer of this.layers) h = layer.forward(h, maskBias, queryMask, rel, ctx);
    return h;
  }
}

export class DebertaV2Head extends ClassificationHead {
  private readonly pooler: Linear;
  private readonly classifier: Linear;
  private readonly s: DebertaV2Settings;

  constructor(name: string, private readonly cfg: EncoderConfig) {
    super(name);
    this.s = settingsOf(cfg);
    this.pooler = this.child(DEBERTA_V2_NAMES.head.pooler, new Linear(`${name}_pool`, cfg.hiddenSize, cfg.hiddenSize));
    this.classifier = this.child(DEBERTA_V2_NAMES.head.classifier, new Linear(`${name}_cls`, cfg.hiddenSize, cfg.numLabels));
  }

  forward(h: tf.Tensor3D, ctx: ForwardContext): tf.Tensor2D {
    const pooled = activation(this.pooler.forward(dropout(firstToken(h), this.s.poolerDropout, ctx)), this.s.poolerHiddenAct);
    return this.classifier.forward(dropout(pooled, this.cfg.classifierDropout, ctx)) as tf.Tensor2D;
  }
}
