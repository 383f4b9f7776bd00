/**
 * A whole fine-tuning job as sentence-transformers' training_stsbenchmark.py runs it: load the model, evaluate
 * the validation split before training, train with periodic evaluation, save the final model, evaluate the test
 * split, and write the artifacts (model card, eval CSVs, log.jsonl, training-curve SVG) into one output folder.
 */
import { fsp, path, platform } from '../platform/index.js';
import { activeBackend, describeBackend } from '../backend/state.js';
import { CrossEncoder, type FromPretrainedOptions } from '../cross-encoder.js';
import type { PairExample } from '../data/types.js';
import { CrossEncoderCorrelationEvaluator } from '../evaluation/correlation-evaluator.js';
import { checkThreads } from '../parallel/threads.js';
import { TrainingError } from '../errors.js';
import { writeDirAtomic, writeFileAtomic } from '../util/fs.js';
import { log } from '../util/log.js';
import { CHECKPOINTS_DIR } from './checkpoint-state.js';
import { renderTrainingCurve } from './curve-svg.js';
import { renderModelCard } from './model-card.js';
import { discardIfUnused, FINAL_DIR, prepareOutputDir, RESULTS_FILE } from './output-dir.js';
import { Trainer, type EvalPoint, type TrainerOptions, type TrainResult } from './trainer.js';
import { cardHyperparameters, resolveTrainingArgs, type TrainingArgs } from './training-args.js';
import { readLog, type EvalRow, type TrainRow } from './training-log.js';

export interface Split {
  examples: PairExample[];
  /** Shown in logs and the model card: a hub id with split, or a file path. */
  source: string;
}

export interface JobOptions extends Omit<TrainerOptions, 'outputDir'> {
  model: string;
  output: string;
  train: Split;
  validation?: Split;
  test?: Split;
  load?: FromPretrainedOptions;
  /** Evaluate the validation split before training (the baseline). Default true. */
  evaluateBefore?: boolean;
  /**
   * Replace the results of an earlier run in `output` (HF's overwrite_output_dir). Without it, or `resume`, an
   * output folder that holds files is refused, so two runs' logs and eval rows never mix.
   */
  overwrite?: boolean;
}

export interface JobResult {
  finalDir: string;
  train: TrainResult;
  metrics: Array<{ split: string; pearson: number; spearman: number }>;
}

interface ResultsFile {
  metrics: JobResult['metrics'];
  steps: number;
  trainSeconds: number;
  pairsPerSecond: number;
  best: EvalPoint | null;
}

