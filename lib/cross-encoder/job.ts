/**
 * A whole fine-tuning job as sentence-transformers' training_stsbenchmark.py runs it: load the model, evaluate
 * the validation split before training, train with periodic evaluation, save the final model, evaluate the test
 * split, and write the artifacts (model card, eval CSVs, log.jsonl, training-curve SVG) into one output folder.
 */
import { path, platform } from '../platform/index.js';
import { activeBackend, describeBackend } from '../backend/state.js';
import { checkThreads } from '../parallel/threads.js';
import { lastValidation, openRun, trainAndSave, writeModelCard, writeResults, writeTrainingCurve, type FinishedJob, type JobMetrics, type Split } from '../training/job.js';
import { cardHyperparameters, resolveTrainingArgs, type TrainingArgs } from '../training/training-args.js';
import { log } from '../util/log.js';
import { CrossEncoderCorrelationEvaluator } from './evaluation/correlation-evaluator.js';
import { CrossEncoder, type FromPretrainedOptions } from './model.js';
import { Trainer, type TrainerOptions, type TrainResult } from './trainer.js';

export type { Split } from '../training/job.js';

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

export type JobResult = FinishedJob;

export async function runTrainingJob(o: JobOptions): Promise<JobResult> {
  const out = path.resolve(o.output);
  const args = resolveTrainingArgs(o); // every option checked before the disk or the network is touched
  const run = await openRun(out, o);
  if (run.finished) return run.finished;
  const resume = run.resume;
  // Seed a fresh head with the run's seed (as transformers.set_seed before from_pretrained), so runs repeat.
  const model = await run.load(() => CrossEncoder.fromPretrained(o.model, { seed: args.seed, ...o.load }));
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
    const { result, finalDir } = await trainAndSave(new Trainer(model, o.train.examples, { ...o, resume, outputDir: out }, devEval), out, (d) => model.save(d));

    const metrics = lastValidation(result);
    if (o.test) {
      const testEval = CrossEncoderCorrelationEvaluator.fromExamples(o.test.examples, 'test');
      // A killed attempt may have written its test row already: the test CSV holds this run's one row.
      await testEval.truncateCsv(out, () => false);
      const r = await testEval.evaluate((p) => model.predict(p, { showProgress: false, threads: scoring }), { outputDir: out });
      metrics.push({ split: 'test', pearson: r.pearson, spearman: r.spearman });
      log.info(`test: Pearson ${r.pearson.toFixed(4)}, Spearman ${r.spearman.toFixed(4)}`);
    }
    await writeArtifacts(out, finalDir, o, args, model, result, metrics);
    await writeResults(out, result, metrics);
    return { finalDir, train: result, metrics };
  } finally {
    model.dispose();
  }
}

async function writeArtifacts(out: string, finalDir: string, o: JobOptions, args: TrainingArgs, model: CrossEncoder, result: TrainResult, metrics: JobMetrics): Promise<void> {
  await writeTrainingCurve(out, `${path.basename(o.model)} on ${o.train.source}`, result);
  await writeModelCard(out, finalDir, o, result, metrics, {
    baseModel: o.model,
    modelType: model.config.modelType,
    hyperparameters: cardHyperparameters(args, { dropout: o.load?.dropout, maxLength: model.maxLength }),
  });
}
