/**
 * mineHardNegatives' options, named as sentence-transformers 6.2's mine_hard_negatives arguments (camelCase), with
 * its defaults and its checks, in its order (util/hard_negatives.py). Two deliberate differences: an anchor or
 * positive column that the dataset does not have is an error here (Python silently falls back to the first or second
 * column), and the deprecated `margin` / `as_triplets` / "n-tuple-scores" spellings are not accepted.
 */
import { UsageError } from '../../errors.js';
import { DEFAULT_SEED } from '../../training/training-args.js';
import { log } from '../../util/log.js';
import type { ColumnDataset } from '../column-dataset.js';

export const OUTPUT_FORMATS = ['triplet', 'n-tuple', 'labeled-pair', 'labeled-list'] as const;
export type HardNegativesFormat = (typeof OUTPUT_FORMATS)[number];
export const SAMPLING_STRATEGIES = ['top', 'random'] as const;
export type SamplingStrategy = (typeof SAMPLING_STRATEGIES)[number];

export interface MineHardNegativesOptions {
  /** Default: the dataset's first column. */
  anchorColumn?: string;
  /** Default: the dataset's second column. */
  positiveColumn?: string;
  /** Extra candidate texts; the positives are always candidates too. Default: the positives alone. */
  corpus?: readonly string[];
  /** Skip this many of the closest candidates (possible unlabelled positives). Default 0. */
  rangeMin?: number;
  /** Consider candidates up to this rank. Default: rangeMin + numNegatives (× 10 with a margin or maxScore) + the most positives of one anchor. */
  rangeMax?: number;
  /** Drop candidates scoring above this. */
  maxScore?: number;
  /** Drop candidates scoring below this. */
  minScore?: number;
  /** Drop candidates with score + absoluteMargin > the anchor's lowest positive score. */
  absoluteMargin?: number;
  /** Drop candidates scoring above positive − |positive| × relativeMargin (the anchor's lowest positive). */
  relativeMargin?: number;
  /** Negatives per anchor. Default 3. */
  numNegatives?: number;
  /** "top": the best-scoring candidates left; "random": a seeded sample of them. Default "top". */
  samplingStrategy?: SamplingStrategy;
  /**
   * Seed of "random" sampling. Python draws with its global `random` module (Mersenne Twister over a state we cannot
   * see), so the same seed does not pick the same negatives there: only the rules (which candidates may be drawn,
   * how many, sorted by score) are the same.
   */
  seed?: number;
  /** A prompt put before each anchor (wins over queryPromptName). Default: the model's "query" prompt, else none. */
  queryPrompt?: string;
  queryPromptName?: string;
  /** A prompt put before each corpus text. Default: the model's "document" prompt, else none. */
  corpusPrompt?: string;
  corpusPromptName?: string;
  /** Keep positives among the candidates (reranking evaluation sets); forces outputFormat "n-tuple". */
  includePositives?: boolean;
  /** Default "triplet". */
  outputFormat?: HardNegativesFormat;
  /** Add the similarity scores: a "scores" list column, or "score"/"scores" instead of "label"/"labels". */
  outputScores?: boolean;
  /** Texts per forward pass when embedding. Default 32. */
  batchSize?: number;
  showProgress?: boolean;
  /** Log the score statistics and what each filter removed, as Python's verbose. Default true. */
  verbose?: boolean;
}

export interface ResolvedMiningOptions {
  anchorColumn: string;
  positiveColumn: string;
  corpus: readonly string[] | undefined;
  rangeMin: number;
  rangeMax: number;
  maxScore: number | undefined;
  minScore: number | undefined;
  absoluteMargin: number | undefined;
  relativeMargin: number | undefined;
  numNegatives: number;
  samplingStrategy: SamplingStrategy;
  seed: number;
  includePositives: boolean;
  outputFormat: HardNegativesFormat;
  outputScores: boolean;
  batchSize: number;
  verbose: boolean;
}

function optionalNumber(name: string, v: number | undefined): number | undefined {
  if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) throw new UsageError(`${name} must be a finite number, got ${String(v)}`);
  return v;
}

function integer(name: string, v: number, min?: number): number {
  if (!Number.isInteger(v) || (min !== undefined && v < min)) throw new UsageError(`${name} must be an integer${min === undefined ? '' : ` >= ${min}`}, got ${String(v)}`);
  return v;
}

/** The column names, checked against the dataset (Python would quietly use the first/second column instead). */
function pickColumn(ds: ColumnDataset, name: string | undefined, position: 0 | 1, what: string): string {
  if (name === undefined) {
    const col = ds.columns[position];
    if (col === undefined) throw new UsageError(`${ds.source}: the dataset needs at least two columns (anchor, positive) to pick the ${what} column; it has ${ds.columns.length}`);
    return col;
  }
  if (!ds.columns.includes(name)) throw new UsageError(`${what}Column "${name}" is not a column of ${ds.source} (columns: ${ds.columns.join(', ')})`);
  return name;
}

