import * as path from 'node:path';
import { loadPairs, loadStsbFromDir, type ReadPairsOptions, type StsbSplit } from '../../lib/data/index.js';
import { UsageError } from '../../lib/errors.js';
import { runTrainingJob, type JobOptions, type JobResult, type Split } from '../../lib/cross-encoder/job.js';
import { trainingArgsHelp } from '../../lib/training/training-args.js';
import { log } from '../../lib/util/log.js';
import { intFlag, numFlag, strFlag, trainingArgsFromFlags, trainingFlagOptions, type Flags } from './flags.js';

/** Flags of the job around the training options: data, output, model revision. */
const JOB_FLAGS = {
  model: { type: 'string' },
  train: { type: 'string' },
  eval: { type: 'string' },
  test: { type: 'string' },
  'data-dir': { type: 'string' },
  output: { type: 'string' },
  resume: { type: 'boolean' },
  overwrite: { type: 'boolean' },
  'score-scale': { type: 'string' },
  'skip-invalid': { type: 'boolean' },
  'sentence1-column': { type: 'string' },
  'sentence2-column': { type: 'string' },
  'label-column': { type: 'string' },
  'train-limit': { type: 'string' },
  'eval-limit': { type: 'string' },
  revision: { type: 'string' },
  'no-progress': { type: 'boolean' },
} as const;

/** Options shared by `cross-encoder train` and `npm run train:stsb` (node:util parseArgs spec). */
export const TRAIN_OPTIONS = { ...JOB_FLAGS, ...trainingFlagOptions() };

/** The job's flags (data, output) and then every training option, one per line, from training-args.ts. */
export const JOB_HELP = `job options:
  --output DIR             the run's folder; one that holds files needs --resume or --overwrite
  --resume                 continue from the newest checkpoint in --output (the options marked * must match)
  --overwrite              replace the results of an earlier run in --output
  --score-scale S          divide scores by S (STSb's 0-5 scores: 5)
  --skip-invalid           drop and count malformed rows instead of stopping at the first
  --sentence1-column C, --sentence2-column C, --label-column C   column names (default sentence1, sentence2, score|label)
  --train-limit N, --eval-limit N   read at most N rows of the training / evaluation splits
  --revision REV           hub branch, tag or commit of the model
  --no-progress            no progress bar (log lines instead)
training options [default] (* must match on --resume):
${trainingArgsHelp()}`;

export const TRAIN_HELP = `cross-encoder train --model <id|dir> --train <hf-id[:split]|file> [--eval <hf-id[:split]|file>] [--test <...>] --output DIR [options]
  Fine-tunes a cross-encoder; writes final/, best/, eval/*.csv, log.jsonl, results.json and a model card into --output.
  Ctrl-C stops after the current step and writes a checkpoint (--resume continues); a second Ctrl-C exits at once.
${JOB_HELP}`;

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
  const { dropout, maxLength, ...args } = trainingArgsFromFlags(v);
  return {
    ...args,
    resume: v.resume === true,
    overwrite: v.overwrite === true,
    showProgress: v['no-progress'] !== true,
    load: { maxLength, dropout, revision: strFlag(v, 'revision') },
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

export async function trainCommand(v: Flags, stopSignal?: AbortSignal): Promise<void> {
  const model = strFlag(v, 'model');
  const output = strFlag(v, 'output');
  if (!model || !output) throw new UsageError(`--model and --output are required\n${TRAIN_HELP}`);
  const opts = trainerOptions(v); // flag errors before any data is read
  const data = await loadJobData(v);
  const r = await runTrainingJob({ model, output: path.resolve(output), ...data, ...opts, stopSignal });
  printSummary(r);
}
