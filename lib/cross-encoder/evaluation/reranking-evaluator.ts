/**
 * CrossEncoderRerankingEvaluator, as in sentence-transformers 6.2: for each query, score [query, candidate] for its
 * candidates, rank them by score and report MAP, MRR@k and nDCG@k (mean over the queries), plus the same metrics of
 * the given order ("base") when samples bring a ranked `documents` list. The metric keys, primary metric, CSV name,
 * header and number format are ST's, so tools reading its results read ours.
 *
 * Samples are { query, positive, negative } (candidates: positives then negatives) or { query, positive, documents }
 * (an already ranked list, e.g. from BM25 or a bi-encoder). With documents, alwaysRerankPositives (default true) puts
 * every positive in the candidates; false reranks the documents alone, so positives the first stage missed count
 * against the model. A query with no positive among its candidates scores 0 and costs no model call.
 */
import type { Pair } from '../model.js';
import { UsageError } from '../../errors.js';
import { appendCsvRow, pyFloatRepr, type EvaluateOptions } from '../../evaluation/csv.js';
import { numpyMean, rankingMetrics, type RankingMetrics } from '../../evaluation/ranking-metrics.js';
import { path } from '../../platform/index.js';
import { log } from '../../util/log.js';

export interface RerankingSample {
  query: string;
  /** The relevant documents (a single string is one). */
  positive: string | readonly string[];
  /** Irrelevant documents. Exactly one of negative and documents. */
  negative?: readonly string[];
  /** Every candidate, best first by some first-stage ranking, positives included. */
  documents?: readonly string[];
}

/** Scores pairs in the order given: a CrossEncoder (whose predict batches them) or any function. */
export type RerankScorer =
  | { predict(pairs: readonly Pair[], opts: { batchSize?: number; showProgress?: boolean }): Promise<number[]> }
  | ((pairs: Pair[]) => Promise<number[]>);

export interface RerankingEvaluatorOptions {
  samples: readonly RerankingSample[];
  /** Cut-off of MRR and nDCG. Default 10. */
  atK?: number;
  /** With `documents`: rerank every positive even when the list lacks it. Default true. Ignored with `negative`. */
  alwaysRerankPositives?: boolean;
  /** Names the CSV and prefixes metric keys; '' (default) means none, as in sentence-transformers. */
  name?: string;
  /** Passed to the model's predict. Default 64, as ST. */
  batchSize?: number;
  showProgress?: boolean;
  /** Default true. */
  writeCsv?: boolean;
}

export interface RerankingResult {
  map: number;
  mrr: number;
  ndcg: number;
  /** The metrics of the documents' own order, when some sample has documents. */
  base?: { map: number; mrr: number; ndcg: number };
  /** ST's dict: map, mrr@k, ndcg@k, then base_map, base_mrr@k, base_ndcg@k, each prefixed with `${name}_`. */
  metrics: Record<string, number>;
}

/** One sample made ready: its candidates and their relevance, or null when none is relevant (scored 0). */
interface Plan {
  query: string;
  docs: string[];
  relevant: number[];
}

function describe(name: string): string {
  return `CrossEncoderRerankingEvaluator${name ? ` "${name}"` : ''}`;
}

function stringList(what: string, v: unknown): string[] {
  if (!Array.isArray(v) || !v.every((d) => typeof d === 'string')) throw new UsageError(`${what} must be a list of strings`);
  return v as string[];
}

export class CrossEncoderRerankingEvaluator {
  readonly atK: number;
  readonly alwaysRerankPositives: boolean;
  readonly name: string;
  readonly batchSize: number;
  readonly showProgress: boolean;
  readonly writeCsv: boolean;
  readonly csvFile: string;
  readonly csvHeader: readonly string[];
  /** The key that model selection reads: `${name}_ndcg@${atK}` (plain ndcg@k without a name). */
  readonly primaryMetric: string;
  readonly numQueries: number;
  private readonly plans: (Plan | null)[];
  /** Per-sample metrics of the documents' order; empty when no sample has documents. */
  private readonly base: RankingMetrics[];