/** The anchor and positive columns: named, else the dataset's first two. */
export function miningColumns(ds: ColumnDataset, opts: Pick<MineHardNegativesOptions, 'anchorColumn' | 'positiveColumn'>): { anchorColumn: string; positiveColumn: string } {
  const anchorColumn = pickColumn(ds, opts.anchorColumn, 0, 'anchor');
  const positiveColumn = pickColumn(ds, opts.positiveColumn, 1, 'positive');
  if (anchorColumn === positiveColumn) throw new UsageError(`anchorColumn and positiveColumn are both "${anchorColumn}"`);
  return { anchorColumn, positiveColumn };
}

/**
 * Defaults and checks, in Python's order. `maxPositives`: the most rows one anchor has (pandas'
 * groupby(anchor).count(), so a repeated (anchor, positive) row counts twice), which sizes the default rangeMax.
 */
export function resolveMiningOptions(ds: ColumnDataset, opts: MineHardNegativesOptions, maxPositives: number): ResolvedMiningOptions {
  const { anchorColumn, positiveColumn } = miningColumns(ds, opts);
  let outputFormat = opts.outputFormat ?? 'triplet';
  if (!OUTPUT_FORMATS.includes(outputFormat)) throw new UsageError(`outputFormat must be one of ${OUTPUT_FORMATS.join(', ')}, got ${String(outputFormat)}`);
  const samplingStrategy = opts.samplingStrategy ?? 'top';
  if (!SAMPLING_STRATEGIES.includes(samplingStrategy)) throw new UsageError(`samplingStrategy must be top or random, got ${String(samplingStrategy)}`);
  const rangeMin = integer('rangeMin', opts.rangeMin ?? 0);
  const maxScore = optionalNumber('maxScore', opts.maxScore);
  const minScore = optionalNumber('minScore', opts.minScore);
  const absoluteMargin = optionalNumber('absoluteMargin', opts.absoluteMargin);
  const relativeMargin = optionalNumber('relativeMargin', opts.relativeMargin);
  const includePositives = opts.includePositives ?? false;
  if (includePositives) {
    const tuned = rangeMin !== 0 || opts.rangeMax !== undefined || maxScore !== undefined || minScore !== undefined || absoluteMargin !== undefined || relativeMargin !== undefined || samplingStrategy !== 'top';
    if (tuned) log.warn('includePositives: rangeMin, rangeMax, maxScore, minScore, absoluteMargin, relativeMargin or samplingStrategy away from their defaults may still discard the positives');
    if (outputFormat !== 'n-tuple') {
      log.warn(`includePositives: outputFormat "${outputFormat}" becomes "n-tuple", so that the ranking order is kept`);
      outputFormat = 'n-tuple';
    }
  }
  const numNegatives = opts.numNegatives ?? 3;
  if (!Number.isInteger(numNegatives) || numNegatives < 1) throw new UsageError(`numNegatives must be at least 1, got ${String(opts.numNegatives)}`);
  // A filter may remove many candidates, so then ten times as many are looked at.
  const filtered = absoluteMargin !== undefined || relativeMargin !== undefined || maxScore !== undefined;
  const rangeMax = opts.rangeMax === undefined ? rangeMin + numNegatives * (filtered ? 10 : 1) + maxPositives : integer('rangeMax', opts.rangeMax);
  if (rangeMin < 0) throw new UsageError(`rangeMin must be non-negative, got ${rangeMin}`);
  if (rangeMin >= rangeMax) throw new UsageError(`rangeMin must be smaller than rangeMax, got rangeMin ${rangeMin} and rangeMax ${rangeMax}`);
  if (numNegatives > rangeMax - rangeMin) {
    throw new UsageError(`cannot mine ${numNegatives} negatives per anchor: only ${rangeMax - rangeMin} candidates remain after skipping the first rangeMin ${rangeMin} of rangeMax ${rangeMax}; lower numNegatives or rangeMin, or raise rangeMax`);
  }
  const batchSize = integer('batchSize', opts.batchSize ?? 32, 1);
  const seed = opts.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(seed)) throw new UsageError(`seed must be an integer, got ${String(seed)}`);
  if (opts.corpus !== undefined && !Array.isArray(opts.corpus)) throw new UsageError('corpus must be a list of texts');
  (opts.corpus ?? []).forEach((t, i) => {
    if (typeof t !== 'string') throw new UsageError(`corpus[${i}] is ${t === null ? 'null' : typeof t}, not a text`);
  });
  return {
    anchorColumn,
    positiveColumn,
    corpus: opts.corpus,
    rangeMin,
    rangeMax,
    maxScore,
    minScore,
    absoluteMargin,
    relativeMargin,
    numNegatives,
    samplingStrategy,
    seed,
    includePositives,
    outputFormat,
    outputScores: opts.outputScores ?? false,
    batchSize,
    verbose: opts.verbose ?? true,
  };
}
