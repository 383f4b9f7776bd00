/**
 * LambdaLoss (Wang et al., CIKM 2018), as sentence-transformers' cross-encoder loss of that name: for every two
 * documents of a query, ranked by the model's scores, with the one at rank p more relevant than the one at rank q,
 *   −weight(p, q) · log σ(σ_s · (s_p − s_q))          (÷ ln 2 with reduction_log 'binary', the default)
 * averaged over all such pairs of the batch that have p or q in the top k. The weighting scheme turns the pairwise
 * logistic loss into a bound on an NDCG-like metric (NDCGLoss2PPScheme, the default, with mu = 10); with
 * NoWeightingScheme it is RankNetLoss.
 *
 * As in sentence-transformers the weights come from the labels and the model's ranking only, so they carry no
 * gradient: the sort is a permutation (one-hot matrix) applied to the scores, and only the scores are differentiated.
 *
 * Ties: documents with equal scores keep their input order, as torch.sort does on CPU for lists of up to 16
 * documents (torch's order among equal scores in longer lists is unspecified; the loss can depend on it, because the
 * tied documents get different ranks and so different weights).
 */
// Gradients: tfjs-core registers none on its own; tfjs-layers' bundle registers them (see binary-cross-entropy-loss.ts).
import '@tensorflow/tfjs-layers';
import { tf } from '../../tf.js';
import { UsageError } from '../../errors.js';
import { listwiseInputs, type ScoreActivation } from './ranking-inputs.js';

/** sentence-transformers' weighting schemes, by their class names. */
export type WeightingScheme =
  | { name: 'NoWeightingScheme' }
  | { name: 'NDCGLoss1Scheme' }
  | { name: 'NDCGLoss2Scheme' }
  | { name: 'LambdaRankScheme' }
  | { name: 'NDCGLoss2PPScheme'; mu?: number };

export interface LambdaLossOptions {
  /** 1 for a real document, 0 for padding; default: every document is real. */
  mask?: tf.Tensor;
  /** Default NDCGLoss2PPScheme with mu = 10. */
  weightingScheme?: WeightingScheme;
  /** NDCG@k: only pairs with a document in the model's top k count. Default: all documents (ST's k=None; its k=0 means the same, we reject 0). */
  k?: number;
  /** Slope of the pairwise sigmoid. Default 1. */
  sigma?: number;
  /** Floor of the ideal DCG (a query whose labels are all ≤ 0 has ideal DCG 0). Default 1e-10. */
  eps?: number;
  /** 'binary' (log2, the default) or 'natural'. */
  reductionLog?: 'binary' | 'natural';
  /** activation_fn, applied to the logits first; default nn.Identity(). */
  activation?: ScoreActivation;
}

export const DEFAULT_WEIGHTING: WeightingScheme = { name: 'NDCGLoss2PPScheme', mu: 10 };

const FN = 'lambdaLoss';

/** log2(1 + rank) for ranks 1..n, rounded to float32 as torch computes it. */
function discounts(n: number): number[] {
  return Array.from({ length: n }, (_, p) => Math.fround(Math.log2(p + 2)));
}

/** Host-side [n, n] constant, rounding each step to float32 as torch's float32 arithmetic does. */
function pairConstant(n: number, f: (p: number, q: number) => number): tf.Tensor2D {
  const out = new Float32Array(n * n);
  for (let p = 0; p < n; p++) for (let q = 0; q < n; q++) out[p * n + q] = f(p, q);
  return tf.tensor2d(out, [n, n]);
}

const inv = (x: number): number => Math.fround(1 / x);

/**
 * The scheme's weights for sorted positions, broadcastable to [B, n, n]: gain [B, n] is (2^label − 1) / ideal DCG at
 * each rank of the model's order.
 */
