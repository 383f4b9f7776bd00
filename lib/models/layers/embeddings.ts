import { gatherRows } from '../../kernels/index.js';
import { tf } from '../../tf.js';
import type { EncoderConfig } from '../config.js';
import type { EmbeddingNames } from '../weight-names.js';
import { dropout, LayerNorm, type ForwardContext } from './basic.js';
import { Module } from './module.js';

export interface EncoderInputs {
  /** int32 [B, T] */
  inputIds: tf.Tensor2D;
  /** float32 [B, T], 1 for real tokens */
  attentionMask: tf.Tensor2D;
  /** int32 [B, T]; absent for models without token types */
  tokenTypeIds?: tf.Tensor2D;
  /** int32 [B, T] (RoBERTa: padding_idx + 1 + running count of non-pad tokens) */
  positionIds: tf.Tensor2D;
  /** Where the real tokens are, for unpadded training (null: no padding; absent: unknown, so padded layers run). */
  realRows?: RealRows | null;
  /** The id tensors' values on the host, where known (some backends need them for a deterministic gradient). */
  onHost?: { inputIds: ArrayLike<number>; positionIds: ArrayLike<number>; tokenTypeIds?: ArrayLike<number> };
}

/** The real (non-padding) tokens of a batch, found on the host from the attention mask. */
export interface RealRows {
  /** int32 [n]: flat indices (b·T + t) of the real tokens. */
  index: tf.Tensor1D;
  n: number;
  /** B·T */
  total: number;
}

/** Word + position (+ token type) embeddings, LayerNorm, dropout — BertEmbeddings / RobertaEmbeddings / DistilBERT Embeddings / ElectraEmbeddings. */
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
    const H = cfg.embeddingSize; // ELECTRA's may be narrower than the hidden size
    this.word = this.param(`${names.word}.weight`, [cfg.vocabSize, H], 'same', 'normal');
    this.position = this.param(`${names.position}.weight`, [cfg.maxPositionEmbeddings, H], 'same', 'normal');
    if (names.tokenType && cfg.typeVocabSize > 0) this.tokenType = this.param(`${names.tokenType}.weight`, [cfg.typeVocabSize, H], 'same', 'normal');
    this.norm = this.child(names.norm, new LayerNorm(`${name}_norm`, H, cfg.layerNormEps));
  }

  forward(inputs: EncoderInputs, ctx: ForwardContext): tf.Tensor3D {
    const host = inputs.onHost;
    let x = tf.add(gatherRows(this.word as tf.Tensor2D, inputs.inputIds, host?.inputIds), gatherRows(this.position as tf.Tensor2D, inputs.positionIds, host?.positionIds));
    if (this.tokenType) {
      const types = inputs.tokenTypeIds ?? tf.zerosLike(inputs.inputIds);
      x = tf.add(x, gatherRows(this.tokenType as tf.Tensor2D, types, inputs.tokenTypeIds ? host?.tokenTypeIds : new Int32Array(inputs.inputIds.size)));
    }
    return dropout(this.norm.forward(x), this.cfg.hiddenDropout, ctx) as tf.Tensor3D;
  }
}
