import { CrossEncoder } from '../../lib/cross-encoder/model.js';
import { loadPairs } from '../../lib/data/index.js';
import { UsageError } from '../../lib/errors.js';
import { CrossEncoderCorrelationEvaluator } from '../../lib/cross-encoder/evaluation/correlation-evaluator.js';
import { intFlag, strFlag, threadsFlag, type Flags } from './flags.js';
import { readOptions } from './train.js';

export const EVALUATE_HELP = `cross-encoder evaluate --model <id|dir> --data <hf-id[:split]|file> [--batch-size N] [--max-length N] [--score-scale 5] [--limit N]
  [--threads N|auto (default auto)]
  Prints {"pearson": ..., "spearman": ..., "n": ...} as JSON.`;

export async function evaluateCommand(v: Flags): Promise<void> {
  const model = strFlag(v, 'model');
  const data = strFlag(v, 'data');
  if (!model || !data) throw new UsageError(`--model and --data are required\n${EVALUATE_HELP}`);
  const threads = threadsFlag(v) ?? 'auto';
  const d = await loadPairs(data, { ...readOptions(v), limit: intFlag(v, 'limit') });
  const ce = await CrossEncoder.fromPretrained(model, { maxLength: intFlag(v, 'max-length') });
  try {
    const ev = CrossEncoderCorrelationEvaluator.fromExamples(d.examples, 'eval', false);
    const r = await ev.evaluate((p) => ce.predict(p, { batchSize: intFlag(v, 'batch-size') ?? 32, threads }));
    process.stdout.write(JSON.stringify({ pearson: r.pearson, spearman: r.spearman, n: d.examples.length, data: d.source, model }) + '\n');
  } finally {
    ce.dispose();
  }
}