function schemeWeights(scheme: WeightingScheme, gain: tf.Tensor2D, disc: number[]): tf.Tensor {
  const n = disc.length;
  const gainGap = (): tf.Tensor => tf.abs(tf.sub(tf.expandDims(gain, 2), tf.expandDims(gain, 1)));
  // NDCGLoss2: |1/D(|p−q|) − 1/D(|p−q| + 1)| with D(m) = log2(1 + m), 0 on the diagonal.
  const ndcg2 = (): tf.Tensor => tf.mul(pairConstant(n, (p, q) => (p === q ? 0 : Math.abs(Math.fround(inv(disc[Math.abs(p - q) - 1]) - inv(disc[Math.abs(p - q)]))))), gainGap());
  // LambdaRank: |1/D_p − 1/D_q| · |gain_p − gain_q|.
  const lambdaRank = (): tf.Tensor => tf.mul(pairConstant(n, (p, q) => Math.abs(Math.fround(inv(disc[p]) - inv(disc[q])))), gainGap());
  switch (scheme.name) {
    case 'NoWeightingScheme':
      return tf.scalar(1);
    case 'NDCGLoss1Scheme':
      return tf.expandDims(tf.div(gain, tf.tensor1d(disc)), 2);
    case 'NDCGLoss2Scheme':
      return ndcg2();
    case 'LambdaRankScheme':
      return lambdaRank();
    case 'NDCGLoss2PPScheme':
      return tf.add(tf.mul(scheme.mu ?? 10, ndcg2()), lambdaRank());
  }
}

const SCHEMES: ReadonlySet<string> = new Set(['NoWeightingScheme', 'NDCGLoss1Scheme', 'NDCGLoss2Scheme', 'LambdaRankScheme', 'NDCGLoss2PPScheme']);

/** The options' ranges, as lambdaLoss checks them (exported so a trainer can refuse bad options before step 1). */
export function checkLambdaLossOptions(opts: Omit<LambdaLossOptions, 'mask'>): void {
  const { k, sigma, eps, weightingScheme: scheme } = opts;
  if (scheme !== undefined && !SCHEMES.has(scheme.name)) throw new UsageError(`${FN}: unknown weighting scheme ${JSON.stringify(scheme)}; use one of ${[...SCHEMES].join(', ')}.`);
  if (scheme?.name === 'NDCGLoss2PPScheme' && scheme.mu !== undefined && !Number.isFinite(scheme.mu)) throw new UsageError(`${FN}: NDCGLoss2PPScheme mu must be finite (got ${scheme.mu}).`);
  if (k !== undefined && (!Number.isInteger(k) || k < 1)) throw new UsageError(`${FN}: k must be a positive integer or undefined for all documents (got ${k}).`);
  if (sigma !== undefined && !Number.isFinite(sigma)) throw new UsageError(`${FN}: sigma must be finite (got ${sigma}).`);
  if (eps !== undefined && !(eps > 0)) throw new UsageError(`${FN}: eps must be > 0 (got ${eps}).`);
  const r = opts.reductionLog;
  if (r !== undefined && r !== 'binary' && r !== 'natural') throw new UsageError(`${FN}: reductionLog must be 'binary' or 'natural' (got ${String(r)}).`);
}

/** P[b, p, j] = 1 where document j is at rank p of row b by descending score (ties: lower j first). */
function sortPermutation(scores: tf.Tensor2D): tf.Tensor3D {
  const [B, n] = scores.shape;
  // tf.oneHot needs depth ≥ 2 (one document per query is the identity permutation), and its float32 output is all
  // zeros on the wasm backend (tfjs 4.22), so it makes int32 and we cast.
  return (n === 1 ? tf.ones([B, 1, 1]) : tf.cast(tf.oneHot(tf.topk(scores, n, true).indices, n), 'float32')) as tf.Tensor3D;
}

/** Row b of x [B, n] reordered by P [B, n, n]: an exact gather (one 1 per row) that tfjs can differentiate on every backend. */
function permute(P: tf.Tensor, x: tf.Tensor2D): tf.Tensor2D {
  return tf.sum(tf.mul(P, tf.expandDims(x, 1)), 2) as tf.Tensor2D;
}

type SaveFn = (t: tf.Tensor[]) => void;

/**
 * What sentence-transformers derives from the model's ranking and the labels, stacked as [3, B, n, n]: the sort
 * permutation P, the pair weights (broadcast to [B, n, n]) and the pair mask. None of it carries a gradient, in ST
 * (sort indices and labels) as here; computing it inside a customGrad keeps ops that tfjs cannot differentiate
 * (Greater, TopK) off the tape.
 */
