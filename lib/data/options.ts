import { UsageError } from '../errors.js';
import type { ColumnMapping, ReadPairsOptions } from './types.js';

/** ReadPairsOptions with defaults applied and checked once, before any file is touched. */
export interface ResolvedReadOptions {
  columns: ColumnMapping;
  scoreScale: number;
  labelRange: readonly [number, number] | null;
  skipInvalid: boolean;
  /** Infinity when no limit was asked for. */
  limit: number;
}

export const DEFAULT_LABEL_RANGE: readonly [number, number] = [0, 1];

/** Bad options are the caller's mistake, not the data's, so they throw UsageError rather than DataError. */
export function resolveReadOptions(opts: ReadPairsOptions = {}): ResolvedReadOptions {
  const scoreScale = opts.scoreScale ?? 1;
  if (!Number.isFinite(scoreScale) || scoreScale <= 0) {
    throw new UsageError(`scoreScale must be a finite number > 0, got ${String(opts.scoreScale)}`);
  }
  const labelRange = opts.labelRange === undefined ? DEFAULT_LABEL_RANGE : opts.labelRange;
  if (labelRange !== null) {
    const [lo, hi] = labelRange;
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo > hi) {
      throw new UsageError(`labelRange must be [min, max] with finite min <= max (or null), got ${JSON.stringify(labelRange)}`);
    }
  }
  const limit = opts.limit ?? Infinity;
  if (limit !== Infinity && (!Number.isInteger(limit) || limit < 1)) {
    throw new UsageError(`limit must be a positive integer, got ${String(opts.limit)}`);
  }
  for (const [key, col] of Object.entries(opts.columns ?? {})) {
    if (col !== undefined && (typeof col !== 'string' || col === '')) {
      throw new UsageError(`columns.${key} must be a non-empty column name, got ${JSON.stringify(col)}`);
    }
  }
  return { columns: { ...opts.columns }, scoreScale, labelRange, skipInvalid: opts.skipInvalid ?? false, limit };
}
