/**
 * A whole reranker fine-tuning job, as sentence-transformers' training_gooaq_bce.py runs it: mine hard negatives for
 * (question, answer) pairs with a bi-encoder, train a 1-label cross-encoder on the labelled pairs with
 * BinaryCrossEntropyLoss(pos_weight = negatives per question), and score it with CrossEncoderRerankingEvaluator on
 * a held-out set whose candidates are mined the same way (positives included), before and after training. The output
 * folder, checkpoints and resume are the shared training core's.
 */
import { path } from '../platform/index.js';
import { activeBackend, describeBackend } from '../backend/state.js';
import type { ColumnDataset } from '../data/column-dataset.js';
import { asListwise, asPairs, asTuples } from '../data/column-views.js';
import { mineHardNegatives } from '../data/hard-negatives/index.js';
import { UsageError } from '../errors.js';
import { SentenceTransformer, type SentenceTransformerOptions } from '../sentence-transformer/model.js';
import { openRun, trainAndSave, type FinishedJob } from '../training/job.js';
import { RESULTS_FILE } from '../training/output-dir.js';
import { resolveTrainingArgs } from '../training/training-args.js';
import { writeFileAtomic } from '../util/fs.js';
import { log } from '../util/log.js';
import { CrossEncoderRerankingEvaluator, type RerankingResult, type RerankingSample } from './evaluation/reranking-evaluator.js';
import { CrossEncoder, type FromPretrainedOptions } from './model.js';
import { layoutOf, type RankingLossSpec } from './losses/ranking-loss-spec.js';
import { Trainer, type TrainerOptions } from './trainer.js';

export interface RerankerJobOptions extends Omit<TrainerOptions, 'outputDir' | 'loss' | 'posWeight'> {
  /** The model to fine-tune: a cross-encoder or a plain encoder (a 1-label head is added, seeded). */
  model: string;
  /** The bi-encoder (SentenceTransformer) that mines the hard negatives. */
  embeddingModel: string;
  output: string;
  /** (question, answer) rows: the first two input columns are the anchor and its positive. */
  train: ColumnDataset;
  /** Held-out (question, answer) rows for CrossEncoderRerankingEvaluator. */
  eval?: ColumnDataset;
  /** Hard negatives per training question (the recipe's 5); also BCE's pos_weight. */
  numNegatives?: number;
  /**
   * Train with a ranking loss instead of BCE (sentence-transformers' other reranker recipes): a listwise loss trains
   * on the mined `labeled-list` rows, MultipleNegativesRankingLoss and its cached form on the mined `n-tuple` rows.
   * MarginMSELoss needs a teacher's scores, which mining does not give, so it is refused here.
   */
  rankingLoss?: RankingLossSpec;
  /** Mined candidates per evaluation question, besides its positive (the recipe's 30). */
  evalCandidates?: number;
  /** Texts per bi-encoder forward pass while mining. Default 256. */
  miningBatchSize?: number;
  load?: FromPretrainedOptions;
  embeddingLoad?: SentenceTransformerOptions;
  overwrite?: boolean;
}

export interface RerankerJobResult extends FinishedJob {
  /** Training rows: labelled pairs for BCE, query groups for a ranking loss. */
  trainPairs: number;
  reranking: { before?: RerankingResult['metrics']; after?: RerankingResult['metrics'] };
}

/** The texts of a (question, answer) dataset's first two input columns. */
function questionsAndAnswers(ds: ColumnDataset): { questions: string[]; answers: string[] } {
  const [q, a] = ds.inputColumns;
  if (q === undefined || a === undefined) throw new UsageError(`${ds.source}: a reranker dataset needs (question, answer) columns; it has ${ds.columns.join(', ') || 'none'}`);
  const text = (v: unknown, r: number, c: string): string => {
    if (typeof v !== 'string') throw new UsageError(`${ds.source}: row ${r + 1}, column "${c}" must be a text`);
    return v;
  };
  return { questions: ds.rows.map((row, r) => text(row[q], r, q)), answers: ds.rows.map((row, r) => text(row[a], r, a)) };
}