  constructor(opts: RerankingEvaluatorOptions) {
    const name = opts.name ?? '';
    if (/[\\/]/.test(name)) throw new UsageError(`CrossEncoderRerankingEvaluator: name "${name}" must not contain / or \\`);
    const atK = opts.atK ?? 10;
    if (!Number.isInteger(atK) || atK < 1) throw new UsageError(`${describe(name)}: atK must be a positive integer, got ${atK}`);
    const batchSize = opts.batchSize ?? 64;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError(`${describe(name)}: batchSize must be a positive integer, got ${batchSize}`);
    if (!Array.isArray(opts.samples)) throw new UsageError(`${describe(name)}: samples must be a list`);
    this.atK = atK;
    this.alwaysRerankPositives = opts.alwaysRerankPositives ?? true;
    this.name = name;
    this.batchSize = batchSize;
    this.showProgress = opts.showProgress ?? false;
    this.writeCsv = opts.writeCsv ?? true;
    this.csvFile = `CrossEncoderRerankingEvaluator${name ? `_${name}` : ''}_results_@${atK}.csv`;
    this.csvHeader = ['epoch', 'steps', 'MAP', `MRR@${atK}`, `NDCG@${atK}`];
    this.primaryMetric = `${name ? `${name}_` : ''}ndcg@${atK}`;
    this.numQueries = opts.samples.length;
    this.plans = [];
    this.base = [];
    opts.samples.forEach((s, i) => this.plan(s, i));
  }

  /** ST's first pass over one sample: candidates, relevance and (with documents) the base metrics. */
  private plan(s: RerankingSample, i: number): void {
    const where = `${describe(this.name)}: sample ${i}`;
    if (typeof s !== 'object' || s === null) throw new UsageError(`${where} is not an object`);
    if (typeof s.query !== 'string') throw new UsageError(`${where}: "query" must be a string`);
    if (s.positive === undefined) throw new UsageError(`${where}: "positive" is missing`);
    const positive = typeof s.positive === 'string' ? [s.positive] : stringList(`${where}: "positive"`, s.positive);
    if ((s.negative === undefined) === (s.documents === undefined)) throw new UsageError(`${where}: needs exactly one of "negative" and "documents"`);
    let docs: string[];
    let relevant: number[];
    if (s.documents !== undefined) {
      const documents = stringList(`${where}: "documents"`, s.documents);
      // ST tests `if documents:` and then fails on the missing negative list; say so plainly.
      if (documents.length === 0) throw new UsageError(`${where}: "documents" is empty (give at least one candidate, or use "negative")`);
      const isPositive = new Set(positive);
      const baseRelevant = documents.map((d): number => (isPositive.has(d) ? 1 : 0));
      const found = baseRelevant.reduce((a, b) => a + b, 0);
      if (found === 0) {
        this.base.push({ mrr: 0, ndcg: 0, ap: 0 });
      } else {
        // Positives the list lacks are put after its end; the list's order is the score (n, n-1, ..., 1).
        for (let k = found; k < positive.length; k++) baseRelevant.push(1);
        this.checkCandidates(where, baseRelevant.length, 'documents plus missing positives');
        this.base.push(rankingMetrics(baseRelevant, baseRelevant.map((_, r) => baseRelevant.length - r), this.atK));
      }
      if (this.alwaysRerankPositives) {
        docs = [...positive, ...documents.filter((d) => !isPositive.has(d))];
        relevant = docs.map((_, r) => (r < positive.length ? 1 : 0));
      } else {
        docs = documents;
        relevant = baseRelevant.slice(0, documents.length);
      }
    } else {
      const negative = stringList(`${where}: "negative"`, s.negative);
      docs = [...positive, ...negative];
      relevant = docs.map((_, r) => (r < positive.length ? 1 : 0));
    }
    if (!relevant.some((r) => r === 1)) {
      this.plans.push(null);
      return;
    }
    this.checkCandidates(where, docs.length, 'candidates');
    this.plans.push({ query: s.query, docs, relevant });
  }

  /** sklearn's ndcg_score refuses a single candidate, so ST fails there; fail early, naming the sample. */
  private checkCandidates(where: string, n: number, what: string): void {
    if (n < 2) throw new UsageError(`${where}: ${n} ${what}; nDCG needs at least 2 (sklearn's ndcg_score, which ST uses, refuses 1)`);
  }

