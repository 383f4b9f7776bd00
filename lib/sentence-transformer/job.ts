/**
 * A whole bi-encoder fine-tuning job, as sentence-transformers' training_stsbenchmark.py for SentenceTransformer runs
 * it: load the model (a plain encoder gets mean pooling), train with the loss on (sentence1, sentence2, score) rows,
 * evaluate on validation during training with EmbeddingSimilarityEvaluator, save final/, evaluate on test. The output
 * folder, checkpoints, resume, log.jsonl and the curve are the shared training core's (lib/training/).
 */
import { path } from '../platform/index.js';
import { activeBackend, describeBackend } from '../backend/state.js';
import type { ColumnDataset } from '../data/column-dataset.js';
import type { PairExample } from '../data/types.js';
import { DataError } from '../errors.js';
import { lastValidation, openRun, trainAndSave, writeModelCard, writeResults, writeTrainingCurve, type FinishedJob, type JobMetrics, type Split } from '../training/job.js';
import { TrainingLoop, type TrainerOptions, type TrainResult } from '../training/trainer.js';
import { cardHyperparameters, resolveTrainingArgs, type TrainingArgs } from '../training/training-args.js';
import { log } from '../util/log.js';
import { EmbeddingSimilarityEvaluator } from './evaluation/index.js';
import { CosineSimilarityLoss, type EmbeddingLoss } from './losses/index.js';
import { SentenceTransformer, type SentenceTransformerOptions } from './model.js';
import { SentenceTransformerTask, trainingEvaluator, type BiEncoderExample } from './training-task.js';
import type { TrainingPrompts } from './training-prompts.js';

export interface BiEncoderJobOptions extends Omit<TrainerOptions, 'outputDir' | 'loss'> {
  model: string;
  output: string;
  /**
   * STSb-style labelled pairs, or any dataset under sentence-transformers' column rule (its label column the label,
   * every other column an input of the loss, in order), e.g. (anchor, positive) rows for MultipleNegativesRankingLoss.
   */
  train: Split | ColumnDataset;
  validation?: Split;
  test?: Split;
  /**
   * sentence-transformers' `prompts` training argument: one prompt before every input column's texts, or one per
   * column name (STSb splits: sentence1, sentence2). Not applied at validation or test, as in ST.
   */
  prompts?: TrainingPrompts;
  /** Default CosineSimilarityLoss, the example's. */
  loss?: EmbeddingLoss;
  load?: SentenceTransformerOptions;
  evaluateBefore?: boolean;
  overwrite?: boolean;
}

export type BiEncoderJobResult = FinishedJob;

/** A column-rule dataset's rows as the losses take them: the input columns' texts in order, the label if any. */
export function columnRows(ds: ColumnDataset): BiEncoderExample[] {
  return ds.rows.map((row, r) => {
    const texts = ds.inputColumns.map((c) => {
      const v = row[c];
      if (typeof v !== 'string') throw new DataError(ds.source, `column "${c}" must be a text for a bi-encoder loss (got ${Array.isArray(v) ? 'a list' : typeof v})`, r + 1);
      return v;
    });
    if (ds.labelColumn === undefined) return { texts };
    const label = row[ds.labelColumn];
    if (typeof label !== 'number') throw new DataError(ds.source, `label column "${ds.labelColumn}" must be a number (got ${Array.isArray(label) ? 'a list' : typeof label})`, r + 1);
    return { texts, label };
  });
}

/** STSb rows as the losses take them: (sentence1, sentence2) texts, the score as label. */
export function pairRows(examples: readonly PairExample[]): BiEncoderExample[] {
  return examples.map((e) => ({ texts: [e.sentence1, e.sentence2], label: e.label }));
}

