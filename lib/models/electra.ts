/**
 * ELECTRA (modeling_electra.py) for sequence classification:
 *   embeddings of width embedding_size → embeddings_project to hidden_size when the two differ → BERT's blocks;
 *   head (ElectraClassificationHead): out_proj(dropout(gelu(dense(dropout(h0))))) on the first token, gelu where
 *   RoBERTa's head has tanh.
 */
import { activation } from '../kernels/index.js';
import { tf } from '../tf.js';
import type { EncoderConfig } from './config.js';
import { Encoder } from './encoder.js';
import { ClassificationHead, firstToken } from './heads.js';
import { dropout, Linear, type ForwardContext } from './layers/basic.js';
import type { EncoderInputs } from './layers/embeddings.js';
import { ELECTRA_EMBEDDINGS_PROJECTION, HEAD_NAMES } from './weight-names.js';

export class ElectraEncoder extends Encoder {
  private readonly projection: Linear | undefined;

  constructor(name: string, cfg: EncoderConfig) {
    super(name, cfg);
    this.projection =
      cfg.embeddingSize !== cfg.hiddenSize ? this.child(ELECTRA_EMBEDDINGS_PROJECTION, new Linear(`${name}_proj`, cfg.embeddingSize, cfg.hiddenSize)) : undefined;
  }

  protected override embed(inputs: EncoderInputs, ctx: ForwardContext): tf.Tensor3D {
    const e = this.embeddings.forward(inputs, ctx);
    return this.projection ? (this.projection.forward(e) as tf.Tensor3D) : e;
  }
}

export class ElectraHead extends ClassificationHead {
  private readonly dense: Linear;
  private readonly outProj: Linear;
  constructor(name: string, private readonly cfg: EncoderConfig) {
    super(name);
    this.dense = this.child(HEAD_NAMES.electra.dense, new Linear(`${name}_dense`, cfg.hiddenSize, cfg.hiddenSize));
    this.outProj = this.child(HEAD_NAMES.electra.outProj, new Linear(`${name}_out`, cfg.hiddenSize, cfg.numLabels));
  }
  forward(h: tf.Tensor3D, ctx: ForwardContext): tf.Tensor2D {
    // transformers hard-codes get_activation("gelu") here (the erf form), whatever hidden_act says.
    const x = activation(this.dense.forward(dropout(firstToken(h), this.cfg.classifierDropout, ctx)), 'gelu');
    return this.outProj.forward(dropout(x, this.cfg.classifierDropout, ctx)) as tf.Tensor2D;
  }
}
