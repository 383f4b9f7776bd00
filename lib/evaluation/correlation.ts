/**
 * Pearson and Spearman correlation in float64, matching scipy.stats.pearsonr / spearmanr.
 *
 * Why not tfjs: evaluation must be reproducible to ~1e-12 and tfjs computes in float32.
 * Why two passes with compensated sums: the textbook one-pass formula (sum xy - n mean_x mean_y) cancels
 * catastrophically when the mean is large relative to the spread (e.g. scores all near 0.99).
 */
import { UsageError } from '../errors.js';

/** Neumaier-compensated sum of f(i) for i in [0, n): error independent of n for practical purposes. */
function compensatedSum(n: number, f: (i: number) => number): number {
  let sum = 0;
  let comp = 0;
  for (let i = 0; i < n; i++) {
    const v = f(i);
    const t = sum + v;
    comp += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  return sum + comp;
}

/** Mean with one refinement pass: removes the rounding error of the first sum/n. */
function accurateMean(x: ArrayLike<number>): number {
  const n = x.length;
  const m0 = compensatedSum(n, (i) => x[i]) / n;
  return m0 + compensatedSum(n, (i) => x[i] - m0) / n;
}

function checkInput(fn: string, x: ArrayLike<number>, y?: ArrayLike<number>): void {
  if (y !== undefined && x.length !== y.length) {
    throw new UsageError(`${fn}: x and y must have the same length (got ${x.length} and ${y.length}).`);
  }
  if (x.length < 2) throw new UsageError(`${fn}: needs at least 2 values (got ${x.length}).`);
  for (const [name, a] of y === undefined ? ([['x', x]] as const) : ([['x', x], ['y', y]] as const)) {
    for (let i = 0; i < a.length; i++) {
      if (!Number.isFinite(a[i])) throw new UsageError(`${fn}: ${name}[${i}] is ${a[i]}; all values must be finite.`);
    }
  }
}

function isConstant(x: ArrayLike<number>): boolean {
  // `===` makes -0 equal 0, as numpy's `x == x[0]` does.
  for (let i = 1; i < x.length; i++) if (x[i] !== x[0]) return false;
  return true;
}

/** Deviations from the mean, divided by their largest magnitude so squares neither overflow nor underflow. */
function scaledDeviations(x: ArrayLike<number>): Float64Array {
  const m = accurateMean(x);
  const d = new Float64Array(x.length);
  let scale = 0;
  for (let i = 0; i < x.length; i++) {
    d[i] = x[i] - m;
    scale = Math.max(scale, Math.abs(d[i]));
  }
  for (let i = 0; i < d.length; i++) d[i] /= scale;
  return d;
}

/** Pearson r of validated input. Constant input gives NaN (scipy returns nan with a ConstantInputWarning). */
function pearsonUnchecked(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (isConstant(x) || isConstant(y)) return NaN;
  const n = x.length;
  // r is scale-invariant, so scaling each side (as BLAS nrm2 does inside scipy) changes nothing but range.
  const dx = scaledDeviations(x);
  const dy = scaledDeviations(y);
  const sxx = compensatedSum(n, (i) => dx[i] * dx[i]);
  const syy = compensatedSum(n, (i) => dy[i] * dy[i]);
  const sxy = compensatedSum(n, (i) => dx[i] * dy[i]);
  // One square root of the product makes r(x, x) exactly 1; both factors lie in [1, n], so no overflow.
  const r = sxy / Math.sqrt(sxx * syy);
  // Rounding can push |r| a hair past 1; scipy clips the same way.
  return Math.max(-1, Math.min(1, r));
}

/**
 * Pearson product-moment correlation of x and y (scipy.stats.pearsonr's statistic).
 * Returns NaN when either input is constant, as scipy does (it also warns; we do not).
 * Throws UsageError on length mismatch, fewer than 2 values, or a non-finite value.
 */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkInput('pearson', x, y);
  return pearsonUnchecked(x, y);
}

/**
 * 1-based ranks with ties given their average rank (scipy.stats.rankdata(method='average')).
 * -0 and 0 tie. Throws UsageError on a non-finite value (NaN has no order).
 */
export function rankAverage(x: ArrayLike<number>): Float64Array {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) throw new UsageError(`rankAverage: x[${i}] is ${x[i]}; all values must be finite.`);
  }
  return ranksUnchecked(x);
}

function ranksUnchecked(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // x[a] - x[b] is 0 for -0 vs 0, so they sort as equal.
  order.sort((a, b) => x[a] - x[b]);
  const ranks = new Float64Array(n);
  let start = 0;
  while (start < n) {
    let end = start + 1;
    while (end < n && x[order[end]] === x[order[start]]) end++;
    // Positions start..end-1 hold ranks start+1..end; their average is exact in float64 for any n we can hold.
    const avg = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]] = avg;
    start = end;
  }
  return ranks;
}

/**
 * Spearman rank correlation (scipy.stats.spearmanr's statistic): Pearson r of average ranks.
 * Returns NaN when either input is constant. Throws UsageError as `pearson` does.
 */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkInput('spearman', x, y);
  return pearsonUnchecked(ranksUnchecked(x), ranksUnchecked(y));
}
