import * as path from 'node:path';
import { loadPairs, loadStsbFromDir, type ReadPairsOptions, type StsbSplit } from '../../lib/data/index.js';
import { UsageError } from '../../lib/errors.js';
import { runTrainingJob, type JobOptions, type JobResult, type Split } from '../../lib/training/job.js';
import type { LossKind } from '../../lib/training/trainer.js';
import { log } from '../../lib/util/log.js';
import { intFlag, numFlag, oneOf, strFlag, threadsFlag, type Flags } from './flags.js';

/** Options shared by `cross-encoder train` and `npm run train:stsb` (node:util parseArgs spec). */
export const TRAIN_OPTIONS = {
  model: { type: 'string' },
  train: { type: 'string' },
  eval: { type: 'string' },
  test: { type: 'string' },
  'data-dir': { type: 'string' },
  output: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  'micro-batch-size': { type: 'string' },
  lr: { type: 'string' },
  'warmup-ratio': { type: 'string' },
  'warmup-steps': { type: 'string' },
  'weight-decay': { type: 'string' },
  'max-grad-norm': { type: 'string' },
  seed: { type: 'string' },
  'eval-steps': { type: 'string' },
  'save-steps': { type: 'string' },
  'logging-steps': { type: 'string' },
  'max-length': { type: 'string' },
  loss: { type: 'string' },
  'pos-weight': { type: 'string' },
  scheduler: { type: 'string' },
  'max-steps': { type: 'string' },
  dropout: { type: 'string' },
  resume: { type: 'boolean' },
  'no-shuffle': { type: 'boolean' },
  'group-by-length': { type: 'boolean' },
  'freeze-embeddings': { type: 'boolean' },
  'score-scale': { type: 'string' },
  'skip-invalid': { type: 'boolean' },
  'sentence1-column': { type: 'string' },
  'sentence2-column': { type: 'string' },
  'label-column': { type: 'string' },
  'train-limit': { type: 'string' },
  'eval-limit': { type: 'string' },
  revision: { type: 'string' },
  'no-progress': { type: 'boolean' },
  threads: { type: 'string' },
  'eval-threads': { type: 'string' },
} as const;

export const TRAIN_HELP = `cross-encoder train --model <id|dir> --train <hf-id[:split]|file> [--eval <hf-id[:split]|file>] [--test <...>] --output DIR
  [--epochs 4] [--batch-size 16] [--micro-batch-size N] [--lr 2e-5] [--warmup-ratio 0.1 | --warmup-steps N] [--weight-decay 0.01]
  [--max-grad-norm 1] [--seed 12] [--eval-steps N] [--save-steps N] [--logging-steps 20] [--max-length N] [--loss bce|mse|ce]
  [--pos-weight W] [--scheduler linear|constant|constant_with_warmup] [--max-steps N] [--dropout P] [--resume] [--no-shuffle]
  [--group-by-length] [--freeze-embeddings] [--score-scale 5] [--skip-invalid] [--sentence1-column C] [--sentence2-column C]
  [--label-column C] [--train-limit N] [--eval-limit N] [--revision REV] [--no-progress]
  [--threads N|auto] training threads (default 1): each batch is split into N micro-batches of ceil(size/N), computed
    at once by this thread and N − 1 worker threads; the same results as micro-batches of that size (so a different N
    gives different dropout masks; 'auto' = one per core, at most 4, so results then depend on the machine)
  [--eval-threads N|auto] threads for scoring validation/test pairs (default auto; scores do not depend on it)`;

export function readOptions(v: Flags): ReadPairsOptions {
  const columns = { sentence1: strFlag(v, 'sentence1-column'), sentence2: strFlag(v, 'sentence2-column'), label: strFlag(v, 'label-column') };
  const loss = strFlag(v, 'loss');
  return {
    columns: Object.fromEntries(Object.entries(columns).filter(([, x]) => x !== undefined)),
    scoreScale: numFlag(v, 'score-scale'),
    skipInvalid: v['skip-invalid'] === true,
    // Class labels are indices, not scores in [0, 1].
    labelRange: loss === 'ce' ? null : undefined,
  };
}

async function loadSplit(spec: string, opts: ReadPairsOptions, limit?: number): Promise<Split> {
  const d = await loadPairs(spec, { ...opts, limit });
  if (d.skipped) log.warn(`${d.source}: skipped ${d.skipped} invalid row(s) (--skip-invalid); first: ${d.skippedReasons[0]}`);
  return { examples: d.examples, source: d.source };
}

