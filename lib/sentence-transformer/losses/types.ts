/**
 * What a bi-encoder loss is to the trainer: a function of the text columns' embeddings (and the labels), as
 * sentence-transformers' losses are once their `self.model(...)` calls have run. Column rule as sentence-transformers':
 * the label column is the label, every other column is a text input of the loss, in order.
 */
import type { tf } from '../../tf.js';

export interface EmbeddingLoss {
  /** sentence-transformers' class name, as the model card and logs show it. */
  readonly name: string;
  /** Whether the loss reads a label per row (CoSENT, AnglE, CosineSimilarity) or none (the ranking losses). */
  readonly usesLabels: boolean;
  /** How many text columns it takes. */
  readonly columns: { min: number; max: number };
  /**
   * GradCache (CachedMultipleNegativesRankingLoss): the trainer embeds the step's texts in chunks of this size without
   * a tape, takes the loss's gradient with respect to the embeddings, then re-runs each chunk with the tape.
   */
  readonly miniBatchSize?: number;
  /** The loss from one [B, D] embedding tensor per text column and, where used, float labels [B]. Call inside a tape or tidy. */
  fromEmbeddings(embeddings: readonly tf.Tensor2D[], labels?: tf.Tensor1D): tf.Scalar;
}
