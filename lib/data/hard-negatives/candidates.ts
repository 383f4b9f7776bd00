/**
 * The candidate search of mine_hard_negatives, step for step: deduplicate, embed, score every anchor against the
 * corpus, keep the top rangeMax + maxPositives, rule out positives and what the filters say, keep the top rangeMax,
 * drop the first rangeMin, then take the first numNegatives (or a seeded sample).
 *
 * Scores are held as float32, as torch holds them: the similarity (computed in float64 by similarity.ts) is rounded
 * once to float32, and each filter compares in float32 as torch does with a Python float (the float is rounded to
 * float32 first; score + margin is rounded to float32). Both top-k steps use torchTopk, so equal scores come out in
 * torch.topk's own order. A removed candidate is a -Infinity score, as in Python.
 */
import { UsageError } from '../../errors.js';
import type { SentenceTransformer } from '../../sentence-transformer/model.js';
import { mulberry32 } from '../../training/rng.js';
import type { ResolvedMiningOptions } from './options.js';
import { torchTopk } from './torch-topk.js';

/** What mining needs of a SentenceTransformer. */
export type MiningModel = Pick<SentenceTransformer, 'encode' | 'prompts' | 'similarity' | 'similarityPairwise'>;

export interface Prompts {
  queryPrompt?: string;
  queryPromptName?: string;
  corpusPrompt?: string;
  corpusPromptName?: string;
}

export interface FilterCount {
  skipped: number;
  ratio: number;
}

export interface Candidates {
  /** Distinct anchors, in order of first appearance. */
  queries: string[];
  /** Distinct candidate texts: the given corpus, then the positives, in order of first appearance. */
  corpus: string[];
  /** Per query: its distinct positives' corpus indices, in dataset order. */
  positiveIndices: number[][];
  /** Per (query, positive) in that order: the similarity, float32. */
  positiveScores: Float32Array;
  /** Per query: numNegatives chosen corpus indices, best first; a -Infinity score means "none found". */
  indices: Int32Array[];
  scores: Float32Array[];
  /** Candidates each filter removed, as Python's log_counters. */
  counters: Partial<Record<'absoluteMargin' | 'relativeMargin' | 'maxScore' | 'minScore', FilterCount>>;
}

const f32 = Math.fround;

