import { DataError } from '../errors.js';
import type { ColumnMapping } from './types.js';

export interface ResolvedColumns {
  sentence1: string;
  sentence2: string;
  label: string;
  /** True when the label column was the default pick, so messages can say "score" or "label" was expected. */
  labelDefaulted: boolean;
}

function listColumns(columns: readonly string[]): string {
  return columns.length ? columns.map((c) => JSON.stringify(c)).join(', ') : '(none)';
}

/**
 * Pick the columns to read. The label defaults to "score" (sentence-transformers' STSb) and falls back to
 * "label" (most HF classification sets). `available` is null for JSONL before the first object is seen.
 */
export function pickColumns(mapping: ColumnMapping, available: readonly string[] | null): ResolvedColumns {
  const has = (c: string): boolean => available?.includes(c) ?? false;
  const label = mapping.label ?? (has('score') || !has('label') ? 'score' : 'label');
  return {
    sentence1: mapping.sentence1 ?? 'sentence1',
    sentence2: mapping.sentence2 ?? 'sentence2',
    label,
    labelDefaulted: mapping.label === undefined,
  };
}

/** Header/schema check: every wanted column must be present exactly once. */
export function checkHeader(file: string, cols: ResolvedColumns, available: readonly string[], hint = ''): void {
  for (const role of ['sentence1', 'sentence2', 'label'] as const) {
    const col = cols[role];
    const count = available.filter((c) => c === col).length;
    if (count === 1) continue;
    if (count > 1) {
      throw new DataError(file, `column "${col}" appears ${count} times in the header, so the ${role} column is ambiguous`);
    }
    const what =
      role === 'label' && cols.labelDefaulted
        ? 'missing label column: neither "score" nor "label" is present (set columns.label)'
        : `missing ${role} column "${col}"${role === 'label' ? '' : ` (set columns.${role} if it has another name)`}`;
    throw new DataError(file, `${what}; columns found: ${listColumns(available)}${hint}`);
  }
}
