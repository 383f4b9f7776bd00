/**
 * A whole bi-encoder fine-tuning job, as sentence-transformers' training_stsbenchmark.py for SentenceTransformer runs
 * it: load the model (a plain encoder gets mean pooling), train with the loss on (sentence1, sentence2, score) rows,
 * evaluate on validation during training with EmbeddingSimilarityEvaluator, save final/, evaluate on test. The output
 * folder, checkpoints, resume, log.jsonl and the curve are the shared training core's (lib/training/).
 */
import { fsp, path } from '../platform/index.js';
import { activeBackend, describeBackend } from '../backend/state.js';
import type { PairExample } from '../data/types.js';
import { TrainingError } from '../errors.js';
import { checkThreads } from '../parallel/threads.js';
import { CHECKPOINTS_DIR } from '../training/checkpoint-state.js';
import { renderTrainingCurve } from '../training/curve-svg.js';
import type { Split } from '../training/job.js';
import { discardIfUnused, FINAL_DIR, prepareOutputDir, RESULTS_FILE } from '../training/output-dir.js';
import { Trainer, type EvalPoint, type TrainerOptions, type TrainResult } from '../training/trainer.js';
import { resolveTrainingArgs } from '../training/training-args.js';
import { readLog, type EvalRow, type TrainRow } from '../training/training-log.js';
import { writeDirAtomic, writeFileAtomic } from '../util/fs.js';
import { log } from '../util/log.js';
import { EmbeddingSimilarityEvaluator } from './evaluation/index.js';
import { CosineSimilarityLoss, type EmbeddingLoss } from './losses/index.js';
import { SentenceTransformer, type SentenceTransformerOptions } from './model.js';
import { SentenceTransformerTask, trainingEvaluator, type BiEncoderExample } from './training-task.js';

export interface BiEncoderJobOptions extends Omit<TrainerOptions, 'outputDir' | 'loss'> {
  model: string;
  output: string;
  train: Split;
  validation?: Split;
  test?: Split;
  /** Default CosineSimilarityLoss, the example's. */
  loss?: EmbeddingLoss;
  load?: SentenceTransformerOptions;
  evaluateBefore?: boolean;
  overwrite?: boolean;
}

export interface BiEncoderJobResult {
  finalDir: string;
  train: TrainResult;
  metrics: Array<{ split: string; pearson: number; spearman: number }>;
}

interface ResultsFile {
  metrics: BiEncoderJobResult['metrics'];
  steps: number;
  trainSeconds: number;
  pairsPerSecond: number;
  best: EvalPoint | null;
}

/** STSb rows as the losses take them: (sentence1, sentence2) texts, the score as label. */
export function pairRows(examples: readonly PairExample[]): BiEncoderExample[] {
  return examples.map((e) => ({ texts: [e.sentence1, e.sentence2], label: e.label }));
}

