import { tf } from '../../backend.js';
import type { EncoderConfig } from '../config.js';
import type { EmbeddingNames } from '../weight-names.js';
import { dropout, LayerNorm, type ForwardContext } from './basic.js';
import { Module } from './module.js';
import { gatherRows } from './ops.js';

export interface EncoderInputs {
  /** int32 [B, T] */
  inputIds: tf.Tensor2D;
  /** float32 [B, T], 1 for real tokens */
  attentionMask: tf.Tensor2D;
  /** int32 [B, T]; absent for models without token types */
  tokenTypeIds?: tf.Tensor2D;
  /** int32 [B, T] (RoBERTa: padding_idx + 1 + running count of non-pad tokens) */
  positionIds: tf.Tensor2D;
}

/** Word + position (+ token type) embeddings, LayerNorm, dropout — BertEmbeddings / RobertaEmbeddings / DistilBERT Embeddings. */
export class Embeddings extends Module {
  private readonly word: tf.Variable;
  private readonly position: tf.Variable;
  private readonly tokenType?: tf.Variable;
  private readonly norm: LayerNorm;

  constructor(
    name: string,
    private readonly cfg: EncoderConfig,
    names: EmbeddingNames,
  ) {
    super(name);
    const H = cfg.hiddenSize;
    this.word = this.param(`${names.word}.weight`, [cfg.vocabSize, H], 'same', 'normal');
    this.position = this.param(`${names.position}.weight`, [cfg.maxPositionEmbeddings, H], 'same', 'normal');
    if (names.tokenType && cfg.typeVocabSize > 0) this.tokenType = this.param(`${names.tokenType}.weight`, [cfg.typeVocabSize, H], 'same', 'normal');
    this.norm = this.child(names.norm, new LayerNorm(`${name}_norm`, H, cfg.layerNormEps));
  }

  forward(inputs: EncoderInputs, ctx: ForwardContext): tf.Tensor3D {
    let x = tf.add(gatherRows(this.word as tf.Tensor2D, inputs.inputIds), gatherRows(this.position as tf.Tensor2D, inputs.positionIds));
    if (this.tokenType) {
      const types = inputs.tokenTypeIds ?? tf.zerosLike(inputs.inputIds);
      x = tf.add(x, gatherRows(this.tokenType as tf.Tensor2D, types));
    }
    return dropout(this.norm.forward(x), this.cfg.hiddenDropout, ctx) as tf.Tensor3D;
  }
}
