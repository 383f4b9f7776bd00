import { tf } from '../tf.js';
import type { EncoderConfig } from './config.js';
import { ARCH_NAMES, type BertFamily } from './weight-names.js';
import type { ForwardContext } from './layers/basic.js';
import { Embeddings, type EncoderInputs } from './layers/embeddings.js';
import { Module } from './layers/module.js';
import { TransformerBlock } from './layers/transformer-block.js';

/** Additive mask value for padded keys. exp(-1e9 - max) underflows to exactly 0, as torch's finfo.min does. */
export const MASKED = -1e9;

/** [B, 1, 1, T]: 0 on real tokens, MASKED on padding, added to every query's attention logits. */
export function paddingBias(attentionMask: tf.Tensor2D): tf.Tensor4D {
  const [B, T] = attentionMask.shape;
  return tf.reshape(tf.mul(tf.sub(1, attentionMask), MASKED), [B, 1, 1, T]) as tf.Tensor4D;
}

/** The encoder of a *ForSequenceClassification model: token ids in, last hidden state out. */
export abstract class EncoderModule extends Module {
  /**
   * Last hidden state [B, T, H]; with firstTokenOnly, an encoder may return just the first token's row, [B, 1, H]
   * (all a first-token head reads), which lets its last block skip the other rows.
   */
  abstract forward(inputs: EncoderInputs, ctx: ForwardContext, firstTokenOnly?: boolean): tf.Tensor3D;
}

/** BertModel / RobertaModel / DistilBertModel without pooler: embeddings then N post-LN blocks. */
export class Encoder extends EncoderModule {
  readonly embeddings: Embeddings;
  readonly blocks: TransformerBlock[];

  constructor(name: string, readonly cfg: EncoderConfig) {
    super(name);
    const names = ARCH_NAMES[cfg.architecture as BertFamily];
    this.embeddings = this.child('embeddings', new Embeddings(`${name}_emb`, cfg, names.embeddings));
    this.blocks = Array.from({ length: cfg.numLayers }, (_, i) => this.child(names.layer(i), new TransformerBlock(`${name}_l${i}`, cfg, names.block)));
  }

  /** The blocks' input [B, T, H]; ELECTRA overrides it to project its narrower embeddings. */
  protected embed(inputs: EncoderInputs, ctx: ForwardContext): tf.Tensor3D {
    return this.embeddings.forward(inputs, ctx);
  }

  forward(inputs: EncoderInputs, ctx: ForwardContext, firstTokenOnly = false): tf.Tensor3D {
    const maskBias = paddingBias(inputs.attentionMask);
    let h = this.embed(inputs, ctx);
    const last = this.blocks.length - 1;
    this.blocks.forEach((block, i) => (h = block.forward(h, maskBias, ctx, firstTokenOnly && i === last, inputs.realRows)));
    return h;
  }
}