export async function runRerankerJob(o: RerankerJobOptions): Promise<RerankerJobResult> {
  const out = path.resolve(o.output);
  const numNegatives = o.numNegatives ?? 5;
  if (!Number.isInteger(numNegatives) || numNegatives < 1) throw new UsageError(`numNegatives must be a positive integer, got ${numNegatives}`);
  const layout = o.rankingLoss && layoutOf(o.rankingLoss);
  if (layout === 'margin') throw new UsageError('MarginMSELoss trains on a teacher\'s scores; mined hard negatives have none (train it with Trainer.forRanking on your own rows)');
  const trainerOpts: TrainerOptions = o.rankingLoss ? { ...o, outputDir: out } : { ...o, outputDir: out, loss: 'bce', posWeight: numNegatives };
  const args = resolveTrainingArgs(trainerOpts); // every option checked before the disk or the network is touched
  const run = await openRun(out, o);
  if (run.finished) return { ...run.finished, trainPairs: 0, reranking: {} };
  const batchSize = o.miningBatchSize ?? 256;

  // Mining: the recipe's options (top-ranked candidates 0–100, absolute margin 0, labelled pairs).
  const embedder = await run.load(() => SentenceTransformer.fromPretrained(o.embeddingModel, o.embeddingLoad));
  let train: Awaited<ReturnType<typeof mineHardNegatives>>;
  let samples: RerankingSample[] | undefined;
  try {
    log.info(`mining ${numNegatives} hard negatives per question of ${o.train.source} (${o.train.rows.length} rows) with ${o.embeddingModel}`);
    const outputFormat = layout === 'listwise' ? 'labeled-list' : layout === 'in-batch' ? 'n-tuple' : 'labeled-pair';
    train = await mineHardNegatives(o.train, embedder, { numNegatives, rangeMin: 0, rangeMax: 100, absoluteMargin: 0, samplingStrategy: 'top', outputFormat, batchSize, showProgress: false });
    await writeFileAtomic(path.join(out, 'mined-train.jsonl'), train.rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    if (o.eval) {
      // As the recipe: the evaluation questions' candidates come from every answer, positives kept in the list.
      const corpus = [...questionsAndAnswers(o.train).answers, ...questionsAndAnswers(o.eval).answers];
      const evalCandidates = o.evalCandidates ?? 30;
      const hard = await mineHardNegatives(o.eval, embedder, { corpus, numNegatives: evalCandidates, includePositives: true, outputFormat: 'n-tuple', batchSize, showProgress: false });
      const [q, a, ...docs] = hard.columns;
      samples = hard.rows.map((r) => ({ query: r[q] as string, positive: [r[a] as string], documents: docs.map((c) => r[c] as string) }));
    }
  } finally {
    embedder.dispose();
  }

  const model = await run.load(() => CrossEncoder.fromPretrained(o.model, { seed: args.seed, numLabels: 1, ...o.load }));
  try {
    const backend = activeBackend();
    if (backend) log.info(`backend: ${describeBackend(backend)}`);
    const what = o.rankingLoss ? `${train.rows.length} mined rows (${train.columns.join(', ')}), ${o.rankingLoss.kind}` : `${train.rows.length} labelled pairs, BCE pos_weight ${numNegatives}`;
    log.info(`model ${o.model}: ${model.config.architecture}, ${model.config.numLayers} layers × ${model.config.hiddenSize}; ${what}`);
    const evaluator = samples && new CrossEncoderRerankingEvaluator({ samples, batchSize: args.batchSize, name: 'rerank-eval', alwaysRerankPositives: false });
    const score = (epoch: number, steps: number) => evaluator!.evaluate({ predict: (p, opts) => model.predict(p, { ...opts, threads: args.evalThreads }) }, { outputDir: out, epoch, steps });
    const before = evaluator && !run.resume ? await score(-1, -1) : undefined;
    const opts = { ...trainerOpts, resume: run.resume };
    const rl = o.rankingLoss;
    const trainer = !rl
      ? new Trainer(model, asPairs(train), opts)
      : layout === 'listwise'
        ? Trainer.forRanking(model, asListwise(train), rl as Extract<RankingLossSpec, { kind: 'ListNetLoss' | 'LambdaLoss' | 'RankNetLoss' }>, opts)
        : Trainer.forRanking(model, asTuples(train, { negatives: numNegatives }), rl as Extract<RankingLossSpec, { kind: 'MultipleNegativesRankingLoss' | 'CachedMultipleNegativesRankingLoss' }>, opts);
    const { result, finalDir } = await trainAndSave(trainer, out, (d) => model.save(d));
    const after = evaluator && (await score(-1, result.globalStep));
    if (after) log.info(`reranking after training: NDCG@${evaluator!.atK} ${after.ndcg.toFixed(4)}, MRR@${evaluator!.atK} ${after.mrr.toFixed(4)}, MAP ${after.map.toFixed(4)}`);
    const reranking = { before: before?.metrics, after: after?.metrics };
    // results.json is written last (it marks the run finished); `metrics` stays the shared shape, empty here.
    const results = { metrics: [], reranking, loss: rl?.kind ?? 'BinaryCrossEntropyLoss', steps: result.globalStep, trainPairs: train.rows.length, trainSeconds: result.trainSeconds, pairsPerSecond: result.pairsPerSecond, best: null };
    await writeFileAtomic(path.join(out, RESULTS_FILE), JSON.stringify(results, null, 2) + '\n');
    return { finalDir, train: result, metrics: [], trainPairs: train.rows.length, reranking };
  } finally {
    model.dispose();
  }
}