async function loadDirSplit(dir: string, split: StsbSplit, opts: ReadPairsOptions, limit?: number): Promise<Split> {
  const d = await loadStsbFromDir(dir, split, { ...opts, limit });
  if (d.skipped) log.warn(`${d.source}: skipped ${d.skipped} invalid row(s) (--skip-invalid); first: ${d.skippedReasons[0]}`);
  return { examples: d.examples, source: d.source };
}

/** Data for a job: --data-dir (train/validation/test files), or --train/--eval/--test specs. */
export async function loadJobData(v: Flags, defaults: { train?: string; eval?: string; test?: string } = {}): Promise<Pick<JobOptions, 'train' | 'validation' | 'test'>> {
  const opts = readOptions(v);
  const trainLimit = intFlag(v, 'train-limit');
  const evalLimit = intFlag(v, 'eval-limit');
  const dataDir = strFlag(v, 'data-dir');
  if (dataDir) {
    return {
      train: await loadDirSplit(dataDir, 'train', opts, trainLimit),
      validation: await loadDirSplit(dataDir, 'validation', opts, evalLimit),
      test: await loadDirSplit(dataDir, 'test', opts, evalLimit),
    };
  }
  const train = strFlag(v, 'train') ?? defaults.train;
  if (!train) throw new UsageError(`--train (or --data-dir) is required\n${TRAIN_HELP}`);
  const evalSpec = strFlag(v, 'eval') ?? defaults.eval;
  const testSpec = strFlag(v, 'test') ?? defaults.test;
  return {
    train: await loadSplit(train, opts, trainLimit),
    validation: evalSpec ? await loadSplit(evalSpec, opts, evalLimit) : undefined,
    test: testSpec ? await loadSplit(testSpec, opts, evalLimit) : undefined,
  };
}

export function trainerOptions(v: Flags): Omit<JobOptions, 'model' | 'output' | 'train' | 'validation' | 'test'> {
  const dropout = numFlag(v, 'dropout');
  return {
    epochs: intFlag(v, 'epochs'),
    batchSize: intFlag(v, 'batch-size'),
    microBatchSize: intFlag(v, 'micro-batch-size'),
    lr: numFlag(v, 'lr'),
    warmupRatio: numFlag(v, 'warmup-ratio'),
    warmupSteps: intFlag(v, 'warmup-steps', 0),
    weightDecay: numFlag(v, 'weight-decay'),
    maxGradNorm: numFlag(v, 'max-grad-norm'),
    seed: intFlag(v, 'seed', 0),
    evalSteps: intFlag(v, 'eval-steps', 0),
    saveSteps: intFlag(v, 'save-steps', 0),
    loggingSteps: intFlag(v, 'logging-steps'),
    loss: oneOf<LossKind>(v, 'loss', ['bce', 'mse', 'ce']),
    posWeight: numFlag(v, 'pos-weight'),
    scheduler: oneOf(v, 'scheduler', ['linear', 'constant', 'constant_with_warmup'] as const),
    maxSteps: intFlag(v, 'max-steps'),
    resume: v.resume === true,
    shuffle: v['no-shuffle'] !== true,
    groupByLength: v['group-by-length'] === true,
    freezeEmbeddings: v['freeze-embeddings'] === true,
    showProgress: v['no-progress'] !== true,
    threads: threadsFlag(v) ?? 1,
    evalThreads: threadsFlag(v, 'eval-threads') ?? 'auto',
    load: { maxLength: intFlag(v, 'max-length'), dropout, revision: strFlag(v, 'revision') },
  };
}

export function printSummary(r: JobResult): void {
  const lines = [
    `final model: ${r.finalDir}`,
    `steps: ${r.train.globalStep}, ${r.train.trainSeconds.toFixed(1)} s, ${r.train.pairsPerSecond.toFixed(1)} pairs/s`,
    ...r.metrics.map((m) => `${m.split}: Pearson ${m.pearson.toFixed(4)}  Spearman ${m.spearman.toFixed(4)}`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  process.stdout.write(JSON.stringify({ finalDir: r.finalDir, metrics: r.metrics, steps: r.train.globalStep, trainSeconds: r.train.trainSeconds, pairsPerSecond: r.train.pairsPerSecond }) + '\n');
}

export async function trainCommand(v: Flags): Promise<void> {
  const model = strFlag(v, 'model');
  const output = strFlag(v, 'output');
  if (!model || !output) throw new UsageError(`--model and --output are required\n${TRAIN_HELP}`);
  const opts = trainerOptions(v); // flag errors before any data is read
  const data = await loadJobData(v);
  const r = await runTrainingJob({ model, output: path.resolve(output), ...data, ...opts });
  printSummary(r);
}
