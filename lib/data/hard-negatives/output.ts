/**
 * The four output datasets of mine_hard_negatives, with its column names, column order and row order. Rows are
 * grouped by distinct anchor (first appearance), then by that anchor's distinct positives (dataset order); a
 * negative with a -Infinity score is one that was not found and is left out (triplet, labeled-pair, labeled-list) or
 * costs its row (n-tuple, which needs all numNegatives).
 */
import { UsageError } from '../../errors.js';
import type { ColumnDataset, ColumnRow } from '../column-dataset.js';
import type { Candidates } from './candidates.js';
import type { ResolvedMiningOptions } from './options.js';

export interface Mined {
  dataset: ColumnDataset;
  /** Scores of the negatives in the output (once per row that holds them, as Python's statistics count them). */
  negativeScores: number[];
  /** positive − negative score for each of those. */
  differences: number[];
  /** Rows the output would have had if every anchor had found all its negatives. */
  maximumRows: number;
}

/** The output's column names; a dataset column that clashes with a generated one would be overwritten in Python. */
function columnsOf(o: ResolvedMiningOptions): { columns: string[]; label?: string } {
  const a = o.anchorColumn;
  const p = o.positiveColumn;
  let extra: string[];
  let label: string | undefined;
  switch (o.outputFormat) {
    case 'triplet':
      extra = ['negative', ...(o.outputScores ? ['scores'] : [])];
      label = o.outputScores ? 'scores' : undefined;
      break;
    case 'n-tuple':
      extra = [...Array.from({ length: o.numNegatives }, (_, i) => `negative_${i + 1}`), ...(o.outputScores ? ['scores'] : [])];
      label = o.outputScores ? 'scores' : undefined;
      break;
    case 'labeled-pair':
      label = o.outputScores ? 'score' : 'label';
      extra = [label];
      break;
    case 'labeled-list':
      label = o.outputScores ? 'scores' : 'labels';
      extra = [label];
      break;
  }
  const clash = [a, p].find((c) => extra.includes(c));
  if (clash !== undefined) throw new UsageError(`the ${o.outputFormat} output has its own column "${clash}"; rename that column of the dataset`);
  return { columns: [a, p, ...extra], ...(label !== undefined ? { label } : {}) };
}

export function buildOutput(c: Candidates, o: ResolvedMiningOptions, datasetRows: number, source: string): Mined {
  const { columns, label } = columnsOf(o);
  const [a, p] = columns as [string, string];
  const rows: ColumnRow[] = [];
  const negativeScores: number[] = [];
  const differences: number[] = [];
  let maximumRows = 0;
  let at = 0; // position in positiveScores: one per (query, positive)
  c.queries.forEach((query, q) => {
    const negIdx = c.indices[q]!;
    const negSc = c.scores[q]!;
    const found: number[] = [];
    for (let j = 0; j < negIdx.length; j++) if (negSc[j] !== -Infinity) found.push(j);
    const ps = c.positiveIndices[q]!;
    if (o.outputFormat === 'labeled-pair') {
      ps.forEach((pi, k) => rows.push({ [a]: query, [p]: c.corpus[pi]!, [label!]: o.outputScores ? c.positiveScores[at + k]! : 1 }));
      for (const j of found) rows.push({ [a]: query, [p]: c.corpus[negIdx[j]!]!, [label!]: o.outputScores ? negSc[j]! : 0 });
    }
    ps.forEach((pi, k) => {
      const pos = c.corpus[pi]!;
      const posScore = c.positiveScores[at + k]!;
      const kept = o.outputFormat === 'n-tuple' && found.length < negIdx.length ? [] : found;
      for (const j of kept) {
        negativeScores.push(negSc[j]!);
        differences.push(posScore - negSc[j]!);
      }
      if (o.outputFormat === 'triplet') {
        maximumRows += negIdx.length;
        for (const j of found) rows.push({ [a]: query, [p]: pos, negative: c.corpus[negIdx[j]!]!, ...(o.outputScores ? { scores: [posScore, negSc[j]!] } : {}) });
      } else if (o.outputFormat === 'n-tuple') {
        maximumRows++;
        if (kept.length === 0) return;
        const row: Record<string, string | number[]> = { [a]: query, [p]: pos };
        kept.forEach((j, n) => (row[`negative_${n + 1}`] = c.corpus[negIdx[j]!]!));
        if (o.outputScores) row.scores = [posScore, ...kept.map((j) => negSc[j]!)];
        rows.push(row);
      } else if (o.outputFormat === 'labeled-list') {
        maximumRows++;
        if (found.length === 0) return;
        const docs = [pos, ...found.map((j) => c.corpus[negIdx[j]!]!)];
        const labels = o.outputScores ? [posScore, ...found.map((j) => negSc[j]!)] : [1, ...found.map(() => 0)];
        rows.push({ [a]: query, [p]: docs, [label!]: labels });
      }
    });
    at += ps.length;
  });
  // Python's count for labeled-pair: every anchor's negatives plus every dataset row as a positive.
  if (o.outputFormat === 'labeled-pair') maximumRows = c.queries.length * o.numNegatives + datasetRows;
  const dataset: ColumnDataset = { columns, inputColumns: columns.filter((col) => col !== label), ...(label !== undefined ? { labelColumn: label } : {}), rows, source };
  return { dataset, negativeScores, differences, maximumRows };
}
