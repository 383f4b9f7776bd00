/**
 * Appending one row to an evaluator's results CSV the way the correlation evaluator does: read, append, rewrite
 * atomically, so a crash leaves the old file or the new one and never half a row.
 */
import { fsp } from '../platform/index.js';
import { writeFileAtomic } from '../util/fs.js';

/**
 * `eol` is the line ending of the Python writer being matched: csv.writer ends rows with \r\n, evaluators that
 * join strings themselves (CrossEncoderNanoBEIREvaluator) with \n. A file without a final newline is repaired.
 */
export async function appendCsvRow(file: string, header: readonly string[], row: readonly string[], eol: '\r\n' | '\n'): Promise<void> {
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