  /** Path of the CSV under an output directory (`<outputDir>/eval/`, as the other evaluators). */
  csvPath(outputDir: string): string {
    return path.join(outputDir, 'eval', this.csvFile);
  }

  async evaluate(model: RerankScorer, opts: EvaluateOptions = {}): Promise<RerankingResult> {
    const epoch = opts.epoch ?? -1;
    const steps = opts.steps ?? -1;
    const where = epoch === -1 ? '' : steps === -1 ? ` after epoch ${epoch}` : ` in epoch ${epoch} after ${steps} steps`;
    log.info(`CrossEncoderRerankingEvaluator: evaluating the model on the ${this.name} dataset${where}:`);

    // One predict call over every pair, as ST: the model batches them by batchSize.
    const pairs: Pair[] = [];
    for (const p of this.plans) if (p) for (const d of p.docs) pairs.push([p.query, d]);
    const scores = pairs.length === 0 ? [] : typeof model === 'function' ? await model(pairs) : await model.predict(pairs, { batchSize: this.batchSize, showProgress: this.showProgress });
    if (scores.length !== pairs.length) throw new UsageError(`${describe(this.name)}: the model returned ${scores.length} scores for ${pairs.length} pairs`);

    // A diverged model scores NaN; report nan (ST would raise inside sklearn) rather than abort a training run.
    const finite = scores.every(Number.isFinite);
    if (!finite) log.warn(`${describe(this.name)}: the model produced non-finite scores; the reranked metrics are NaN`);
    const perQuery: RankingMetrics[] = [];
    let offset = 0;
    for (const p of this.plans) {
      if (!p) {
        perQuery.push({ mrr: 0, ndcg: 0, ap: 0 });
        continue;
      }
      const s = scores.slice(offset, offset + p.docs.length);
      offset += p.docs.length;
      perQuery.push(finite ? rankingMetrics(p.relevant, s, this.atK) : { mrr: NaN, ndcg: NaN, ap: NaN });
    }
    const mean = (rows: RankingMetrics[], key: keyof RankingMetrics): number => numpyMean(rows.map((r) => r[key]));
    const k = this.atK;
    const result: RerankingResult = { map: mean(perQuery, 'ap'), mrr: mean(perQuery, 'mrr'), ndcg: mean(perQuery, 'ndcg'), metrics: {} };
    const raw: Record<string, number> = { map: result.map, [`mrr@${k}`]: result.mrr, [`ndcg@${k}`]: result.ndcg };
    const pct = (v: number): string => (v * 100).toFixed(2);
    if (this.base.length > 0) {
      result.base = { map: mean(this.base, 'ap'), mrr: mean(this.base, 'mrr'), ndcg: mean(this.base, 'ndcg') };
      Object.assign(raw, { base_map: result.base.map, [`base_mrr@${k}`]: result.base.mrr, [`base_ndcg@${k}`]: result.base.ndcg });
      log.info(`Queries: ${this.numQueries}   Base -> Reranked   MAP: ${pct(result.base.map)} -> ${pct(result.map)}   MRR@${k}: ${pct(result.base.mrr)} -> ${pct(result.mrr)}   NDCG@${k}: ${pct(result.base.ndcg)} -> ${pct(result.ndcg)}`);
    } else {
      log.info(`Queries: ${this.numQueries}   MAP: ${pct(result.map)}   MRR@${k}: ${pct(result.mrr)}   NDCG@${k}: ${pct(result.ndcg)}`);
    }
    const prefix = this.name ? `${this.name}_` : '';
    for (const [key, v] of Object.entries(raw)) result.metrics[`${prefix}${key}`] = v;

    if (opts.outputDir !== undefined && this.writeCsv) {
      await appendCsvRow(this.csvPath(opts.outputDir), this.csvHeader, [String(epoch), String(steps), pyFloatRepr(result.map), pyFloatRepr(result.mrr), pyFloatRepr(result.ndcg)], '\r\n');
    }
    return result;
  }
}
