/**
 * RankNetLoss (Burges et al. 2005), as sentence-transformers' cross-encoder loss of that name: LambdaLoss with
 * NoWeightingScheme, i.e. the mean pairwise logistic loss −log σ(σ_s · (s_p − s_q)) over every two documents of a query
 * whose labels say p is more relevant than q (÷ ln 2 by default), keeping pairs with either document in the top k.
 */
import type { tf } from '../../tf.js';
import { lambdaLoss, type LambdaLossOptions } from './lambda-loss.js';

export type RankNetOptions = Omit<LambdaLossOptions, 'weightingScheme'>;

/** RankNet on logits and labels [B, n] (one row per query); defaults as sentence-transformers: k all, sigma 1, eps 1e-10, binary log. */
export function rankNetLoss(logits: tf.Tensor, labels: tf.Tensor, opts: RankNetOptions = {}): tf.Scalar {
  return lambdaLoss(logits, labels, { ...opts, weightingScheme: { name: 'NoWeightingScheme' } });
}