/** Distinct values in order of first appearance, as list(dict.fromkeys(xs)). */
function distinct(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

/** encode_query / encode_document: an explicit prompt, else a named one, else the model's "query"/"document" prompt. */
function promptFor(model: MiningModel, prompt: string | undefined, name: string | undefined, role: 'query' | 'document'): string {
  if (prompt !== undefined) return prompt;
  if (name !== undefined) {
    const p = model.prompts[name];
    if (p === undefined) throw new UsageError(`prompt name ${JSON.stringify(name)} is not one of the model's prompts (${Object.keys(model.prompts).join(', ') || 'none'})`);
    return p;
  }
  // sentence-transformers 6.2 gives every model "query" and "document" prompts ("" unless saved), and encode_query /
  // encode_document use them, so the model's default_prompt_name never applies here.
  return model.prompts[role] ?? '';
}

/** How many float32 rows of scores to hold at once; Python's faiss_batch_size plays this part. */
const QUERY_CHUNK = 256;

/** Score every query against the corpus and keep each row's top `k` of `width`, padded with (-Infinity, -1). */
function topCandidates(model: MiningModel, qEmb: Float32Array[], cEmb: Float32Array[], width: number): { scores: Float32Array[]; indices: Int32Array[] } {
  const k = Math.min(width, cEmb.length);
  const scores: Float32Array[] = [];
  const indices: Int32Array[] = [];
  for (let s = 0; s < qEmb.length; s += QUERY_CHUNK) {
    for (const row of model.similarity(qEmb.slice(s, s + QUERY_CHUNK), cEmb)) {
      const top = torchTopk(Float32Array.from(row), k);
      const sc = new Float32Array(width).fill(-Infinity);
      const ix = new Int32Array(width).fill(-1);
      sc.set(top.values);
      ix.set(top.indices);
      scores.push(sc);
      indices.push(ix);
    }
  }
  return { scores, indices };
}

/** k distinct positions of [0, n), drawn with `rand` (a partial Fisher–Yates shuffle). */
function sample(n: number, k: number, rand: () => number): number[] {
  const pool = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (n - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, k);
}

export async function findCandidates(model: MiningModel, anchors: readonly string[], positives: readonly string[], o: ResolvedMiningOptions, prompts: Prompts, maxPositives: number, showProgress?: boolean): Promise<Candidates> {
  const corpus = distinct([...(o.corpus ?? positives), ...positives]);
  const corpusIdx = new Map(corpus.map((t, i) => [t, i]));
  const queries = distinct(anchors);
  const queryIdx = new Map(queries.map((t, i) => [t, i]));
  const nq = queries.length;

  const encode = (texts: string[], prompt: string) => model.encode(texts, { batchSize: o.batchSize, normalize: true, prompt, showProgress });
  const cEmb = await encode(corpus, promptFor(model, prompts.corpusPrompt, prompts.corpusPromptName, 'document'));
  const qEmb = await encode(queries, promptFor(model, prompts.queryPrompt, prompts.queryPromptName, 'query'));
  const width = o.rangeMax + maxPositives;
  const { scores, indices } = topCandidates(model, qEmb, cEmb, width);

  const positiveIndices: number[][] = queries.map(() => []);
  anchors.forEach((a, r) => {
    const list = positiveIndices[queryIdx.get(a)!]!;
    const p = corpusIdx.get(positives[r]!)!;
    if (!list.includes(p)) list.push(p);
  });
  const pairQ: Float32Array[] = [];
  const pairP: Float32Array[] = [];
  positiveIndices.forEach((ps, q) => ps.forEach((p) => (pairQ.push(qEmb[q]!), pairP.push(cEmb[p]!))));
  const positiveScores = Float32Array.from(model.similarityPairwise(pairQ, pairP));

  for (let q = 0; q < nq; q++) {
    const sc = scores[q]!;
    const ix = indices[q]!;
    for (let j = 0; j < width; j++) if (ix[j] === -1 || (!o.includePositives && positiveIndices[q]!.includes(ix[j]!))) sc[j] = -Infinity;
  }

  const counters: Candidates['counters'] = {};
  let numCandidates = nq * width;
  /** Set to -Infinity what `drop` says, per query; counted as Python counts (its mask may include earlier removals). */
  const filter = (name: keyof Candidates['counters'], drop: (s: number, q: number) => boolean, shrinks: boolean): void => {
    let skipped = 0;
    scores.forEach((sc, q) => {
      for (let j = 0; j < width; j++) {
        if (drop(sc[j]!, q)) {
          sc[j] = -Infinity;
          skipped++;
        }
      }
    });
    if (skipped) {
      counters[name] = { skipped, ratio: skipped / numCandidates };
      if (shrinks) numCandidates -= skipped;
    }
  };
  if (o.absoluteMargin !== undefined || o.relativeMargin !== undefined) {
    // The hardest (lowest-scoring) positive of each anchor sets the bar.
    let at = 0;
    const minPositive = positiveIndices.map((ps) => {
      let m = Infinity;
      for (let k = 0; k < ps.length; k++) m = Math.min(m, positiveScores[at + k]!);
      at += ps.length;
      return m;
    });
    if (o.absoluteMargin !== undefined) {
      const m = f32(o.absoluteMargin);
      filter('absoluteMargin', (s, q) => f32(s + m) > minPositive[q]!, true);
    }
    if (o.relativeMargin !== undefined) {
      // positive − |positive| × margin, not positive × (1 − margin), which raises the bar for negative positives.
      const m = f32(o.relativeMargin);
      const bar = minPositive.map((p) => f32(p - f32(Math.abs(p) * m)));
      filter('relativeMargin', (s, q) => s > bar[q]!, true);
    }
  }
  if (o.maxScore !== undefined) {
    const max = f32(o.maxScore);
    filter('maxScore', (s) => s > max, false);
  }
  if (o.minScore !== undefined) {
    const min = f32(o.minScore);
    filter('minScore', (s) => s < min, false);
  }

  const rand = mulberry32(o.seed);
  const chosenIdx: Int32Array[] = [];
  const chosenScores: Float32Array[] = [];
  for (let q = 0; q < nq; q++) {
    const top = torchTopk(scores[q]!, o.rangeMax);
    const ix = top.indices.map((j) => indices[q]![j]!).slice(o.rangeMin);
    const sc = top.values.slice(o.rangeMin);
    let pick: number[];
    if (o.samplingStrategy === 'top') {
      pick = Array.from({ length: o.numNegatives }, (_, j) => j);
    } else {
      // Draw among the candidates still standing when there are enough, else among all (some then are -Infinity).
      const standing = sc.reduce((n, s) => n + (s === -Infinity ? 0 : 1), 0);
      pick = sample(Math.max(standing, o.numNegatives), o.numNegatives, rand);
      // Best first again; a stable sort, where Python's torch.sort leaves ties in its own order.
      pick.sort((a, b) => sc[b]! - sc[a]! || a - b);
    }
    chosenIdx.push(Int32Array.from(pick, (j) => ix[j]!));
    chosenScores.push(Float32Array.from(pick, (j) => sc[j]!));
  }
  return { queries, corpus, positiveIndices, positiveScores, indices: chosenIdx, scores: chosenScores, counters };
}
