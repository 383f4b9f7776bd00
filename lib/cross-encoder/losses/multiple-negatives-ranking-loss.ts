/**
 * MultipleNegativesRankingLoss for cross-encoders, as sentence-transformers' loss of that name (InfoNCE with in-batch
 * negatives): each query is scored with its positive, with `numNegatives` documents of other rows of the batch and
 * with its own hard negatives; the loss is the cross-entropy of picking the positive among them, over
 * scale · activation(logit).
 *
 * Two parts, so the maths can be tested on its own:
 *  (a) multipleNegativesRankingLoss: the score matrix [B, 1 + k] → the loss. Column 0 holds each query's positive,
 *      then come the in-batch negatives (one column per slot of pickInBatchNegatives), then the hard negatives.
 *  (b) inBatchNegatives / pickInBatchNegatives: which documents of the batch each query is paired with.
 */
// Gradients: tfjs-core registers none on its own; tfjs-layers' bundle registers them (see binary-cross-entropy-loss.ts).
import '@tensorflow/tfjs-layers';
import { tf } from '../../tf.js';
import { UsageError } from '../../errors.js';
import { mulberry32 } from '../../training/rng.js';
import { activate, asFloat, checkMatrix, type ScoreActivation } from './ranking-inputs.js';

export interface MultipleNegativesRankingOptions {
  /** Multiplies the activated logits. Default 10. As in sentence-transformers (`if self.scale:`), 0 means no scaling. */
  scale?: number;
  /** activation_fn; default 'sigmoid' (sentence-transformers' nn.Sigmoid(); its None is 'identity'). */
  activation?: ScoreActivation;
}

/** sentence-transformers' default number of in-batch negatives per query. */
export const DEFAULT_NUM_NEGATIVES = 4;

/** calculate_loss: CrossEntropyLoss(scale · activation(scores), target column 0), mean over the queries. */
export function multipleNegativesRankingLoss(scores: tf.Tensor, opts: MultipleNegativesRankingOptions = {}): tf.Scalar {
  const fn = 'multipleNegativesRankingLoss';
  const s = checkMatrix(fn, 'scores', scores);
  const scale = opts.scale ?? 10;
  if (!Number.isFinite(scale)) throw new UsageError(`${fn}: scale must be finite (got ${scale}).`);
  return tf.tidy(() => {
    const activated = activate(fn, asFloat(s), opts.activation ?? 'sigmoid');
    const z = scale === 0 ? activated : tf.mul(activated, scale);
    // logSoftmax subtracts the row max, so a scale of 20 on raw logits of ±30 does not overflow.
    return tf.neg(tf.mean(tf.slice(tf.logSoftmax(z), [0, 0], [-1, 1]))) as tf.Scalar;
  });
}

/**
 * Which in-batch candidates serve as negatives, as flat indices c · B + r into the candidate columns (c = 0 the
 * positives, then the hard-negative columns; r the row): for query i, every candidate of the other rows, all columns.
 * Returned as sentence-transformers yields them, one array per negative slot, holding each query's pick:
 * result[slot][i].
 *
 * When numNegatives is null or at least the (B − 1) · C candidates a query has, every one is taken, in increasing
 * index order: exactly sentence-transformers' choice. Otherwise sentence-transformers draws numNegatives of them
 * uniformly without replacement with torch.multinomial, whose RNG we cannot reproduce; we draw the same way (partial
 * Fisher–Yates per query, queries in order) from mulberry32(seed), so a given seed always gives the same negatives.
 * Derive the seed from the run seed and the step, so a resumed run replays its batches.
 */
export function inBatchNegatives(batchSize: number, numColumns: number, numNegatives: number | null, seed: number): number[][] {
  const fn = 'inBatchNegatives';
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError(`${fn}: batchSize must be a positive integer (got ${batchSize}).`);
  if (!Number.isInteger(numColumns) || numColumns < 1) throw new UsageError(`${fn}: numColumns (positive + hard negatives) must be a positive integer (got ${numColumns}).`);
  if (numNegatives !== null && (!Number.isInteger(numNegatives) || numNegatives < 1)) {
    // torch.multinomial refuses 0 samples, so sentence-transformers fails on 0 as well.
    throw new UsageError(`${fn}: numNegatives must be a positive integer or null for all (got ${numNegatives}).`);
  }
  const perQuery = (batchSize - 1) * numColumns;
  const sample = numNegatives !== null && numNegatives < perQuery;
  const slots = sample ? numNegatives : perQuery;
  const rand = mulberry32(seed);
  const out = Array.from({ length: slots }, () => new Array<number>(batchSize));
  for (let i = 0; i < batchSize; i++) {
    const valid: number[] = [];
    for (let j = 0; j < batchSize * numColumns; j++) if (j % batchSize !== i) valid.push(j);
    if (sample) {
      for (let t = 0; t < slots; t++) {
        const u = t + Math.floor(rand() * (valid.length - t));
        [valid[t], valid[u]] = [valid[u], valid[t]];
      }
    }
    for (let t = 0; t < slots; t++) out[t][i] = valid[t];
  }
  return out;
}

/**
 * get_in_batch_negatives: the negative documents themselves. `candidates` are the positive column then each hard
 * negative column (each with one entry per query); the result has one column per negative slot.
 */
export function pickInBatchNegatives<T>(candidates: readonly (readonly T[])[], numNegatives: number | null, seed: number): T[][] {
  const B = candidates[0]?.length ?? 0;
  candidates.forEach((col, c) => {
    if (col.length !== B) throw new UsageError(`pickInBatchNegatives: candidate column ${c} has ${col.length} entries, column 0 has ${B}.`);
  });
  const flat = candidates.flat() as T[];
  return inBatchNegatives(B, candidates.length, numNegatives, seed).map((slot) => slot.map((j) => flat[j]));
}
