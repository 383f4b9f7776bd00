import { DataError } from '../errors.js';
import { log } from '../util/log.js';
import { checkHeader, pickColumns, type ResolvedColumns } from './columns.js';
import type { ResolvedReadOptions } from './options.js';
import type { RawTable } from './raw.js';
import type { PairDataset, PairExample } from './types.js';
import { toExample } from './validate.js';

/** How many skip reasons a dataset keeps: enough to diagnose, bounded for a file that is all bad. */
export const MAX_SKIPPED_REASONS = 10;

/**
 * Validate a reader's rows into examples. Every invalid row either throws a DataError naming file, row and
 * column, or (with skipInvalid) is counted with its reason: nothing is dropped silently.
 */
export async function collectPairs(file: string, table: RawTable, opts: ResolvedReadOptions): Promise<PairDataset> {
  let cols: ResolvedColumns | null = null;
  if (table.columns) {
    cols = pickColumns(opts.columns, table.columns);
    checkHeader(file, cols, table.columns, table.headerHint);
  }
  const wanted = cols ? [cols.sentence1, cols.sentence2, cols.label] : [];
  // With skipInvalid, bad rows do not count towards the limit, so the reader cannot stop early.
  const rows = await table.readRows(wanted, opts.skipInvalid ? Infinity : opts.limit);

  const examples: PairExample[] = [];
  const skippedReasons: string[] = [];
  let skipped = 0;
  let seen = 0;
  for (const r of rows) {
    if (examples.length >= opts.limit) break;
    seen++;
    let problem: string;
    if ('error' in r) {
      problem = r.error;
    } else {
      // JSONL has no header: the first object decides whether the label is "score" or "label".
      cols ??= pickColumns(opts.columns, Object.keys(r.values));
      const res = toExample(r.values, cols, opts, table.textual);
      if ('ok' in res) {
        examples.push(res.ok);
        continue;
      }
      problem = res.problem;
    }
    // CSV records can span lines; say where the record starts when that is not the obvious line.
    const where = r.line !== undefined && r.line !== r.row + 1 ? ` (record starts on line ${r.line})` : '';
    const err = new DataError(file, problem + where, r.row);
    if (!opts.skipInvalid) throw err;
    skipped++;
    if (skippedReasons.length < MAX_SKIPPED_REASONS) skippedReasons.push(err.message);
  }
  if (seen === 0) throw new DataError(file, 'no data rows');
  if (examples.length === 0) {
    throw new DataError(file, `no valid rows: all ${skipped} rows are invalid; first: ${skippedReasons[0] ?? '?'}`);
  }
  warnIfScaledTwice(file, examples, opts);
  return { examples, skipped, skippedReasons, source: file };
}

/** A score scale applied to scores already in [0, 1] squeezes them into [0, 1/scale]: legal, but almost surely a mistake. */
function warnIfScaledTwice(file: string, examples: readonly PairExample[], opts: ResolvedReadOptions): void {
  if (opts.scoreScale === 1 || opts.labelRange === null) return;
  let max = -Infinity;
  for (const e of examples) max = Math.max(max, e.label * opts.scoreScale);
  if (max <= 1) {
    log.warn(
      `${file}: score scale ${opts.scoreScale} (--score-scale) divides scores whose maximum is ${max}: they look already in [0, 1], ` +
        `so the labels end up in [0, ${+(1 / opts.scoreScale).toFixed(4)}]. Drop --score-scale if the file holds 0-1 scores.`,
    );
  }
}
