/**
 * CrossEncoderCorrelationEvaluator, as in sentence-transformers: score held-out pairs, report Pearson and
 * Spearman against gold labels, and append a row to a CSV that has the same name, header and columns, so
 * tools that read sentence-transformers' eval folders read ours.
 */
import { path } from '../../platform/index.js';
import type { PairExample } from '../../data/types.js';
import { UsageError } from '../../errors.js';
import { log } from '../../util/log.js';
import { pearson, spearman } from '../../evaluation/correlation.js';
import { appendCsvRow, describeWhen, pyFloatRepr, truncateCsvRows, type EvaluateOptions } from '../../evaluation/csv.js';

// Where they were first exported from; the evaluators' shared CSV code now lives in lib/evaluation/csv.ts.
export { pyFloatRepr, type EvaluateOptions } from '../../evaluation/csv.js';

export type SentencePair = [string, string];

/** Scores pairs in the order given; one number per pair. */
export type PairScorer = (pairs: SentencePair[]) => Promise<number[]>;

export interface CorrelationEvaluatorOptions {
  pairs: SentencePair[];
  labels: number[];
  /** Names the CSV and prefixes metric keys; '' means no suffix/prefix, as in sentence-transformers. */
  name: string;
  /** Default true, as sentence-transformers' write_csv. */
  writeCsv?: boolean;
}

export interface CorrelationResult {
  pearson: number;
  spearman: number;
  /** `${name}_pearson` / `${name}_spearman` (plain keys when name is ''), for loggers. */
  metrics: Record<string, number>;
}

export const CSV_HEADER = ['epoch', 'steps', 'Pearson_Correlation', 'Spearman_Correlation'] as const;

export class CrossEncoderCorrelationEvaluator {
  readonly pairs: SentencePair[];
  readonly labels: number[];
  readonly name: string;
  readonly writeCsv: boolean;
  readonly csvFile: string;

  constructor(opts: CorrelationEvaluatorOptions) {
    const { pairs, labels, name } = opts;
    if (pairs.length !== labels.length) {
      throw new UsageError(`CrossEncoderCorrelationEvaluator "${name}": ${pairs.length} pairs but ${labels.length} labels.`);
    }
    if (pairs.length < 2) throw new UsageError(`CrossEncoderCorrelationEvaluator "${name}": needs at least 2 pairs (got ${pairs.length}).`);
    labels.forEach((l, i) => {
      if (!Number.isFinite(l)) throw new UsageError(`CrossEncoderCorrelationEvaluator "${name}": label ${i} is ${l}; labels must be finite.`);
    });
    // Names end up in a file name: refuse path separators rather than write outside eval/.
    if (/[\\/]/.test(name)) throw new UsageError(`CrossEncoderCorrelationEvaluator: name "${name}" must not contain / or \\.`);
    this.pairs = pairs;
    this.labels = labels;
    this.name = name;
    this.writeCsv = opts.writeCsv ?? true;
    this.csvFile = `CrossEncoderCorrelationEvaluator${name ? `_${name}` : ''}_results.csv`;
  }

  static fromExamples(examples: readonly PairExample[], name: string, writeCsv?: boolean): CrossEncoderCorrelationEvaluator {
    return new CrossEncoderCorrelationEvaluator({
      pairs: examples.map((e): SentencePair => [e.sentence1, e.sentence2]),
      labels: examples.map((e) => e.label),
      name,
      writeCsv,
    });
  }

  /** Path of the CSV under an output directory. */
  csvPath(outputDir: string): string {
    return path.join(outputDir, 'eval', this.csvFile);
  }

  async evaluate(scorer: PairScorer, opts: EvaluateOptions = {}): Promise<CorrelationResult> {
    const epoch = opts.epoch ?? -1;
    const steps = opts.steps ?? -1;
    log.info(`CrossEncoderCorrelationEvaluator: evaluating the model on the ${this.name} dataset${describeWhen(opts)}:`);

    const scores = await scorer(this.pairs);
    if (scores.length !== this.pairs.length) {
      throw new UsageError(`CrossEncoderCorrelationEvaluator "${this.name}": scorer returned ${scores.length} scores for ${this.pairs.length} pairs.`);
    }
    let p = NaN;
    let s = NaN;
    // A diverged model scores NaN; report nan (as scipy would) instead of aborting the training run.
    if (scores.every(Number.isFinite)) {
      p = pearson(this.labels, scores);
      s = spearman(this.labels, scores);
    } else {
      log.warn(`CrossEncoderCorrelationEvaluator "${this.name}": the model produced non-finite scores; correlations are NaN.`);
    }
    log.info(`Correlation:\tPearson: ${p.toFixed(4)}\tSpearman: ${s.toFixed(4)}`);

    if (opts.outputDir !== undefined && this.writeCsv) {
      await appendCsvRow(this.csvPath(opts.outputDir), CSV_HEADER, [String(epoch), String(steps), pyFloatRepr(p), pyFloatRepr(s)]);
    }
    const prefix = this.name ? `${this.name}_` : '';
    return { pearson: p, spearman: s, metrics: { [`${prefix}pearson`]: p, [`${prefix}spearman`]: s } };
  }

  /** Keep only the rows `keep(epoch, steps)` accepts (a resumed run rewrites the ones after its checkpoint). */
  truncateCsv(outputDir: string, keep: (epoch: number, steps: number) => boolean): Promise<void> {
    return truncateCsvRows(this.csvPath(outputDir), keep);
  }
}
