/**
 * What every fine-tuning job (lib/cross-encoder/job.ts, lib/sentence-transformer/job.ts) does around its training
 * loop, in one place: open the output folder (refusing to mix runs, resuming or starting over), reload a run that
 * already finished, and write results.json and the training curve.
 */
import { fsp, path } from '../platform/index.js';
import { activeBackend, describeBackend } from '../backend/state.js';
import type { PairExample } from '../data/types.js';
import { TrainingError } from '../errors.js';
import { writeDirAtomic, writeFileAtomic } from '../util/fs.js';
import { log } from '../util/log.js';
import { CHECKPOINTS_DIR } from './checkpoint-state.js';
import { renderTrainingCurve } from './curve-svg.js';
import { renderModelCard, type ModelCardInfo } from './model-card.js';
import { discardIfUnused, FINAL_DIR, prepareOutputDir, RESULTS_FILE } from './output-dir.js';
import type { EvalPoint, TrainingLoop, TrainResult } from './trainer.js';
import { readLog, type EvalRow, type TrainRow } from './training-log.js';

export interface Split {
  examples: PairExample[];
  /** Shown in logs and the model card: a hub id with split, or a file path. */
  source: string;
}

export type JobMetrics = Array<{ split: string; pearson: number; spearman: number }>;

export interface FinishedJob {
  finalDir: string;
  train: TrainResult;
  metrics: JobMetrics;
}

interface ResultsFile {
  metrics: JobMetrics;
  steps: number;
  trainSeconds: number;
  pairsPerSecond: number;
  best: EvalPoint | null;
}

export type OpenedRun =
  | { finished: FinishedJob }
  | { finished?: undefined; resume: boolean; load<M>(make: () => Promise<M>): Promise<M> };

/**
 * Prepare `out` for a run. A run that already finished comes back as `finished` (nothing is rewritten). Otherwise
 * `resume` says whether a checkpoint is there to continue from, and `load` makes the model, removing the run folder
 * again if that fails (a failed download leaves no empty run folder behind).
 */
export async function openRun(out: string, o: { resume?: boolean; overwrite?: boolean }): Promise<OpenedRun> {
  const prepared = await prepareOutputDir(out, { resume: o.resume ?? false, overwrite: o.overwrite ?? false });
  if (prepared.finished) return { finished: await finishedRun(out) };
  let resume = o.resume ?? false;
  if (resume && !prepared.checkpoint) {
    log.warn(`resume: no checkpoint in ${path.join(out, CHECKPOINTS_DIR)}; starting from scratch (the earlier attempt's logs and eval rows are removed)`);
    resume = false;
  }
  return {
    resume,
    async load<M>(make: () => Promise<M>): Promise<M> {
      try {
        return await make();
      } catch (e) {
        await discardIfUnused(prepared);
        throw e;
      }
    },
  };
}

/** Resuming a run that finished: nothing to train, and nothing is rewritten (results, card, CSVs stay as they are). */
async function finishedRun(out: string): Promise<FinishedJob> {
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

/** Run the loop (its tensors are freed whatever happens), then save the final model atomically into out/final. */
export async function trainAndSave(trainer: TrainingLoop, out: string, save: (dir: string) => Promise<void>): Promise<{ result: TrainResult; finalDir: string }> {
  let result: TrainResult;
  try {
    result = await trainer.run();
  } finally {
    trainer.dispose();
  }
  const finalDir = path.join(out, FINAL_DIR);
  await writeDirAtomic(finalDir, save);
  log.info(`saved the final model to ${finalDir}`);
  return { result, finalDir };
}

/** The validation metric of the last evaluation during training, if there was one. */
export function lastValidation(result: TrainResult): JobMetrics {
  const last = result.evals[result.evals.length - 1];
  return last ? [{ split: 'validation', pearson: last.pearson, spearman: last.spearman }] : [];
}

/** training-curve.svg from log.jsonl's loss rows and the evaluations' Spearman. */
export async function writeTrainingCurve(out: string, title: string, result: TrainResult): Promise<void> {
  const rows = await readLog(path.join(out, 'log.jsonl'));
  const svg = renderTrainingCurve({
    title,
    loss: rows.filter((r): r is TrainRow => r.type === 'train').map((r) => ({ step: r.step, value: r.loss })),
    evalSpearman: result.evals.map((e) => ({ step: e.step, value: e.spearman })),
  });
  await writeFileAtomic(path.join(out, 'training-curve.svg'), svg);
}

/** results.json, written last: its presence is what marks the run finished. */
export async function writeResults(out: string, result: TrainResult, metrics: JobMetrics): Promise<void> {
  const results: ResultsFile = { metrics, steps: result.globalStep, trainSeconds: result.trainSeconds, pairsPerSecond: result.pairsPerSecond, best: result.best ?? null };
  await writeFileAtomic(path.join(out, RESULTS_FILE), JSON.stringify(results, null, 2) + '\n');
}

/**
 * The model card, in final/ (it goes with the model) and in the run folder: the run's datasets, metrics, time,
 * backend and date filled in here, the rest (kind, model, hyperparameters) from the job.
 */
export async function writeModelCard(out: string, finalDir: string, o: { train: { source: string }; validation?: Split; test?: Split }, result: TrainResult, metrics: JobMetrics, card: Pick<ModelCardInfo, 'kind' | 'loss' | 'baseModel' | 'modelType' | 'hyperparameters'>): Promise<void> {
  const backend = activeBackend();
  const text = renderModelCard({
    ...card,
    outputDir: finalDir,
    datasets: { train: o.train.source, validation: o.validation?.source, test: o.test?.source },
    metrics,
    trainingTime: { seconds: result.trainSeconds, pairsPerSecond: result.pairsPerSecond },
    backend: backend ? describeBackend(backend) : 'unknown',
    date: new Date().toISOString(),
  });
  await writeFileAtomic(path.join(finalDir, 'README.md'), text);
  await writeFileAtomic(path.join(out, 'README.md'), text);
}
