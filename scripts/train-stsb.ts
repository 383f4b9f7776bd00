#!/usr/bin/env node
/**
 * npm run train:stsb — sentence-transformers' training_stsbenchmark.py for cross-encoders:
 * distilroberta-base, STSb (sentence-transformers/stsb from the hub, or --data-dir), BCE on gold/5 scores,
 * 4 epochs, batch 16, lr 2e-5, 10% warmup; validation before and during training, test at the end.
 * Saves to models/<model>-stsb-<timestamp>/ (final model in final/).
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { CrossEncoderError, UsageError } from '../lib/errors.js';
import { runTrainingJob } from '../lib/training/job.js';
import { intFlag, strFlag } from './commands/flags.js';
import { loadJobData, printSummary, TRAIN_HELP, TRAIN_OPTIONS, trainerOptions } from './commands/train.js';

const { values } = parseArgs({ args: process.argv.slice(2), options: { ...TRAIN_OPTIONS, help: { type: 'boolean', short: 'h' } }, strict: true });
if (values.help) {
  process.stdout.write(`npm run train:stsb -- [--model distilroberta-base] [--data-dir DIR] [--output DIR] [trainer options]\n\n${TRAIN_HELP}\n`);
  process.exit(0);
}

try {
  const model = strFlag(values, 'model') ?? 'distilroberta-base';
  if (values.resume && !values.output) throw new UsageError('--resume needs --output <the folder of the run to resume>');
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  const output = path.resolve(strFlag(values, 'output') ?? path.join('models', `${path.basename(model)}-stsb-${stamp}`));
  const opts = trainerOptions(values); // flag errors before any data is read
  const data = await loadJobData(values, { train: 'sentence-transformers/stsb:train', eval: 'sentence-transformers/stsb:validation', test: 'sentence-transformers/stsb:test' });
  // STSb steps: evaluate on validation 4 times per epoch unless told otherwise, like the evaluation_steps of the example.
  const stepsPerEpoch = Math.ceil(data.train.examples.length / (opts.batchSize ?? 16));
  const evalSteps = intFlag(values, 'eval-steps', 0) ?? Math.max(1, Math.floor(stepsPerEpoch / 4));
  const r = await runTrainingJob({ model, output, ...data, ...opts, evalSteps });
  printSummary(r);
} catch (e) {
  if (e instanceof CrossEncoderError) {
    process.stderr.write(`error: ${e.message}\n`);
    process.exit(e.code === 'USAGE' ? 2 : 1);
  }
  throw e;
}
