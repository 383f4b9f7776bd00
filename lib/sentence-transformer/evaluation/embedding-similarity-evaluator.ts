/**
 * EmbeddingSimilarityEvaluator, as in sentence-transformers: embed both sides of held-out pairs, score each pair with
 * every requested similarity function (cosine, manhattan, euclidean, dot; the distances negated), and report Pearson
 * and Spearman against the gold scores. The CSV has sentence-transformers' name
 * (similarity_evaluation_<name>_results.csv), header (epoch, steps, then <fn>_pearson, <fn>_spearman per function)
 * and number format, under <outputDir>/eval/ as the cross-encoder evaluator's.
 */
import { path } from '../../platform/index.js';
import type { PairExample } from '../../data/types.js';
import { UsageError } from '../../errors.js';
import { pearson, spearman } from '../../evaluation/correlation.js';
import { appendCsvRow, describeWhen, pyFloatRepr, truncateCsvRows, type EvaluateOptions } from '../../evaluation/csv.js';
import { log } from '../../util/log.js';
import { similarityPairwise, SIMILARITY_FN_NAMES, type SimilarityFnName } from '../similarity.js';

/** Embeds texts in the order given (SentenceTransformer.encode, bound to its options). */
export type TextEmbedder = (texts: string[]) => Promise<Float32Array[]>;

export interface EmbeddingSimilarityEvaluatorOptions {
  sentences1: string[];
  sentences2: string[];
  scores: number[];
  /** Names the CSV and prefixes metric keys; '' means none, as in sentence-transformers. */
  name: string;
  /** Functions to report, in CSV column order. Default: the main similarity alone (sentence-transformers: the model's). */
  similarityFnNames?: SimilarityFnName[];
  /** The function whose Spearman is the primary metric (main_similarity). Default: the first of similarityFnNames. */
  mainSimilarity?: SimilarityFnName;
  writeCsv?: boolean;
}

export interface EmbeddingSimilarityResult {
  /** Pearson and Spearman of the main similarity: what the trainer tracks. */
  pearson: number;
  spearman: number;
  /** `${name}_pearson_cosine`, `${name}_spearman_cosine`, … as sentence-transformers names them. */
  metrics: Record<string, number>;
}

export class EmbeddingSimilarityEvaluator {
  readonly sentences1: string[];
  readonly sentences2: string[];
  readonly scores: number[];
  readonly name: string;
  readonly fnNames: SimilarityFnName[];
  readonly mainSimilarity: SimilarityFnName;
  readonly writeCsv: boolean;
  readonly csvFile: string;

  constructor(o: EmbeddingSimilarityEvaluatorOptions) {
    if (o.sentences1.length !== o.sentences2.length || o.sentences1.length !== o.scores.length) {
      throw new UsageError(`EmbeddingSimilarityEvaluator "${o.name}": ${o.sentences1.length} first sentences, ${o.sentences2.length} second sentences and ${o.scores.length} scores; they must be equal`);
    }
    if (o.scores.length < 2) throw new UsageError(`EmbeddingSimilarityEvaluator "${o.name}": needs at least 2 pairs (got ${o.scores.length})`);
    o.scores.forEach((s, i) => {
      if (!Number.isFinite(s)) throw new UsageError(`EmbeddingSimilarityEvaluator "${o.name}": score ${i} is ${s}; scores must be finite`);
    });
    if (/[\\/]/.test(o.name)) throw new UsageError(`EmbeddingSimilarityEvaluator: name "${o.name}" must not contain / or \\`);
    const main = o.mainSimilarity ?? o.similarityFnNames?.[0] ?? 'cosine';
    const names = o.similarityFnNames ?? [main];
    for (const n of [...names, main]) {
      if (!(SIMILARITY_FN_NAMES as readonly string[]).includes(n)) throw new UsageError(`EmbeddingSimilarityEvaluator: unknown similarity function ${JSON.stringify(n)} (${SIMILARITY_FN_NAMES.join(', ')})`);
    }
    this.sentences1 = o.sentences1;
    this.sentences2 = o.sentences2;
    this.scores = o.scores;
    this.name = o.name;
    this.fnNames = names.includes(main) ? names : [...names, main];
    this.mainSimilarity = main;
    this.writeCsv = o.writeCsv ?? true;
    this.csvFile = `similarity_evaluation${o.name ? `_${o.name}` : ''}_results.csv`;
  }

  static fromExamples(examples: readonly PairExample[], name: string, opts: Omit<EmbeddingSimilarityEvaluatorOptions, 'sentences1' | 'sentences2' | 'scores' | 'name'> = {}): EmbeddingSimilarityEvaluator {
    return new EmbeddingSimilarityEvaluator({ sentences1: examples.map((e) => e.sentence1), sentences2: examples.map((e) => e.sentence2), scores: examples.map((e) => e.label), name, ...opts });
  }

  get csvHeader(): string[] {
    return ['epoch', 'steps', ...this.fnNames.flatMap((f) => [`${f}_pearson`, `${f}_spearman`])];
  }

  csvPath(outputDir: string): string {
    return path.join(outputDir, 'eval', this.csvFile);
  }

  async evaluate(embed: TextEmbedder, opts: EvaluateOptions = {}): Promise<EmbeddingSimilarityResult> {
    const epoch = opts.epoch ?? -1;
    const steps = opts.steps ?? -1;
    log.info(`EmbeddingSimilarityEvaluator: evaluating the model on the ${this.name} dataset${describeWhen(opts)}:`);
    // One call for both sides: length-sorted batches across all texts (each text's embedding does not depend on it).
    const n = this.sentences1.length;
    const all = await embed([...this.sentences1, ...this.sentences2]);
    const e1 = all.slice(0, n);
    const e2 = all.slice(n);
    const metrics: Record<string, number> = {};
    const prefix = this.name ? `${this.name}_` : '';
    const row: string[] = [String(epoch), String(steps)];
    let main = { pearson: NaN, spearman: NaN };
    for (const fn of this.fnNames) {
      const sims = similarityPairwise(fn, e1, e2);
      // A diverged model gives NaN embeddings; report nan (as scipy would) instead of aborting the training run.
      const ok = sims.every(Number.isFinite);
      if (!ok) log.warn(`EmbeddingSimilarityEvaluator "${this.name}": non-finite ${fn} similarities; correlations are NaN`);
      const p = ok ? pearson(this.scores, sims) : NaN;
      const s = ok ? spearman(this.scores, sims) : NaN;
      metrics[`${prefix}pearson_${fn}`] = p;
      metrics[`${prefix}spearman_${fn}`] = s;
      row.push(pyFloatRepr(p), pyFloatRepr(s));
      if (fn === this.mainSimilarity) main = { pearson: p, spearman: s };
      log.info(`${fn[0].toUpperCase()}${fn.slice(1)}-Similarity:\tPearson: ${p.toFixed(4)}\tSpearman: ${s.toFixed(4)}`);
    }
    if (opts.outputDir !== undefined && this.writeCsv) await appendCsvRow(this.csvPath(opts.outputDir), this.csvHeader, row);
    return { ...main, metrics };
  }

  /** Keep only the rows `keep(epoch, steps)` accepts (a resumed run rewrites the ones after its checkpoint). */
  truncateCsv(outputDir: string, keep: (epoch: number, steps: number) => boolean): Promise<void> {
    return truncateCsvRows(this.csvPath(outputDir), keep);
  }
}
