/**
 * <output>/log.jsonl: one JSON object per logged step ({type: 'train', step, epoch, loss, lr, grad_norm, pairs_per_s})
 * and per evaluation ({type: 'eval', step, epoch, pearson, spearman, name}). Appends are whole lines.
 */
import { fsp } from '../platform/index.js';
import { fsError, writeFileAtomic } from '../util/fs.js';

export interface TrainRow {
  type: 'train';
  step: number;
  epoch: number;
  loss: number;
  lr: number;
  grad_norm: number;
  pairs_per_s: number;
}

export interface EvalRow {
  type: 'eval';
  step: number;
  epoch: number;
  pearson: number;
  spearman: number;
  name: string;
}

export type LogRow = TrainRow | EvalRow;

export async function readLog(file: string): Promise<LogRow[]> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf-8');
  } catch {
    return [];
  }
  const rows: LogRow[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      rows.push(JSON.parse(line) as LogRow);
    } catch {
      // A torn last line from a killed process: ignore it, the resumed run rewrites from the checkpoint.
    }
  }
  return rows;
}

export class TrainingLog {
  constructor(readonly file: string) {}

  async append(row: LogRow): Promise<void> {
    try {
      await fsp.appendFile(this.file, JSON.stringify(row) + '\n');
    } catch (e) {
      throw fsError(e, this.file); // Node's ENOSPC message names no file
    }
  }

  /** On resume: drop rows logged after the checkpoint step (they will be logged again). */
  static async truncateAfter(file: string, step: number): Promise<void> {
    const rows = (await readLog(file)).filter((r) => r.step <= step);
    await writeFileAtomic(file, rows.map((r) => JSON.stringify(r) + '\n').join(''));
  }
}
