/**
 * The training rows of the cross-encoder ranking losses: one query group each, in the shapes sentence-transformers'
 * CrossEncoder data collator hands those losses (its dataset columns, one row per query). The readers of
 * sentence-transformers' data formats (lib/data/) produce rows; RankingTask (ranking-training-task.ts) trains on them.
 */

/** ListNetLoss, LambdaLoss, RankNetLoss: a query, its documents (any number ≥ 1 per query) and one label each. */
export interface ListwiseExample {
  query: string;
  documents: string[];
  /** Relevance per document, graded, binary or soft; sentence-transformers' `labels` column. */
  labels: number[];
}

/**
 * MultipleNegativesRankingLoss, CachedMultipleNegativesRankingLoss: an anchor, its positive and its hard negatives
 * (sentence-transformers' columns anchor, positive, negative_1 … negative_k). Every row has the same k (≥ 0); the
 * other rows' documents of the batch are added as negatives.
 */
export interface InBatchNegativesExample {
  anchor: string;
  positive: string;
  negatives: string[];
}

/**
 * MarginMSELoss: a query, its positive and k ≥ 1 negatives, with the teacher's `label`: either its k margins
 * score(positive) − score(negative_i), or its 1 + k scores (positive first). Every row has the same k and label length.
 */
export interface MarginExample {
  query: string;
  positive: string;
  negatives: string[];
  label: number[];
}

export type RankingExample = ListwiseExample | InBatchNegativesExample | MarginExample;