export async function runTrainingJob(o: JobOptions): Promise<JobResult> {
  const out = path.resolve(o.output);
  const args = resolveTrainingArgs(o); // every option checked before the disk or the network is touched
  const prepared = await prepareOutputDir(out, { resume: o.resume ?? false, overwrite: o.overwrite ?? false });
  if (prepared.finished) return finishedRun(out);
  let resume = o.resume ?? false;
  if (resume && !prepared.checkpoint) {
    log.warn(`resume: no checkpoint in ${path.join(out, CHECKPOINTS_DIR)}; starting from scratch (the earlier attempt's logs and eval rows are removed)`);
    resume = false;
  }
  let model: CrossEncoder;
  try {
    // Seed a fresh head with the run's seed (as transformers.set_seed before from_pretrained), so runs repeat.
    model = await CrossEncoder.fromPretrained(o.model, { seed: args.seed, ...o.load });
  } catch (e) {
    await discardIfUnused(prepared); // a failed download leaves no empty run folder behind
    throw e;
  }
  try {
    const backend = activeBackend();
    if (backend) log.info(`backend: ${describeBackend(backend)}`);
    const threads = checkThreads(args.threads);
    const cores = platform().cpuCount();
    const scoring = args.evalThreads;
    log.info(`threads: ${threads} for training, ${scoring === 'auto' ? `auto (${checkThreads('auto')})` : checkThreads(scoring)} for scoring (${cores} cores)`);
    if (threads === 1 && cores > 1 && backend?.name !== 'tensorflow') {
      log.info(`tip: threads 2 (--threads 2) trains on a second core, 1.3–1.4× faster on a 2-core machine; the batch is then split in two micro-batches, so dropout masks differ from threads 1`);
    }
    log.info(`model ${o.model}: ${model.config.architecture}, ${model.config.numLayers} layers × ${model.config.hiddenSize}, max length ${model.maxLength}`);
    log.info(`data: train ${o.train.examples.length} pairs (${o.train.source})${o.validation ? `, validation ${o.validation.examples.length}` : ''}${o.test ? `, test ${o.test.examples.length}` : ''}`);
    const devEval = o.validation ? CrossEncoderCorrelationEvaluator.fromExamples(o.validation.examples, 'validation') : undefined;
    if (devEval && (o.evaluateBefore ?? true) && !resume) {
      const r = await devEval.evaluate((p) => model.predict(p, { showProgress: false, threads: scoring }), { outputDir: out, epoch: -1, steps: -1 });
      log.info(`validation before training: Pearson ${r.pearson.toFixed(4)}, Spearman ${r.spearman.toFixed(4)}`);
    }
    const trainer = new Trainer(model, o.train.examples, { ...o, resume, outputDir: out }, devEval);
    let result: TrainResult;
    try {
      result = await trainer.run();
    } finally {
      trainer.dispose();
    }
    const finalDir = path.join(out, FINAL_DIR);
    await writeDirAtomic(finalDir, (d) => model.save(d));
    log.info(`saved the final model to ${finalDir}`);

    const metrics: JobResult['metrics'] = [];
    const last = result.evals[result.evals.length - 1];
    if (last) metrics.push({ split: 'validation', pearson: last.pearson, spearman: last.spearman });
    if (o.test) {
      const testEval = CrossEncoderCorrelationEvaluator.fromExamples(o.test.examples, 'test');
      // A killed attempt may have written its test row already: the test CSV holds this run's one row.
      await testEval.truncateCsv(out, () => false);
      const r = await testEval.evaluate((p) => model.predict(p, { showProgress: false, threads: scoring }), { outputDir: out });
      metrics.push({ split: 'test', pearson: r.pearson, spearman: r.spearman });
      log.info(`test: Pearson ${r.pearson.toFixed(4)}, Spearman ${r.spearman.toFixed(4)}`);
    }
    await writeArtifacts(out, finalDir, o, args, model, result, metrics);
    const results: ResultsFile = { metrics, steps: result.globalStep, trainSeconds: result.trainSeconds, pairsPerSecond: result.pairsPerSecond, best: result.best ?? null };
    await writeFileAtomic(path.join(out, RESULTS_FILE), JSON.stringify(results, null, 2) + '\n');
    return { finalDir, train: result, metrics };
  } finally {
    model.dispose();
  }
}

/** Resuming a run that finished: nothing to train, and nothing is rewritten (results, card, CSVs stay as they are). */
async function finishedRun(out: string): Promise<JobResult> {
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

async function writeArtifacts(out: string, finalDir: string, o: JobOptions, args: TrainingArgs, model: CrossEncoder, result: TrainResult, metrics: JobResult['metrics']): Promise<void> {
  const rows = await readLog(path.join(out, 'log.jsonl'));
  const svg = renderTrainingCurve({
    title: `${path.basename(o.model)} on ${o.train.source}`,
    loss: rows.filter((r): r is TrainRow => r.type === 'train').map((r) => ({ step: r.step, value: r.loss })),
    evalSpearman: result.evals.map((e) => ({ step: e.step, value: e.spearman })),
  });
  await writeFileAtomic(path.join(out, 'training-curve.svg'), svg);
  const backend = activeBackend();
  const card = renderModelCard({
    baseModel: o.model,
    modelType: model.config.modelType,
    outputDir: finalDir,
    datasets: { train: o.train.source, validation: o.validation?.source, test: o.test?.source },
    hyperparameters: cardHyperparameters(args, { dropout: o.load?.dropout, maxLength: model.maxLength }),
    metrics,
    trainingTime: { seconds: result.trainSeconds, pairsPerSecond: result.pairsPerSecond },
    backend: backend ? describeBackend(backend) : 'unknown',
    date: new Date().toISOString(),
  });
  await writeFileAtomic(path.join(finalDir, 'README.md'), card);
  await writeFileAtomic(path.join(out, 'README.md'), card);
}
