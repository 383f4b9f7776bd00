#!/usr/bin/env node
/**
 * npm run train:reranker — sentence-transformers' reranker recipe (examples/cross_encoder/training/rerankers/
 * training_gooaq_bce.py): a MiniLM cross-encoder trained with BinaryCrossEntropyLoss on (question, answer) pairs and
 * 5 hard negatives per question mined with a bi-encoder, then scored with CrossEncoderRerankingEvaluator on 1000
 * held-out questions whose 30 candidates are mined the same way. Defaults: microsoft/MiniLM-L12-H384-uncased on the
 * first 100,000 rows of sentence-transformers/gooaq from the Hub; --train/--eval take local files instead.
 */
// Installs the Node platform (files, environment, Hub cache) before any library call.
import '../lib/platform/node.js';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { RANKING_LOSS_KINDS, type RankingLossSpec } from '../lib/cross-encoder/losses/ranking-loss-spec.js';
import { runRerankerJob } from '../lib/cross-encoder/reranker-job.js';
import { loadColumns } from '../lib/data/column-read.js';
import type { ColumnDataset } from '../lib/data/column-dataset.js';
import { UsageError } from '../lib/errors.js';
import { epochPermutation } from '../lib/training/rng.js';
import { trainingArgsHelp } from '../lib/training/training-args.js';
import { intFlag, strFlag, trainingArgsFromFlags, trainingFlagOptions, type Flags } from './commands/flags.js';
import { resumeCommand, runCommand } from './commands/process.js';

const DEFAULT_MODEL = 'microsoft/MiniLM-L12-H384-uncased';
// The recipe mines with sentence-transformers/static-retrieval-mrl-en-v1, a StaticEmbedding model this library does
// not load; all-MiniLM-L6-v2 is the usual transformer bi-encoder of that size.
const DEFAULT_EMBEDDER = 'sentence-transformers/all-MiniLM-L6-v2';
const DEFAULT_DATA = 'sentence-transformers/gooaq:train';
const HUB_ROWS = 100_000;
const HUB_EVAL_ROWS = 1_000;

const HELP = `npm run train:reranker -- [--model ${DEFAULT_MODEL}] [--train FILE --eval FILE] [--output DIR] [options]
  sentence-transformers' training_gooaq_bce.py: mines --num-negatives hard negatives per (question, answer) row
  with --embedding-model, trains --model with BCE (pos_weight = the negatives per question) on the labelled pairs,
  and reports MRR@10, NDCG@10 and MAP (CrossEncoderRerankingEvaluator) on the evaluation questions before and after.
  Without --train: the first ${HUB_ROWS} rows of ${DEFAULT_DATA} from the Hub, ${HUB_EVAL_ROWS} of them (seeded) held out.
  --model <id|dir>            cross-encoder or encoder to fine-tune [${DEFAULT_MODEL}]
  --embedding-model <id|dir>  bi-encoder that mines the negatives [${DEFAULT_EMBEDDER}]
  --train <file|hf-id[:split]>, --eval <file|hf-id[:split]>   (question, answer) rows (jsonl, csv, tsv, parquet)
  --num-negatives N           hard negatives per training question [5]
  --eval-candidates N         mined candidates per evaluation question [30]
  --ranking-loss KIND         train with ListNetLoss, LambdaLoss or RankNetLoss (on mined labeled-list rows), or
                              MultipleNegativesRankingLoss / CachedMultipleNegativesRankingLoss (on mined n-tuples),
                              with sentence-transformers' default options, instead of BCE
  --output DIR                the run's folder [models/<model>-reranker-<timestamp>]
  --resume, --overwrite, --revision REV, --no-progress   as train:stsb
training options (the recipe's defaults here: batch 64, lr 2e-5, 1 epoch, weight decay 0, seed 12) [default elsewhere]:
${trainingArgsHelp()}
`;

const OPTIONS = {
  model: { type: 'string' },
  'embedding-model': { type: 'string' },
  train: { type: 'string' },
  eval: { type: 'string' },
  'num-negatives': { type: 'string' },
  'eval-candidates': { type: 'string' },
  'ranking-loss': { type: 'string' },
  output: { type: 'string' },
  resume: { type: 'boolean' },
  overwrite: { type: 'boolean' },
  revision: { type: 'string' },
  'no-progress': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  ...trainingFlagOptions(),
} as const;

