/**
 * Ranking metrics of one query's candidate list, with sentence-transformers' definitions (CrossEncoderRerankingEvaluator
 * .compute_metrics): MRR@k from its own loop over the ranking, nDCG@k as sklearn's ndcg_score, AP as sklearn's
 * average_precision_score. Plain float64 on plain arrays, so they are testable without a model.
 *
 * Ties: nDCG averages the gains over every ordering of a tied group and AP treats a tied group as one threshold, both
 * exactly as sklearn. MRR needs one order: ST takes np.argsort(scores)[::-1], whose order among equal scores numpy
 * leaves unspecified (numpy 2 sorts with SIMD networks, not stably). We use the stable order reversed: among equal
 * scores the later candidate ranks first, which is what ST computes wherever numpy's argsort keeps equal scores in index
 * order (e.g. numpy < 2 for up to 16 candidates, or all scores equal).
 */
import { UsageError } from '../errors.js';

/** Relevance of each candidate: 1/true relevant, 0/false not; nDCG also takes graded (non-negative) gains. */
export type Relevance = ArrayLike<number | boolean>;

function gains(fn: string, relevance: Relevance, scores: ArrayLike<number>): Float64Array {
  if (relevance.length !== scores.length) {
    throw new UsageError(`${fn}: ${relevance.length} relevance labels but ${scores.length} scores; they must be equal`);
  }
  const out = new Float64Array(relevance.length);
  for (let i = 0; i < relevance.length; i++) {
    const g = Number(relevance[i]);
    if (!(g >= 0) || !Number.isFinite(g)) throw new UsageError(`${fn}: relevance[${i}] is ${relevance[i]}; relevance must be finite and >= 0`);
    if (!Number.isFinite(scores[i])) throw new UsageError(`${fn}: scores[${i}] is ${scores[i]}; scores must be finite (sklearn rejects NaN and infinity too)`);
    out[i] = g;
  }
  return out;
}

function checkK(fn: string, k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new UsageError(`${fn}: k must be a positive integer, got ${k}`);
}

function checkBinary(fn: string, g: Float64Array): void {
  for (let i = 0; i < g.length; i++) {
    if (g[i] !== 0 && g[i] !== 1) throw new UsageError(`${fn}: relevance[${i}] is ${g[i]}; relevance must be 0 or 1`);
  }
}

/** Candidate indices best first; equal scores: the later index first (see the module comment). -0 and 0 tie. */
export function rankingOrder(scores: ArrayLike<number>): number[] {
  const idx = Array.from({ length: scores.length }, (_, i) => i);
  return idx.sort((a, b) => scores[b] - scores[a] || b - a);
}

/** Groups of equal score, best first, as sklearn finds them (np.unique of -scores): each a list of indices. */
function tieGroups(scores: ArrayLike<number>): number[][] {
  const order = rankingOrder(scores);
  const groups: number[][] = [];
  for (const i of order) {
    const last = groups[groups.length - 1];
    if (last && scores[last[0]] === scores[i]) last.push(i);
    else groups.push([i]);
  }
  return groups;
}

/** 1 / rank of the first relevant candidate within the top k, else 0 (ST's loop; ties as the module comment says). */
export function mrrAtK(relevance: Relevance, scores: ArrayLike<number>, k: number): number {
  const g = gains('mrrAtK', relevance, scores);
  checkK('mrrAtK', k);
  const order = rankingOrder(scores);
  for (let r = 0; r < Math.min(k, order.length); r++) if (g[order[r]] > 0) return 1 / (r + 1);
  return 0;
}

/** sklearn's discount 1 / log2(i + 2) for the first k positions (0 after), computed as sklearn writes it. */
function discounts(n: number, k: number): Float64Array {
  const d = new Float64Array(n);
  for (let i = 0; i < Math.min(n, k); i++) d[i] = 1 / (Math.log(i + 2) / Math.log(2));
  return d;
}

/**
 * sklearn.metrics.ndcg_score([relevance], [scores], k=k) with ignore_ties=False: the DCG of the scores' ranking, ties
 * averaged over their orderings (McSherry & Najork), over the DCG of the ideal ranking; 0 when nothing is relevant.
 * Like sklearn it refuses a list of one candidate ("only meaningful when there is more than 1 document").
 */
export function ndcgAtK(relevance: Relevance, scores: ArrayLike<number>, k: number): number {
  const g = gains('ndcgAtK', relevance, scores);
  checkK('ndcgAtK', k);
  if (g.length < 2) throw new UsageError(`ndcgAtK: needs more than 1 candidate (got ${g.length}), as sklearn's ndcg_score`);
  const discount = discounts(g.length, k);
  const cumsum = new Float64Array(g.length);
  let acc = 0;
  for (let i = 0; i < g.length; i++) cumsum[i] = acc += discount[i];
  let dcg = 0;
  let end = -1;
  for (const group of tieGroups(scores)) {
    const prevEnd = end;
    end += group.length;
    let sum = 0;
    for (const i of group) sum += g[i];
    const discountSum = prevEnd < 0 ? cumsum[end] : cumsum[end] - cumsum[prevEnd];
    dcg += (sum / group.length) * discountSum;
  }
  // The ideal ranking: gains sorted high to low (ties among equal gains change nothing).
  const ideal = Array.from(g).sort((a, b) => b - a);
  let idcg = 0;
  for (let i = 0; i < ideal.length; i++) idcg += discount[i] * ideal[i];
  return idcg === 0 ? 0 : dcg / idcg;
}

/**
 * sklearn.metrics.average_precision_score(relevance, scores): sum over the distinct scores, best first, of the recall
 * gained there times the precision there (not interpolated); a tied group is one threshold. 0 when nothing is
 * relevant (sklearn warns and gives 0 too).
 */
export function averagePrecision(relevance: Relevance, scores: ArrayLike<number>): number {
  const g = gains('averagePrecision', relevance, scores);
  checkBinary('averagePrecision', g);
  let positives = 0;
  for (const v of g) positives += v;
  if (positives === 0) return 0;
  let tp = 0;
  let seen = 0;
  let ap = 0;
  let prevRecall = 0;
  for (const group of tieGroups(scores)) {
    for (const i of group) tp += g[i];
    seen += group.length;
    const recall = tp / positives;
    ap += (recall - prevRecall) * (tp / seen);
    prevRecall = recall;
  }
  return Math.max(0, ap);
}

export interface RankingMetrics {
  mrr: number;
  ndcg: number;
  ap: number;
}

/** ST's compute_metrics(y_true, y_pred): MRR@k, nDCG@k and AP of one candidate list. */
export function rankingMetrics(relevance: Relevance, scores: ArrayLike<number>, k: number): RankingMetrics {
  return { mrr: mrrAtK(relevance, scores, k), ndcg: ndcgAtK(relevance, scores, k), ap: averagePrecision(relevance, scores) };
}

/**
 * np.mean of a float64 list, bit for bit: numpy's pairwise sum (blocks of 8 accumulators up to 128 values, halves
 * above), then one division. The evaluators average per-query metrics this way so their CSVs print ST's digits.
 */
export function numpyMean(values: readonly number[]): number {
  return pairwiseSum(values, 0, values.length) / values.length;
}

function pairwiseSum(a: readonly number[], start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = start; i < start + n; i++) res += a[i];
    return res;
  }
  if (n <= 128) {
    const r = a.slice(start, start + 8);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[start + i + j];
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}
