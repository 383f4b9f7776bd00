import { tf } from '../../backend.js';
import type { EncoderConfig } from '../config.js';
import type { BlockNames } from '../weight-names.js';
import { dropout, LayerNorm, Linear, type ForwardContext } from './basic.js';
import { Module } from './module.js';
import { activation } from './ops.js';

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

  /** x: [B, T, H]; maskBias: [B, 1, 1, T], 0 for tokens and a large negative number for padding. */
  forward(x: tf.Tensor3D, maskBias: tf.Tensor4D, ctx: ForwardContext): tf.Tensor3D {
    const [B, T, H] = x.shape;
    const heads = this.cfg.numHeads;
    const d = this.headDim;
    // [B, T, H] → [B, h, T, d]; keys go straight to [B, h, d, T] so the score matmul needs no transpose flag.
    const q = tf.transpose(tf.reshape(this.query.forward(x), [B, T, heads, d]), [0, 2, 1, 3]);
    const kT = tf.transpose(tf.reshape(this.key.forward(x), [B, T, heads, d]), [0, 2, 3, 1]);
    const v = tf.transpose(tf.reshape(this.value.forward(x), [B, T, heads, d]), [0, 2, 1, 3]);
    const scores = tf.add(tf.mul(tf.matMul(q as tf.Tensor4D, kT as tf.Tensor4D), 1 / Math.sqrt(d)), maskBias);
    const probs = dropout(tf.softmax(scores), this.cfg.attentionDropout, ctx);
    const context = tf.reshape(tf.transpose(tf.matMul(probs as tf.Tensor4D, v as tf.Tensor4D), [0, 2, 1, 3]), [B, T, H]);
    const attended = dropout(this.attnOut.forward(context), this.cfg.hiddenDropout, ctx);
    const h = this.attnNorm.forward(tf.add(attended, x));
    const ff = this.ffnOut.forward(activation(this.ffnIn.forward(h), this.cfg.hiddenAct));
    return this.ffnNorm.forward(tf.add(dropout(ff, this.cfg.hiddenDropout, ctx), h)) as tf.Tensor3D;
  }
}
