import { activation, attentionContext, attentionScores, dropoutOp, gatherRows, scaledMaskedSoftmax, scatterRows, unpaddedRowsUsable } from '../../kernels/index.js';
import { tf } from '../../tf.js';
import type { EncoderConfig } from '../config.js';
import type { BlockNames } from '../weight-names.js';
import { LayerNorm, Linear, type ForwardContext } from './basic.js';
import type { RealRows } from './embeddings.js';
import { Module } from './module.js';

/**
 * Unpadded training. With dynamic padding a random batch of STSb pairs is about 55 % padding, and every dense layer,
 * LayerNorm and GELU of the stock formulation works on those rows too. In training we run them on the real tokens
 * only and pad just around attention. This is exact for everything training can observe: a padded key gets an
 * attention weight of exactly 0 (exp(-1e9 - max) underflows), so real rows never depend on padded rows, and padded
 * rows get exactly zero gradient in the stock formulation as well (the loss reads the first token only). The one
 * visible difference: in training mode the block returns zeros on padded rows instead of values nobody uses.
 * Inference keeps the stock formulation (its padded rows match PyTorch's last_hidden_state) and is length-sorted
 * by CrossEncoder.predict anyway, so it has little padding.
 */
let unpaddedTraining = true;
export function setUnpaddedTraining(enabled: boolean): void {
  unpaddedTraining = enabled;
}

/** int32 [B]: flat row indices b·T of each sequence's first token (created in the caller's tidy or tape scope). */
function firstTokenRows(B: number, T: number): tf.Tensor1D {
  return tf.tensor1d(Array.from({ length: B }, (_, b) => b * T), 'int32');
}

/** basic.ts's dropout (same seed sequence and mask), as one op that saves only its multiplier. */
function dropout(x: tf.Tensor, rate: number, ctx: ForwardContext): tf.Tensor {
  if (!ctx.training || rate <= 0) return x;
  return dropoutOp(x, rate, ctx.nextSeed());
}

/**
 * One post-LayerNorm encoder block (BertLayer / TransformerBlock):
 *   h = LN(x + drop(Wo · attn(x)));  out = LN(h + drop(W2 · act(W1 · h)))
 */
export class TransformerBlock extends Module {
  private readonly query: Linear;
  private readonly key: Linear;
  private readonly value: Linear;
  private readonly attnOut: Linear;
  private readonly attnNorm: LayerNorm;
  private readonly ffnIn: Linear;
  private readonly ffnOut: Linear;
  private readonly ffnNorm: LayerNorm;
  private readonly headDim: number;

  constructor(
    name: string,
    private readonly cfg: EncoderConfig,
    n: BlockNames,
  ) {
    super(name);
    const H = cfg.hiddenSize;
    this.query = this.child(n.query, new Linear(`${name}_q`, H, H));
    this.key = this.child(n.key, new Linear(`${name}_k`, H, H));
    this.value = this.child(n.value, new Linear(`${name}_v`, H, H));
    this.attnOut = this.child(n.attnOut, new Linear(`${name}_ao`, H, H));
    this.attnNorm = this.child(n.attnNorm, new LayerNorm(`${name}_an`, H, cfg.layerNormEps));
    this.ffnIn = this.child(n.ffnIn, new Linear(`${name}_fi`, H, cfg.intermediateSize));
    this.ffnOut = this.child(n.ffnOut, new Linear(`${name}_fo`, cfg.intermediateSize, H));
    this.ffnNorm = this.child(n.ffnNorm, new LayerNorm(`${name}_fn`, H, cfg.layerNormEps));
    this.headDim = H / cfg.numHeads;
  }

  /**
   * x: [B, T, H]; maskBias: [B, 1, 1, T], 0 for tokens and a large negative number for padding; realRows: where the
   * real tokens are (null: no padding, undefined: not known, so the padded formulation runs).
   * firstTokenOnly: return [B, 1, H], the first token's output only. The classification heads read nothing else, so
   * the last block needs keys and values for every token but queries, output projection, LayerNorms and
   * feed-forward for one row per sequence: the same values for that row, about 5/6 of the block's work saved.
   */
  forward(x: tf.Tensor3D, maskBias: tf.Tensor4D, ctx: ForwardContext, firstTokenOnly = false, realRows?: RealRows | null): tf.Tensor3D {
    const [B, T, H] = x.shape;
    const rows = ctx.training && unpaddedTraining && unpaddedRowsUsable() ? (realRows ?? null) : null;
    if (!rows) {
      const xq = firstTokenOnly ? (tf.slice(x, [0, 0, 0], [B, 1, H]) as tf.Tensor3D) : x;
      const context = this.attention(this.query.forward(xq), this.key.forward(x), this.value.forward(x), B, xq.shape[1], T, maskBias, ctx);
      return this.rest(xq, context, ctx) as tf.Tensor3D;
    }
    // Real tokens only ([n, H]); padded [B, T, H] layout just for the attention products.
    const x2 = tf.reshape(x, [B * T, H]) as tf.Tensor2D;
    const xu = gatherRows(x2, rows.index) as tf.Tensor2D;
    const pad = (t: tf.Tensor) => scatterRows(t as tf.Tensor2D, rows.index, rows.total);
    const k = pad(this.key.forward(xu));
    const v = pad(this.value.forward(xu));
    if (firstTokenOnly) {
      // Row b·T of every sequence: the first token, always a real one.
      const first = gatherRows(x2, firstTokenRows(B, T)) as tf.Tensor2D;
      const context = this.attention(this.query.forward(first), k, v, B, 1, T, maskBias, ctx);
      return tf.reshape(this.rest(first, context, ctx), [B, 1, H]);
    }
    const context = this.attention(pad(this.query.forward(xu)), k, v, B, T, T, maskBias, ctx);
    const out = this.rest(xu, gatherRows(tf.reshape(context, [B * T, H]) as tf.Tensor2D, rows.index), ctx);
    return tf.reshape(pad(out), [B, T, H]);
  }

  /**
   * Multi-head attention of Tq queries per sequence over T keys: q as [B, Tq, H] or [B·Tq, H], k and v as [B, T, H]
   * or [B·T, H]; returns the context in q's layout.
   */
  private attention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, B: number, Tq: number, T: number, maskBias: tf.Tensor4D, ctx: ForwardContext): tf.Tensor {
    const heads = this.cfg.numHeads;
    const d = this.headDim;
    const split = (t: tf.Tensor, rows: number) => tf.reshape(t, [B, rows, heads, d]) as tf.Tensor4D;
    // As HF: scale after the product, then the additive mask, softmax, dropout on the probabilities.
    const raw = attentionScores(split(q, Tq), split(k, T));
    const probs = dropout(scaledMaskedSoftmax(raw, 1 / Math.sqrt(d), maskBias), this.cfg.attentionDropout, ctx) as tf.Tensor4D;
    return tf.reshape(attentionContext(probs, split(v, T)), q.shape);
  }

  /** Output projection, residual + LayerNorm, feed-forward, residual + LayerNorm (row-wise, any leading shape). */
  private rest(x: tf.Tensor, context: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const attended = dropout(this.attnOut.forward(context), this.cfg.hiddenDropout, ctx);
    const h = this.attnNorm.forward(tf.add(attended, x));
    const ff = this.ffnOut.forward(activation(this.ffnIn.forward(h), this.cfg.hiddenAct));
    return this.ffnNorm.forward(tf.add(dropout(ff, this.cfg.hiddenDropout, ctx), h));
  }
}