function rankingTerms(scheme: WeightingScheme, k: number, eps: number): (scores: tf.Tensor2D, labels: tf.Tensor2D, valid: tf.Tensor2D) => tf.Tensor4D {
  const op = tf.customGrad((...args: Array<tf.Tensor | SaveFn>) => {
    const [scores, y, valid] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const n = scores.shape[1];
    const disc = discounts(n);
    const P = sortPermutation(scores);
    const sortedLabels = permute(P, y); // true_sorted_by_preds
    const sortedValid = permute(P, valid);

    // Pairs (p, q) of real documents; except for NDCGLoss1Scheme, only those with label_p > label_q.
    let pairs = tf.mul(tf.expandDims(sortedValid, 2), tf.expandDims(sortedValid, 1));
    if (scheme.name !== 'NDCGLoss1Scheme') pairs = tf.mul(pairs, tf.cast(tf.greater(tf.expandDims(sortedLabels, 2), tf.expandDims(sortedLabels, 1)), 'float32'));
    pairs = tf.mul(pairs, pairConstant(n, (p, q) => (p < k || q < k ? 1 : 0))); // LambdaLoss paper, Eq. 18

    // Gains (2^label − 1) / ideal DCG@k, with labels clamped at 0 as sentence-transformers does.
    const twoPow = (t: tf.Tensor): tf.Tensor => tf.sub(tf.pow(tf.scalar(2), tf.relu(t)), 1);
    const ideal = tf.topk(tf.where(tf.cast(valid, 'bool'), y, tf.fill(y.shape, Number.NEGATIVE_INFINITY)), n, true).values;
    const idealTopK = tf.slice(tf.div(twoPow(ideal), tf.tensor1d(disc)), [0, 0], [-1, k]);
    const maxDcg = tf.maximum(tf.sum(idealTopK, 1), eps);
    const gain = tf.div(twoPow(sortedLabels), tf.expandDims(maxDcg, 1)) as tf.Tensor2D;
    const weights = tf.broadcastTo(schemeWeights(scheme, gain, disc), P.shape);
    const value = tf.stack([P, weights, pairs]) as tf.Tensor4D;
    // Shapes, not the tensors: the outer tidy has disposed those by the time the backward pass runs.
    const shapes = [scores.shape, y.shape, valid.shape];
    return { value, gradFunc: () => shapes.map((sh) => tf.zeros(sh)) };
  });
  return (scores, labels, valid) => op(scores, labels, valid) as tf.Tensor4D;
}

/**
 * log σ(x) = −softplus(−x), stable for any |x|. Not tf.logSigmoid: its custom gradient closes over x instead of
 * saving it, so inside a tidy (as here) x is gone by the time tf.grad runs the backward pass.
 */
function logSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.neg(tf.softplus(tf.neg(x)));
}

/** LambdaLoss on logits and labels [B, n] (one row per query). */
export function lambdaLoss(logits: tf.Tensor, labels: tf.Tensor, opts: LambdaLossOptions = {}): tf.Scalar {
  checkLambdaLossOptions(opts);
  const scheme = opts.weightingScheme ?? DEFAULT_WEIGHTING;
  const sigma = opts.sigma ?? 1;
  const eps = opts.eps ?? 1e-10;
  return tf.tidy(() => {
    // Padded labels are 0 here, not -inf: they are masked by `valid`, and 0 is what torch's clamp(min=0) makes of -inf.
    const { scores, labels: y, valid } = listwiseInputs(FN, logits, labels, opts.mask, opts.activation ?? 'identity', 0);
    const n = scores.shape[1];
    const [P, weights, pairs] = tf.unstack(rankingTerms(scheme, Math.min(opts.k ?? n, n), eps)(scores, y, tf.cast(valid, 'float32')));
    const sortedScores = permute(P, scores);

    // Score differences clamped to ±1e8 (padded documents sit at -1e16), NaN (from ±inf logits) replaced by 0.
    const diffs = tf.clipByValue(tf.sub(tf.expandDims(sortedScores, 2), tf.expandDims(sortedScores, 1)), -1e8, 1e8);
    const finiteDiffs = tf.where(tf.isNaN(diffs), tf.zerosLike(diffs), diffs);
    let losses = tf.mul(weights, logSigmoid(tf.mul(sigma, finiteDiffs)));
    if ((opts.reductionLog ?? 'binary') === 'binary') losses = tf.div(losses, Math.LN2);

    const kept = tf.cast(pairs, 'bool');
    const total = tf.sum(tf.where(kept, losses, tf.zerosLike(losses)));
    return tf.neg(tf.div(total, tf.maximum(tf.sum(pairs), 1))) as tf.Scalar;
  });
}
