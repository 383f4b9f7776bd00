/**
 * A whole fine-tuning job as sentence-transformers' training_stsbenchmark.py runs it: load the model, evaluate
 * the validation split before training, train with periodic evaluation, save the final model, evaluate the test
 * split, and write the artifacts (model card, eval CSVs, log.jsonl, training-curve SVG) into one output folder.
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { activeBackend, describeBackend } from '../backend/state.js';
import { CrossEncoder, type FromPretrainedOptions } from '../cross-encoder.js';
import type { PairExample } from '../data/types.js';
import { CrossEncoderCorrelationEvaluator } from '../evaluation/correlation-evaluator.js';
import { checkThreads } from '../parallel/replica-pool.js';
import { log } from '../util/log.js';
import { writeFileAtomic } from '../util/fs.js';
import { renderTrainingCurve } from './curve-svg.js';
import { renderModelCard } from './model-card.js';
import { DEFAULT_SEED, Trainer, type TrainerOptions, type TrainResult } from './trainer.js';
import { readLog, type TrainRow } from './training-log.js';

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
}

export interface JobResult {
  finalDir: string;
  train: TrainResult;
  metrics: Array<{ split: string; pearson: number; spearman: number }>;
}

export async function runTrainingJob(o: JobOptions): Promise<JobResult> {
  const out = path.resolve(o.output);
  await fsp.mkdir(out, { recursive: true });
  // Seed a fresh head with the run's seed (as transformers.set_seed before from_pretrained), so runs repeat.
  const model = await CrossEncoder.fromPretrained(o.model, { seed: o.seed ?? DEFAULT_SEED, ...o.load });
  try {
    const backend = activeBackend();
    if (backend) log.info(`backend: ${describeBackend(backend)}`);
    const threads = checkThreads(o.threads ?? 1);
    const cores = os.availableParallelism();
    const scoring = o.evalThreads ?? 'auto';
    log.info(`threads: ${threads} for training, ${scoring === 'auto' ? `auto (${checkThreads('auto')})` : checkThreads(scoring)} for scoring (${cores} cores)`);
    if (threads === 1 && cores > 1 && backend?.name !== 'tensorflow') {
      log.info(`tip: threads 2 (--threads 2) trains on a second core, 1.3–1.4× faster on a 2-core machine; the batch is then split in two micro-batches, so dropout masks differ from threads 1`);
    }
    log.info(`model ${o.model}: ${model.config.architecture}, ${model.config.numLayers} layers × ${model.config.hiddenSize}, max length ${model.maxLength}`);
    log.info(`data: train ${o.train.examples.length} pairs (${o.train.source})${o.validation ? `, validation ${o.validation.examples.length}` : ''}${o.test ? `, test ${o.test.examples.length}` : ''}`);
    const devEval = o.validation ? CrossEncoderCorrelationEvaluator.fromExamples(o.validation.examples, 'validation') : undefined;
    if (devEval && (o.evaluateBefore ?? true) && !o.resume) {
      const r = await devEval.evaluate((p) => model.predict(p, { showProgress: false, threads: scoring }), { outputDir: out, epoch: -1, steps: -1 });
      log.info(`validation before training: Pearson ${r.pearson.toFixed(4)}, Spearman ${r.spearman.toFixed(4)}`);
    }
    const trainer = new Trainer(model, o.train.examples, { ...o, outputDir: out }, devEval);
    let result: TrainResult;
    try {
      result = await trainer.run();
    } finally {
      trainer.dispose();
    }
    const finalDir = path.join(out, 'final');
    await model.save(finalDir);
    log.info(`saved the final model to ${finalDir}`);

    const metrics: JobResult['metrics'] = [];
    const last = result.evals[result.evals.length - 1];
    if (last) metrics.push({ split: 'validation', pearson: last.pearson, spearman: last.spearman });
    if (o.test) {
      const testEval = CrossEncoderCorrelationEvaluator.fromExamples(o.test.examples, 'test');
      const r = await testEval.evaluate((p) => model.predict(p, { showProgress: false, threads: scoring }), { outputDir: out });
      metrics.push({ split: 'test', pearson: r.pearson, spearman: r.spearman });
      log.info(`test: Pearson ${r.pearson.toFixed(4)}, Spearman ${r.spearman.toFixed(4)}`);
    }
    await writeArtifacts(out, finalDir, o, model, result, metrics);
    await writeFileAtomic(path.join(out, 'results.json'), JSON.stringify({ metrics, steps: result.globalStep, trainSeconds: result.trainSeconds, pairsPerSecond: result.pairsPerSecond, best: result.best ?? null }, null, 2) + '\n');
    return { finalDir, train: result, metrics };
  } finally {
    model.dispose();
  }
}

async function writeArtifacts(out: string, finalDir: string, o: JobOptions, model: CrossEncoder, result: TrainResult, metrics: JobResult['metrics']): Promise<void> {
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
    hyperparameters: {
      loss: o.loss ?? 'bce',
      epochs: o.maxSteps ? `${o.maxSteps} steps` : (o.epochs ?? 4),
      batch_size: o.batchSize ?? 16,
      learning_rate: o.lr ?? 2e-5,
      warmup_ratio: o.warmupSteps !== undefined ? `${o.warmupSteps} steps` : (o.warmupRatio ?? 0.1),
      weight_decay: o.weightDecay ?? 0.01,
      max_grad_norm: o.maxGradNorm ?? 1,
      scheduler: o.scheduler ?? 'linear',
      seed: o.seed ?? 12,
      max_length: model.maxLength,
      dropout: o.load?.dropout ?? 'model default',
      freeze_embeddings: o.freezeEmbeddings ?? false,
    },
    metrics,
    trainingTime: { seconds: result.trainSeconds, pairsPerSecond: result.pairsPerSecond },
    backend: backend ? describeBackend(backend) : 'unknown',
    date: new Date().toISOString(),
  });
  await writeFileAtomic(path.join(finalDir, 'README.md'), card);
  await writeFileAtomic(path.join(out, 'README.md'), card);
}
