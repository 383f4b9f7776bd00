/**
 * The similarity functions of sentence-transformers (util/similarity.py), by the names its config uses:
 * cosine (cos_sim), dot (dot_score), euclidean (−L2 distance) and manhattan (−L1 distance); the distances are
 * negated so that higher always means more similar. Matrix forms ([A × B], for similarity()) and paired forms (row i
 * with row i, for the evaluator) are both here, computed in float64 on the host.
 */
import { UsageError } from '../errors.js';

export const SIMILARITY_FN_NAMES = ['cosine', 'dot', 'euclidean', 'manhattan'] as const;
export type SimilarityFnName = (typeof SIMILARITY_FN_NAMES)[number];

export function isSimilarityFnName(v: unknown): v is SimilarityFnName {
  return typeof v === 'string' && (SIMILARITY_FN_NAMES as readonly string[]).includes(v);
}

type Vec = ArrayLike<number>;

function dot(a: Vec, b: Vec): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** torch.nn.functional.normalize's denominator: max(‖x‖, 1e-12). */
function norm(a: Vec): number {
  return Math.max(Math.sqrt(dot(a, a)), 1e-12);
}

const PAIR: Record<SimilarityFnName, (a: Vec, b: Vec) => number> = {
  cosine: (a, b) => dot(a, b) / (norm(a) * norm(b)),
  dot,
  euclidean: (a, b) => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
    return -Math.sqrt(s);
  },
  manhattan: (a, b) => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
    return -s;
  },
};

function checkDims(a: readonly Vec[], b: readonly Vec[]): void {
  const d = a[0]?.length ?? b[0]?.length;
  for (const [which, rows] of [['a', a], ['b', b]] as const) {
    rows.forEach((r, i) => {
      if (r.length !== d) throw new UsageError(`similarity: ${which}[${i}] has ${r.length} dimensions, expected ${d}`);
    });
  }
}

/** [a.length × b.length] scores, as SentenceTransformer.similarity(a, b). */
export function similarityMatrix(fn: SimilarityFnName, a: readonly Vec[], b: readonly Vec[]): number[][] {
  checkDims(a, b);
  const f = PAIR[fn];
  return a.map((x) => b.map((y) => f(x, y)));
}

/** One score per row pair, as SentenceTransformer.similarity_pairwise(a, b). */
export function similarityPairwise(fn: SimilarityFnName, a: readonly Vec[], b: readonly Vec[]): number[] {
  if (a.length !== b.length) throw new UsageError(`similarityPairwise: ${a.length} rows against ${b.length}`);
  checkDims(a, b);
  const f = PAIR[fn];
  return a.map((x, i) => f(x, b[i]));
}
