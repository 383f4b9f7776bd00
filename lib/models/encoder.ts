import { tf } from '../tf.js';
import type { EncoderConfig } from './config.js';
import { ARCH_NAMES } from './weight-names.js';
import type { ForwardContext } from './layers/basic.js';
import { Embeddings, type EncoderInputs } from './layers/embeddings.js';
import { Module } from './layers/module.js';
import { TransformerBlock } from './layers/transformer-block.js';

/** Additive mask value for padded keys. exp(-1e9 - max) underflows to exactly 0, as torch's finfo.min does. */
const MASKED = -1e9;

/** BertModel / RobertaModel / DistilBertModel without pooler: embeddings then N post-LN blocks. */
export class Encoder extends Module {
  readonly embeddings: Embeddings;
  readonly blocks: TransformerBlock[];

  constructor(name: string, readonly cfg: EncoderConfig) {
    super(name);
    const names = ARCH_NAMES[cfg.architecture];
    this.embeddings = this.child('embeddings', new Embeddings(`${name}_emb`, cfg, names.embeddings));
    this.blocks = Array.from({ length: cfg.numLayers }, (_, i) => this.child(names.layer(i), new TransformerBlock(`${name}_l${i}`, cfg, names.block)));
  }

  /**
   * Last hidden state [B, T, H]; with firstTokenOnly, just the first token's row of it, [B, 1, H] (what the
   * classification heads read), which lets the last block skip the other rows.
   */
  forward(inputs: EncoderInputs, ctx: ForwardContext, firstTokenOnly = false): tf.Tensor3D {
    const [B, T] = inputs.attentionMask.shape;
    const maskBias = tf.reshape(tf.mul(tf.sub(1, inputs.attentionMask), MASKED), [B, 1, 1, T]) as tf.Tensor4D;
    let h = this.embeddings.forward(inputs, ctx);
    const last = this.blocks.length - 1;
    this.blocks.forEach((block, i) => (h = block.forward(h, maskBias, ctx, firstTokenOnly && i === last, inputs.realRows)));
    return h;
  }
}
