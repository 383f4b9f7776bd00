#!/usr/bin/env node
/**
 * npm run train:stsb — sentence-transformers' training_stsbenchmark.py for cross-encoders:
 * distilroberta-base, STSb (sentence-transformers/stsb from the hub, or --data-dir), BCE on gold/5 scores,
 * 4 epochs, batch 16, lr 2e-5, 10% warmup; validation before and during training, test at the end.
 * Saves to models/<model>-stsb-<timestamp>/ (final model in final/).
 *
 * --bi-encoder: the same script's SentenceTransformer recipe instead (examples/sentence_transformer/training/sts/
 * training_stsbenchmark.py): distilbert-base-uncased with mean pooling, CosineSimilarityLoss, batch 16, 4 epochs,
 * lr 5e-5 and weight decay 0 (the Hugging Face TrainingArguments defaults it keeps), 10 % warm-up, validation every
 * 100 steps with EmbeddingSimilarityEvaluator (cosine), test at the end.
 */
// Installs the Node platform (files, environment, Hub cache) before any library call.
import '../lib/platform/node.js';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { HubError, UsageError } from '../lib/errors.js';
import { runBiEncoderJob } from '../lib/sentence-transformer/job.js';
import type { TrainingPrompts } from '../lib/sentence-transformer/training-prompts.js';
import { loadColumns } from '../lib/data/column-read.js';
import { AnglELoss, CachedMultipleNegativesRankingLoss, CoSENTLoss, CosineSimilarityLoss, MultipleNegativesRankingLoss, type EmbeddingLoss } from '../lib/sentence-transformer/losses/index.js';
import { runTrainingJob } from '../lib/cross-encoder/job.js';
import { resolveTrainingArgs } from '../lib/training/training-args.js';
import { intFlag, strFlag, type Flags } from './commands/flags.js';
import { resumeCommand, runCommand } from './commands/process.js';
import { JOB_HELP, loadJobData, printSummary, TRAIN_OPTIONS, trainerOptions } from './commands/train.js';

const DEFAULT_MODEL = 'distilroberta-base';
const DEFAULT_BI_MODEL = 'distilbert-base-uncased';
/** Losses for (sentence1, sentence2, score) rows; --bi-loss picks one. */
const BI_LOSSES: Record<string, () => EmbeddingLoss> = {
  cosine: () => new CosineSimilarityLoss(),
  cosent: () => new CoSENTLoss(),
  angle: () => new AnglELoss(),
  // For (anchor, positive[, negative…]) rows from --train-columns.
  mnrl: () => new MultipleNegativesRankingLoss(),
  cmnrl: () => new CachedMultipleNegativesRankingLoss(),
};
const OFFLINE_EXAMPLE = 'npm run train:stsb -- --model models/bert-2x128-random --data-dir ../shared/data/stsb';

const HELP = `npm run train:stsb -- [--model ${DEFAULT_MODEL}] [--data-dir DIR] [--output DIR] [options]
  sentence-transformers' training_stsbenchmark.py: fine-tunes --model (default ${DEFAULT_MODEL}, from the Hugging
  Face Hub) on STSb (sentence-transformers/stsb from the hub, or --data-dir DIR holding train/validation/test files),
  scores divided by 5, evaluating on validation 4 times per epoch (unless --eval-steps) and on test at the end.
  Writes to models/<model>-stsb-<timestamp>/ unless --output.
  Offline: a local model folder and local data, e.g.
    ${OFFLINE_EXAMPLE}
  --model <id|dir>         hub id or local model folder [${DEFAULT_MODEL}]
  --data-dir DIR           STSb train/validation/test files (.tsv, .csv, .jsonl or .parquet) instead of the hub
  --bi-encoder             train a SentenceTransformer (bi-encoder) with the example's bi-encoder recipe instead:
                           default model ${DEFAULT_BI_MODEL} (mean pooling), CosineSimilarityLoss, lr 5e-5, weight
                           decay 0, validation every 100 steps (EmbeddingSimilarityEvaluator, cosine)
  --bi-loss cosine|cosent|angle|mnrl|cmnrl   the bi-encoder loss: CosineSimilarityLoss [cosine], CoSENTLoss,
                           AnglELoss, MultipleNegativesRankingLoss, CachedMultipleNegativesRankingLoss
  --train-columns <file|hf-id[:split]>   bi-encoder training rows under sentence-transformers' column rule instead
                           of STSb's train split: the label/score column is the label, every other column an input
                           of the loss in order (e.g. anchor, positive for mnrl); validation and test stay STSb's
  --prompts TEXT|JSON      bi-encoder training prompts (sentence-transformers' \`prompts\`): TEXT before every input
                           column's texts, or a JSON object of column → prompt, e.g. '{"sentence1":"query: "}'
${JOB_HELP}
`;