/** The recipe's split: the first HUB_ROWS rows, HUB_EVAL_ROWS of them (a seeded choice) held out for evaluation. */
function holdOut(ds: ColumnDataset, seed: number): { train: ColumnDataset; eval: ColumnDataset } {
  const rows = ds.rows.slice(0, HUB_ROWS);
  const order = epochPermutation(rows.length, seed, 0);
  const held = new Set(order.slice(0, Math.min(HUB_EVAL_ROWS, Math.floor(rows.length / 10))));
  return {
    train: { ...ds, rows: rows.filter((_, i) => !held.has(i)) },
    eval: { ...ds, rows: rows.filter((_, i) => held.has(i)), source: `${ds.source} (held out)` },
  };
}

/** --ranking-loss: a loss with sentence-transformers' default options (MarginMSELoss needs a teacher: not here). */
function rankingLossOf(kind: string): RankingLossSpec {
  const trainable = RANKING_LOSS_KINDS.filter((k) => k !== 'MarginMSELoss');
  if (!(trainable as readonly string[]).includes(kind)) throw new UsageError(`--ranking-loss must be one of ${trainable.join(', ')}, got ${JSON.stringify(kind)}`);
  return { kind } as RankingLossSpec;
}

let output = '';
process.exitCode = await runCommand(
  async ({ stopSignal }) => {
    const { values } = parseArgs({ args: process.argv.slice(2), options: OPTIONS, strict: true });
    const v = values as Flags;
    if (v.help) {
      process.stdout.write(HELP);
      return;
    }
    const model = strFlag(v, 'model') ?? DEFAULT_MODEL;
    if (v.resume && !v.output) throw new UsageError('--resume needs --output <the folder of the run to resume>');
    if ((strFlag(v, 'train') === undefined) !== (strFlag(v, 'eval') === undefined)) throw new UsageError('--train and --eval go together (without both, the Hub dataset is split)');
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
    output = path.resolve(strFlag(v, 'output') ?? path.join('models', `${path.basename(model)}-reranker-${stamp}`));
    const { dropout, maxLength, loss, posWeight, ...args } = trainingArgsFromFlags(v);
    if (loss !== undefined || posWeight !== undefined) throw new UsageError('the reranker recipe trains with BCE and pos_weight = --num-negatives; for another loss use --ranking-loss');
    const kind = strFlag(v, 'ranking-loss');
    const rankingLoss = kind === undefined ? undefined : rankingLossOf(kind);
    // The recipe's values where the flag is absent (CrossEncoderTrainingArguments there: batch 64, lr 2e-5, 1 epoch, seed 12).
    const recipe = { batchSize: args.batchSize ?? 64, lr: args.lr ?? 2e-5, epochs: args.epochs ?? 1, weightDecay: args.weightDecay ?? 0, seed: args.seed ?? 12 };
    const trainSpec = strFlag(v, 'train');
    const evalSpec = strFlag(v, 'eval');
    const data = trainSpec && evalSpec ? { train: await loadColumns(trainSpec), eval: await loadColumns(evalSpec) } : holdOut(await loadColumns(DEFAULT_DATA), recipe.seed);
    const r = await runRerankerJob({
      model,
      embeddingModel: strFlag(v, 'embedding-model') ?? DEFAULT_EMBEDDER,
      output,
      ...data,
      ...args,
      ...recipe,
      numNegatives: intFlag(v, 'num-negatives', 1),
      rankingLoss,
      evalCandidates: intFlag(v, 'eval-candidates', 1),
      resume: v.resume === true,
      overwrite: v.overwrite === true,
      showProgress: v['no-progress'] !== true,
      load: { maxLength, dropout, revision: strFlag(v, 'revision') },
      stopSignal,
    });
    const after = r.reranking.after;
    process.stdout.write(`final model: ${r.finalDir}\nsteps: ${r.train.globalStep} on ${r.trainPairs} labelled pairs, ${r.train.trainSeconds.toFixed(1)} s\n`);
    process.stdout.write(JSON.stringify({ finalDir: r.finalDir, steps: r.train.globalStep, trainPairs: r.trainPairs, trainSeconds: r.train.trainSeconds, before: r.reranking.before, after }) + '\n');
  },
  { graceful: true, onInterrupted: (e) => (e.checkpoint ? `to continue: ${resumeCommand(output)}` : 'run the same command with --resume to start again') },
);
