/**
 * The evaluators' CSV files, written as sentence-transformers writes them (Python's csv.writer: \r\n row ends,
 * repr(float) numbers), so tools that read its eval folders read ours. Every write is atomic: a crash leaves the old
 * file or the new one, never a half row.
 */
import { fsp } from '../platform/index.js';
import { writeFileAtomic } from '../util/fs.js';

/** Where an evaluation happens; every evaluator takes these. */
export interface EvaluateOptions {
  /** When set, a row is appended to `<outputDir>/eval/<csvFile>`. */
  outputDir?: string;
  /** -1 (the sentence-transformers default) means "not during training". */
  epoch?: number;
  steps?: number;
}

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

/** The log line's "where": nothing outside training, else the epoch (and step). */
export function describeWhen(opts: EvaluateOptions): string {
  const epoch = opts.epoch ?? -1;
  const steps = opts.steps ?? -1;
  return epoch === -1 ? '' : steps === -1 ? ` after epoch ${epoch}` : ` in epoch ${epoch} after ${steps} steps`;
}

/**
 * Read, append, rewrite atomically; a new file starts with `header`, and a missing final newline is repaired. `eol`
 * is the line ending of the Python writer being matched: csv.writer ends rows with \r\n, evaluators that join
 * strings themselves (CrossEncoderNanoBEIREvaluator) with \n.
 */
export async function appendCsvRow(file: string, header: readonly string[], row: readonly string[], eol: '\r\n' | '\n' = '\r\n'): Promise<void> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    text = `${header.join(',')}${eol}`;
  }
  if (text.length > 0 && !text.endsWith('\n')) text += eol;
  await writeFileAtomic(file, `${text}${row.join(',')}${eol}`);
}

/**
 * Keep only the rows `keep(epoch, steps)` accepts (header kept). A resumed training run cuts the rows written after
 * its checkpoint, which it is about to write again. No CSV: nothing to do.
 */
export async function truncateCsvRows(file: string, keep: (epoch: number, steps: number) => boolean): Promise<void> {
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
  if (kept.length !== rows.length) await writeFileAtomic(file, [header, ...kept].map((l) => `${l}\r\n`).join(''));
}
