/**
 * CrossEncoderCorrelationEvaluator, as in sentence-transformers: score held-out pairs, report Pearson and
 * Spearman against gold labels, and append a row to a CSV that has the same name, header and columns, so
 * tools that read sentence-transformers' eval folders read ours.
 */
import { fsp, path } from '../platform/index.js';
import type { PairExample } from '../data/types.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { log } from '../util/log.js';
import { pearson, spearman } from './correlation.js';

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

export interface EvaluateOptions {
  /** When set, a row is appended to `<outputDir>/eval/<csvFile>`. */
  outputDir?: string;
  /** -1 (the sentence-transformers default) means "not during training". */
  epoch?: number;
  steps?: number;
}

export interface CorrelationResult {
  pearson: number;
  spearman: number;
  /** `${name}_pearson` / `${name}_spearman` (plain keys when name is ''), for loggers. */
  metrics: Record<string, number>;
}

export const CSV_HEADER = ['epoch', 'steps', 'Pearson_Correlation', 'Spearman_Correlation'] as const;

/** Python's repr(float), which is what csv.writer writes, so our CSVs are byte-identical to theirs. */
export function pyFloatRepr(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  // Both languages print the shortest round-trip digits; they differ only in when and how they use exponents.
  const [mant, expStr] = v.toExponential().split('e');
  const exp = Number(expStr);
  if (exp < -4 || exp >= 16) {
    return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const s = v.toFixed(Math.max(0, (mant.split('.')[1]?.length ?? 0) - exp));
  return s.includes('.') ? s : `${s}.0`;
}

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
    const where = epoch === -1 ? '' : steps === -1 ? ` after epoch ${epoch}` : ` in epoch ${epoch} after ${steps} steps`;
    log.info(`CrossEncoderCorrelationEvaluator: evaluating the model on the ${this.name} dataset${where}:`);

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
      await this.appendRow(this.csvPath(opts.outputDir), [String(epoch), String(steps), pyFloatRepr(p), pyFloatRepr(s)]);
    }
    const prefix = this.name ? `${this.name}_` : '';
    return { pearson: p, spearman: s, metrics: { [`${prefix}pearson`]: p, [`${prefix}spearman`]: s } };
  }

  /**
   * Keep only the rows `keep(epoch, steps)` accepts (header kept). A resumed training run cuts the rows written after
   * its checkpoint, which it is about to write again. No CSV: nothing to do.
   */
  async truncateCsv(outputDir: string, keep: (epoch: number, steps: number) => boolean): Promise<void> {
    const file = this.csvPath(outputDir);
    let text: string;
    try {
      text = await fsp.readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    const [header, ...rows] = text.split(/\r?\n/).filter((l) => l !== '');
    const kept = rows.filter((r) => {
      const [epoch, steps] = r.split(',').map(Number);
      return keep(epoch, steps);
    });
    if (kept.length === rows.length) return;
    await writeFileAtomic(file, [header, ...kept].map((l) => `${l}\r\n`).join(''));
  }

  /** Read, append, rewrite atomically: a crash leaves the old file or the new one, never a half row. */
  private async appendRow(file: string, row: string[]): Promise<void> {
    let text: string;
    try {
      text = await fsp.readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      text = `${CSV_HEADER.join(',')}\r\n`;
    }
    // Python's csv.writer ends rows with \r\n; keep that so files match, and repair a missing final newline.
    if (text.length > 0 && !text.endsWith('\n')) text += '\r\n';
    await writeFileAtomic(file, `${text}${row.join(',')}\r\n`);
  }
}
