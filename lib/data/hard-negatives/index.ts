/**
 * mineHardNegatives: sentence-transformers 6.2's util.mine_hard_negatives (util/hard_negatives.py) with a
 * SentenceTransformer of ours. From (anchor, positive) rows it finds, for each anchor, corpus texts that the model
 * scores close to it but that are not its positives, and writes them in one of the v4 formats:
 *
 *   triplet       (anchor, positive, negative)                 one row per negative
 *   n-tuple       (anchor, positive, negative_1 … negative_n)  rows that found all n
 *   labeled-pair  (anchor, positive, label)                    1 for each positive, 0 for each negative
 *   labeled-list  (anchor, [positive, negatives…], [1, 0…])
 *
 * Identical texts are one text (anchors and corpus deduplicated, first appearance wins), an anchor's rows all count as
 * its positives, and no positive of an anchor becomes its negative (unless includePositives). Not here: rescoring with
 * a CrossEncoder, FAISS, multi-process encoding and the embedding cache.
 */
import { DataError, UsageError } from '../../errors.js';
import { log } from '../../util/log.js';
import type { ColumnDataset } from '../column-dataset.js';
import { findCandidates, type FilterCount, type MiningModel } from './candidates.js';
import { miningColumns, resolveMiningOptions, type MineHardNegativesOptions } from './options.js';
import { buildOutput, type Mined } from './output.js';

export { OUTPUT_FORMATS, SAMPLING_STRATEGIES, type HardNegativesFormat, type MineHardNegativesOptions, type SamplingStrategy } from './options.js';
export type { MiningModel } from './candidates.js';
export { torchTopk } from './torch-topk.js';

function texts(ds: ColumnDataset, col: string): string[] {
  return ds.rows.map((row, r) => {
    const v = row[col];
    if (typeof v !== 'string') throw new DataError(ds.source, `column "${col}" must be a text to mine hard negatives, got ${Array.isArray(v) ? 'a list' : v === undefined ? 'nothing' : typeof v}`, r + 1);
    return v;
  });
}

function summary(name: string, xs: readonly number[]): string {
  if (xs.length === 0) return `${name}: none`;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const x of xs) {
    sum += x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  return `${name}: mean ${(sum / xs.length).toFixed(4)}, min ${min.toFixed(4)}, max ${max.toFixed(4)}`;
}

function report(mined: Mined, positiveScores: Float32Array, counters: Partial<Record<string, FilterCount>>, values: Record<string, number | undefined>): void {
  const rows = mined.dataset.rows.length;
  log.info(`mined ${rows} rows: ${positiveScores.length} positives, ${mined.negativeScores.length} negatives`);
  log.info(`${summary('positive scores', Array.from(positiveScores))}; ${summary('negative scores', mined.negativeScores)}; ${summary('difference', mined.differences)}`);
  for (const [name, c] of Object.entries(counters)) {
    if (c) log.info(`skipped ${c.skipped} potential negatives (${(c.ratio * 100).toFixed(2)}%) for the ${name} of ${values[name]}`);
  }
  const missing = mined.maximumRows - rows;
  if (missing > 0) {
    log.warn(`could not find enough negatives for ${missing} samples (${((missing / mined.maximumRows) * 100).toFixed(2)}%); to find more, raise rangeMax, or loosen rangeMin, the margins or maxScore`);
  }
}

/**
 * Hard negatives for the (anchor, positive) rows of `dataset`; the result follows the column rule (its label column
 * is "label"/"score"/"labels"/"scores" where the format has one), so the column views read it.
 */
export async function mineHardNegatives(dataset: ColumnDataset, model: MiningModel, options: MineHardNegativesOptions = {}): Promise<ColumnDataset> {
  if (dataset.rows.length === 0) throw new UsageError(`${dataset.source}: the dataset is empty`);
  // The columns first: the default rangeMax depends on how many positives an anchor has.
  const cols = miningColumns(dataset, options);
  const anchors = texts(dataset, cols.anchorColumn);
  const positives = texts(dataset, cols.positiveColumn);
  const perAnchor = new Map<string, number>();
  for (const a of anchors) perAnchor.set(a, (perAnchor.get(a) ?? 0) + 1);
  let maxPositives = 0;
  for (const n of perAnchor.values()) maxPositives = Math.max(maxPositives, n);
  const o = resolveMiningOptions(dataset, options, maxPositives);
  if (o.verbose && perAnchor.size !== anchors.length) log.info(`found ${perAnchor.size} distinct anchors among ${anchors.length} rows`);
  if (o.verbose && maxPositives > 1) log.info(`found an average of ${(anchors.length / perAnchor.size).toFixed(3)} positives per anchor`);
  const c = await findCandidates(model, anchors, positives, o, options, maxPositives, options.showProgress);
  const mined = buildOutput(c, o, dataset.rows.length, `${dataset.source} (hard negatives)`);
  if (o.verbose) report(mined, c.positiveScores, c.counters, { absoluteMargin: o.absoluteMargin, relativeMargin: o.relativeMargin, maxScore: o.maxScore, minScore: o.minScore });
  return mined.dataset;
}
