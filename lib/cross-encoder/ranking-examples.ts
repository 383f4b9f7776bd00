/**
 * The training rows of the cross-encoder ranking losses: one query group each, in the shapes sentence-transformers'
 * CrossEncoder data collator hands those losses (its dataset columns, one row per query). The readers of
 * sentence-transformers' data formats (lib/data/) produce rows; RankingTask (ranking-training-task.ts) trains on them.
 */

import type { ListwiseExample, TupleExample } from '../data/column-views.js';

/**
 * ListNetLoss, LambdaLoss, RankNetLoss: a query, its documents (any number ≥ 1 per query) and one label each (graded,
 * binary or soft; sentence-transformers' `labels` column). The (query, [documents], [labels]) format's row, as
 * asListwise reads it.
 */
export type { ListwiseExample };

/**
 * MultipleNegativesRankingLoss, CachedMultipleNegativesRankingLoss: an anchor, its positive and its hard negatives
 * (sentence-transformers' columns anchor, positive, negative_1 … negative_k). Every row has the same k (≥ 0); the
 * other rows' documents of the batch are added as negatives.
 */
export type InBatchNegativesExample = Pick<TupleExample, 'anchor' | 'positive' | 'negatives'>;

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