export async function runBiEncoderJob(o: BiEncoderJobOptions): Promise<BiEncoderJobResult> {
  const out = path.resolve(o.output);
  // The loss is an object here, not one of the cross-encoder loss names the shared options know.
  const { loss: chosen, prompts, ...trainerOpts } = o;
  const args = resolveTrainingArgs(trainerOpts);
  const loss = chosen ?? new CosineSimilarityLoss();
  const run = await openRun(out, o);
  if (run.finished) return run.finished;
  const resume = run.resume;
  const model = await run.load(() => SentenceTransformer.fromPretrained(o.model, o.load));
  try {
    const backend = activeBackend();
    if (backend) log.info(`backend: ${describeBackend(backend)}`);
    log.info(`model ${o.model}: ${model.config.architecture}, ${model.config.numLayers} layers × ${model.config.hiddenSize}, modules ${model.modules.map((m) => m.kind).join(' → ')}, max length ${model.maxSeqLength}; loss ${loss.name}`);
    const evalOpts = { mainSimilarity: 'cosine' as const };
    const dev = o.validation ? EmbeddingSimilarityEvaluator.fromExamples(o.validation.examples, 'sts-dev', evalOpts) : undefined;
    const devEval = dev && trainingEvaluator(dev, model, args.evalThreads);
    if (devEval && (o.evaluateBefore ?? true) && !resume) {
      const r = await devEval.evaluate({ outputDir: out, epoch: -1, steps: -1 });
      log.info(`validation before training: Pearson ${r.pearson.toFixed(4)}, Spearman ${r.spearman.toFixed(4)} (cosine)`);
    }
    const rows = 'rows' in o.train ? columnRows(o.train) : pairRows(o.train.examples);
    const columns = 'rows' in o.train ? o.train.inputColumns : ['sentence1', 'sentence2'];
    const task = new SentenceTransformerTask(model, rows, loss, { columns, prompts });
    const { result, finalDir } = await trainAndSave(new TrainingLoop(task, { ...trainerOpts, resume, outputDir: out }, devEval), out, (d) => model.saveInto(d));
    const metrics = lastValidation(result);
    if (o.test) {
      const test = EmbeddingSimilarityEvaluator.fromExamples(o.test.examples, 'sts-test', evalOpts);
      await test.truncateCsv(out, () => false);
      const r = await trainingEvaluator(test, model, args.evalThreads).evaluate({ outputDir: out });
      metrics.push({ split: 'test', pearson: r.pearson, spearman: r.spearman });
      log.info(`test: Pearson ${r.pearson.toFixed(4)}, Spearman ${r.spearman.toFixed(4)} (cosine)`);
    }
    await writeTrainingCurve(out, `${path.basename(o.model)} (${loss.name}) on ${o.train.source}`, result);
    await writeBiEncoderCard(out, finalDir, o, args, model, { loss: loss.name, prompts: task.modelArgs().prompts }, result, metrics);
    await writeResults(out, result, metrics);
    return { finalDir, train: result, metrics };
  } finally {
    model.dispose();
  }
}

/** The sentence-transformers-style card, in final/ (it goes with the model) and in the run folder. */
async function writeBiEncoderCard(out: string, finalDir: string, o: BiEncoderJobOptions, args: TrainingArgs, model: SentenceTransformer, used: { loss: string; prompts?: string }, result: TrainResult, metrics: JobMetrics): Promise<void> {
  const lossName = used.loss;
  // The shared options' `loss` names a cross-encoder loss; a bi-encoder's loss is an object, named here instead.
  const { loss: _crossEncoderLoss, pos_weight: _posWeight, ...hyperparameters } = cardHyperparameters(args, { dropout: o.load?.dropout, maxLength: model.maxSeqLength });
  await writeModelCard(out, finalDir, o, result, metrics, {
    kind: 'sentence-transformer',
    loss: lossName,
    baseModel: o.model,
    modelType: `${model.config.modelType} (${model.modules.map((m) => m.kind).join(' → ')})`,
    hyperparameters: { loss: lossName, ...(used.prompts === undefined ? {} : { prompts: used.prompts }), ...hyperparameters },
  });
}