export async function runBiEncoderJob(o: BiEncoderJobOptions): Promise<BiEncoderJobResult> {
  const out = path.resolve(o.output);
  // The loss is an object here, not one of the cross-encoder loss names the shared options know.
  const { loss: chosen, ...trainerOpts } = o;
  const args = resolveTrainingArgs(trainerOpts);
  const loss = chosen ?? new CosineSimilarityLoss();
  const prepared = await prepareOutputDir(out, { resume: o.resume ?? false, overwrite: o.overwrite ?? false });
  if (prepared.finished) return finishedRun(out);
  let resume = o.resume ?? false;
  if (resume && !prepared.checkpoint) {
    log.warn(`resume: no checkpoint in ${path.join(out, CHECKPOINTS_DIR)}; starting from scratch`);
    resume = false;
  }
  let model: SentenceTransformer;
  try {
    model = await SentenceTransformer.fromPretrained(o.model, o.load);
  } catch (e) {
    await discardIfUnused(prepared);
    throw e;
  }
  try {
    const backend = activeBackend();
    if (backend) log.info(`backend: ${describeBackend(backend)}`);
    log.info(`model ${o.model}: ${model.config.architecture}, ${model.config.numLayers} layers × ${model.config.hiddenSize}, modules ${model.modules.map((m) => m.kind).join(' → ')}, max length ${model.maxSeqLength}; loss ${loss.name}`);
    const evalOpts = { mainSimilarity: 'cosine' as const };
    const dev = o.validation ? EmbeddingSimilarityEvaluator.fromExamples(o.validation.examples, 'sts-dev', evalOpts) : undefined;
    const devEval = dev && trainingEvaluator(dev, model);
    if (devEval && (o.evaluateBefore ?? true) && !resume) {
      const r = await devEval.evaluate({ outputDir: out, epoch: -1, steps: -1 });
      log.info(`validation before training: Pearson ${r.pearson.toFixed(4)}, Spearman ${r.spearman.toFixed(4)} (cosine)`);
    }
    const task = new SentenceTransformerTask(model, pairRows(o.train.examples), loss, checkThreads(args.threads));
    const trainer = new Trainer(task, null, { ...trainerOpts, resume, outputDir: out }, devEval);
    let result: TrainResult;
    try {
      result = await trainer.run();
    } finally {
      trainer.dispose();
    }
    const finalDir = path.join(out, FINAL_DIR);
    await writeDirAtomic(finalDir, (d) => model.saveInto(d));
    log.info(`saved the final model to ${finalDir}`);
    const metrics: BiEncoderJobResult['metrics'] = [];
    const last = result.evals[result.evals.length - 1];
    if (last) metrics.push({ split: 'validation', pearson: last.pearson, spearman: last.spearman });
    if (o.test) {
      const test = EmbeddingSimilarityEvaluator.fromExamples(o.test.examples, 'sts-test', evalOpts);
      await test.truncateCsv(out, () => false);
      const r = await trainingEvaluator(test, model).evaluate({ outputDir: out });
      metrics.push({ split: 'test', pearson: r.pearson, spearman: r.spearman });
      log.info(`test: Pearson ${r.pearson.toFixed(4)}, Spearman ${r.spearman.toFixed(4)} (cosine)`);
    }
    const rows = await readLog(path.join(out, 'log.jsonl'));
    const svg = renderTrainingCurve({
      title: `${path.basename(o.model)} (${loss.name}) on ${o.train.source}`,
      loss: rows.filter((r): r is TrainRow => r.type === 'train').map((r) => ({ step: r.step, value: r.loss })),
      evalSpearman: result.evals.map((e) => ({ step: e.step, value: e.spearman })),
    });
    await writeFileAtomic(path.join(out, 'training-curve.svg'), svg);
    const results: ResultsFile = { metrics, steps: result.globalStep, trainSeconds: result.trainSeconds, pairsPerSecond: result.pairsPerSecond, best: result.best ?? null };
    await writeFileAtomic(path.join(out, RESULTS_FILE), JSON.stringify(results, null, 2) + '\n');
    return { finalDir, train: result, metrics };
  } finally {
    model.dispose();
  }
}

async function finishedRun(out: string): Promise<BiEncoderJobResult> {
  const file = path.join(out, RESULTS_FILE);
  let r: ResultsFile;
  try {
    r = JSON.parse(await fsp.readFile(file, 'utf-8')) as ResultsFile;
  } catch (e) {
    throw new TrainingError(`cannot read ${file}: ${(e as Error).message}`);
  }
  log.info(`${out}: this run already finished (${r.steps} steps, ${file}); nothing to resume. To train again, pass --overwrite or another --output.`);
  const evals: EvalPoint[] = (await readLog(path.join(out, 'log.jsonl'))).filter((x): x is EvalRow => x.type === 'eval').map(({ step, epoch, pearson, spearman }) => ({ step, epoch, pearson, spearman }));
  return {
    finalDir: path.join(out, FINAL_DIR),
    train: { globalStep: r.steps, evals, best: r.best ?? undefined, bestDir: r.best ? path.join(out, 'best') : undefined, trainSeconds: r.trainSeconds, pairsPerSecond: r.pairsPerSecond, resumedFrom: r.steps },
    metrics: r.metrics,
  };
}