let output = '';
let offlineHint = false;
process.exitCode = await runCommand(
  async ({ stopSignal }) => {
    const { values } = parseArgs({
      args: process.argv.slice(2),
      options: { ...TRAIN_OPTIONS, 'bi-encoder': { type: 'boolean' }, 'bi-loss': { type: 'string' }, 'train-columns': { type: 'string' }, prompts: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    });
    const v = values as Flags;
    if (v.help) {
      process.stdout.write(HELP);
      return;
    }
    const bi = v['bi-encoder'] === true;
    if (!bi && v['bi-loss'] !== undefined) throw new UsageError('--bi-loss needs --bi-encoder');
    if (!bi && v.prompts !== undefined) throw new UsageError('--prompts needs --bi-encoder (cross-encoder training takes no prompts)');
    if (!bi && v['train-columns'] !== undefined) throw new UsageError('--train-columns needs --bi-encoder (a cross-encoder trains on labelled pairs: --train)');
    if (bi && v.loss !== undefined) throw new UsageError('--loss picks a cross-encoder loss; with --bi-encoder use --bi-loss cosine|cosent|angle');
    const model = strFlag(v, 'model') ?? (bi ? DEFAULT_BI_MODEL : DEFAULT_MODEL);
    if (v.resume && !v.output) throw new UsageError('--resume needs --output <the folder of the run to resume>');
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
    output = path.resolve(strFlag(v, 'output') ?? path.join('models', `${path.basename(model)}-stsb-${stamp}`));
    offlineHint = !strFlag(v, 'model') || !strFlag(v, 'data-dir');
    const opts = trainerOptions(v); // flag errors before any data is read
    const data = await loadJobData(v, { train: 'sentence-transformers/stsb:train', eval: 'sentence-transformers/stsb:validation', test: 'sentence-transformers/stsb:test' }).catch((e: unknown) => {
      throw withOfflineHint(e);
    });
    if (bi) {
      const name = strFlag(v, 'bi-loss') ?? 'cosine';
      const make = BI_LOSSES[name];
      if (!make) throw new UsageError(`--bi-loss must be one of ${Object.keys(BI_LOSSES).join(', ')}, got ${JSON.stringify(name)}`);
      const { load, ...rest } = opts;
      // The example keeps the Hugging Face TrainingArguments defaults for these (lr 5e-5, no weight decay) and evaluates every 100 steps.
      const columns = strFlag(v, 'train-columns');
      const r = await runBiEncoderJob({
        model,
        output,
        ...data,
        ...(columns ? { train: await loadColumns(columns) } : {}),
        ...rest,
        lr: rest.lr ?? 5e-5,
        weightDecay: rest.weightDecay ?? 0,
        evalSteps: intFlag(v, 'eval-steps', 0) ?? 100,
        loss: make(),
        prompts: promptsFlag(strFlag(v, 'prompts')),
        load: { maxSeqLength: load?.maxLength, dropout: load?.dropout, revision: load?.revision },
        stopSignal,
      }).catch((e: unknown) => {
        throw withOfflineHint(e);
      });
      printSummary(r);
      return;
    }
    // STSb steps: evaluate on validation 4 times per epoch unless told otherwise, like the evaluation_steps of the example.
    const stepsPerEpoch = Math.ceil(data.train.examples.length / resolveTrainingArgs(opts).batchSize);
    const evalSteps = intFlag(v, 'eval-steps', 0) ?? Math.max(1, Math.floor(stepsPerEpoch / 4));
    const r = await runTrainingJob({ model, output, ...data, ...opts, evalSteps, stopSignal }).catch((e: unknown) => {
      throw withOfflineHint(e);
    });
    printSummary(r);
  },
  { graceful: true, onInterrupted: (e) => (e.checkpoint ? `to continue: ${resumeCommand(output)}` : 'run the same command with --resume to start again') },
);

/** --prompts: a JSON object (column → prompt) when it starts with "{", else one prompt for every column. */
function promptsFlag(text: string | undefined): TrainingPrompts | undefined {
  if (text === undefined || !text.trimStart().startsWith('{')) return text;
  try {
    return JSON.parse(text) as TrainingPrompts; // its shape is checked where the prompts are resolved
  } catch (e) {
    throw new UsageError(`--prompts starts with "{" but is not JSON (${(e as Error).message}); give TEXT or a JSON object of column → prompt`);
  }
}

/** The defaults come from the hub; when it cannot be reached, say how to run without it. */
function withOfflineHint(e: unknown): unknown {
  if (!(e instanceof HubError) || !offlineHint) return e;
  return new HubError(`${e.message}\nTo train offline, pass a local model folder and the STSb files: --model <dir> --data-dir <dir>, e.g.\n  ${OFFLINE_EXAMPLE}\n(README: "Offline end-to-end run")`, e.repoId, e.file, e.status);
}
