/**
 * The fine-tuning loop both kinds of model share (sentence-transformers' Trainer under CrossEncoderTrainer and
 * SentenceTransformerTrainer), driving a TrainingTask. One optimizer step = tokenise a batch (dynamic padding), loss, gradients (optionally in micro-batches),
 * global-norm clipping, AdamW with the scheduled learning rate. Evaluation, logging, best-model tracking and
 * resumable checkpoints wrap around it. Every tensor a step creates is disposed, so numTensors stays flat.
 */
import { fsp, path } from '../platform/index.js';
import { activeBackend } from '../backend/state.js';
import { tf } from '../tf.js';
import { TrainingError, TrainingInterruptedError, UsageError } from '../errors.js';
import { checkThreads } from '../parallel/threads.js';
import { log } from '../util/log.js';
import { makeDir, writeDirAtomic } from '../util/fs.js';
import { formatDuration, ProgressBar } from '../util/progress.js';
import { checkpointDir, CHECKPOINTS_DIR, listCheckpoints, readCheckpoint, readTrainerState, writeCheckpoint, type TrainerState } from './checkpoint-state.js';
import { fingerprint } from './fingerprint.js';
import { clipGradients, globalNorm } from './gradients.js';
import { AdamW } from './optimizer.js';
import { explainDoesNotFit, gb, microBatchFor, planMemory, type MemoryPlan } from './memory.js';
import { epochPermutation } from './rng.js';
import { makeSchedule, resolveWarmupSteps } from './schedule.js';
import { comparedArgs, diffArgs, resolveTrainingArgs, type ComparedArgs, type TrainingArgs } from './training-args.js';
import { readLog, TrainingLog, type LogRow } from './training-log.js';
import type { TrainingEvaluator, TrainingTask } from './task.js';

// The options' home is training-args.ts; these stay importable from here, where the API has always had them.
export { DEFAULT_SEED, type LossKind } from './training-args.js';

export type { TrainingTask, TrainingEvaluator } from './task.js';

/** The Trainer's options: every training option (defaults and docs in training-args.ts) plus where and how to run. */
export interface TrainerOptions extends Partial<TrainingArgs> {
  outputDir: string;
  /** Continue from the newest checkpoint in outputDir/checkpoints; the options that change the result must match. */
  resume?: boolean;
  showProgress?: boolean;
  /** Called after each optimizer step (tests use it to simulate crashes). */
  onStep?: (step: number) => void | Promise<void>;
  /**
   * Once aborted (the CLI aborts it on Ctrl-C), training stops after the step in progress, writes a checkpoint of
   * that step, and run() throws TrainingInterruptedError naming it, so the run can continue with `resume`.
   */
  stopSignal?: AbortSignal;
}

export interface EvalPoint {
  step: number;
  epoch: number;
  pearson: number;
  spearman: number;
}

export interface TrainResult {
  globalStep: number;
  evals: EvalPoint[];
  best?: EvalPoint;
  bestDir?: string;
  trainSeconds: number;
  pairsPerSecond: number;
  resumedFrom?: number;
}

type Resolved = TrainingArgs & Pick<TrainerOptions, 'onStep' | 'stopSignal'> & { outputDir: string; resume: boolean; showProgress: boolean; threadCount: number };

function resolveOptions(o: TrainerOptions): Resolved {
  const args = resolveTrainingArgs(o);
  return { ...args, outputDir: o.outputDir, resume: o.resume ?? false, showProgress: o.showProgress ?? true, onStep: o.onStep, stopSignal: o.stopSignal, threadCount: checkThreads(args.threads) };
}

/**
 * The training loop shared by both kinds of model: it drives a TrainingTask (a CrossEncoder's, in
 * lib/cross-encoder/training-task.ts, or a SentenceTransformer's) with its evaluator. The cross-encoder API's
 * `Trainer` (lib/cross-encoder/trainer.ts) builds the task from a model and its pairs.
 */
export class TrainingLoop {
  private readonly opts: Resolved;
  private readonly task: TrainingTask;
  private readonly evaluator?: TrainingEvaluator;
  private readonly params: Array<[string, tf.Variable]>;
  private readonly optimizer: AdamW;
  /** Trainable parameter count (set by the memory plan). */
  private trainableCount = 0;

  constructor(task: TrainingTask, options: TrainerOptions, evaluator?: TrainingEvaluator) {
    this.opts = resolveOptions(options);
    if (task.size === 0) throw new UsageError('the training set is empty');
    this.task = task;
    this.evaluator = evaluator;
    const frozen = (n: string) => this.opts.freezeEmbeddings && /\.embeddings\.(word|position|token_type)_embeddings\./.test(n);
    this.params = this.task.module.trainableVariables((n) => !frozen(n));
    this.optimizer = new AdamW({ weightDecay: this.opts.weightDecay, eps: this.opts.adamEps });
  }

  get stepsPerEpoch(): number {
    return Math.ceil(this.task.size / this.opts.batchSize);
  }

  get totalSteps(): number {
    return this.opts.maxSteps ?? this.opts.epochs * this.stepsPerEpoch;
  }

  /** Batches of example indices for one epoch: seeded shuffle (or input order), optionally grouped by length. */
  private epochBatches(epoch: number, lengths: readonly number[]): number[][] {
    const n = this.task.size;
    const bs = this.opts.batchSize;
    let order = this.opts.shuffle ? epochPermutation(n, this.opts.seed, epoch) : Array.from({ length: n }, (_, i) => i);
    if (this.opts.groupByLength) {
      // Like HF's LengthGroupedSampler: shuffled mega-batches of 50 batches, each sorted by length.
      const mega = bs * 50;
      const grouped: number[] = [];
      for (let s = 0; s < n; s += mega) grouped.push(...order.slice(s, s + mega).sort((a, b) => lengths[b] - lengths[a]));
      order = grouped;
    }
    const batches: number[][] = [];
    for (let s = 0; s < n; s += bs) batches.push(order.slice(s, s + bs));
    return batches;
  }

  /** What a resumed run must share with the run that wrote its checkpoint (training-args.ts decides what). */
  private comparedArgs(): ComparedArgs {
    const m = this.task.modelArgs();
    const out = comparedArgs(this.opts, { dropout: m.dropout, maxLength: m.maxLength }, { examples: this.task.size, sha256: fingerprint(this.task.fingerprintLines()) });
    // A bi-encoder's loss is an object, not one of the cross-encoder loss names: its name is what must match.
    if (m.loss !== undefined) out.loss = m.loss;
    if (m.prompts !== undefined) out.prompts = m.prompts;
    return out;
  }

  async run(): Promise<TrainResult> {
    const o = this.opts;
    const out = o.outputDir;
    await makeDir(out);
    const total = this.totalSteps;
    const warmup = resolveWarmupSteps({ warmupSteps: o.warmupSteps, warmupRatio: o.warmupRatio, totalSteps: total });
    const lrAt = makeSchedule({ kind: o.scheduler, baseLr: o.lr, warmupSteps: warmup, totalSteps: total });
    const lengths = this.task.lengths();
    const plan = this.memoryPlan(Math.max(...lengths));

    const args = this.comparedArgs();
    let state: TrainerState = {
      globalStep: 0,
      epoch: 0,
      batchInEpoch: 0,
      dropoutSeed: o.seed * 1_000_003 + 1,
      bestMetric: null,
      bestStep: null,
      trainSeconds: 0,
      pairsSeen: 0,
      args,
    };
    let resumedFrom: number | undefined;
    let lastCheckpoint: string | undefined;
    const logFile = path.join(out, 'log.jsonl');
    const last = o.resume ? (await listCheckpoints(out)).pop() : undefined;
    if (o.resume && !last) log.warn(`resume: no checkpoint in ${path.join(out, CHECKPOINTS_DIR)}; starting from scratch`);
    if (last) {
      state = await this.restore(last.dir, args);
      resumedFrom = state.globalStep;
      lastCheckpoint = last.dir;
      log.info(`resumed from ${last.dir} (step ${state.globalStep}, epoch ${state.epoch + 1}, batch ${state.batchInEpoch})`);
    }
    // Whatever an earlier run logged after the step we start from is logged again: cut it, so no row appears twice.
    if (last) await TrainingLog.truncateAfter(logFile, state.globalStep);
    else await fsp.rm(logFile, { force: true });
    const spe = this.stepsPerEpoch;
    const resumeStep = state.globalStep;
    // CSV rows say (epoch, steps); steps -1 is an epoch end, epoch -1 the evaluation before training.
    await this.evaluator?.truncateCsv(out, (epoch, steps) => epoch < 0 || (steps >= 0 ? steps : (epoch + 1) * spe) <= resumeStep);

    const module = this.task.module;
    module.dropoutSeed = state.dropoutSeed;
    const seedsPerForward = module.seedsPerForward();
    const trainLog = new TrainingLog(logFile);
    const evals: EvalPoint[] = (await readLog(logFile)).filter((r): r is LogRow & EvalPoint => r.type === 'eval').map(({ step, epoch, pearson, spearman }) => ({ step, epoch, pearson, spearman }));
    let best: EvalPoint | undefined = evals.find((e) => e.step === state.bestStep);

    const bar = new ProgressBar({ total, label: 'train', unit: 'steps', enabled: o.showProgress ? undefined : false });
    bar.update(state.globalStep);
    const t0 = Date.now();
    const before = { seconds: state.trainSeconds ?? 0, pairs: state.pairsSeen ?? 0 };
    let pairsSeen = 0;
    let window = { loss: 0, steps: 0, pairs: 0, start: Date.now() };
    const startTensors = tf.memory().numTensors;
    const elapsed = () => (Date.now() - t0) / 1000;

    const evaluate = async (epochEnd: boolean): Promise<void> => {
      if (!this.evaluator) return;
      // An eval-steps evaluation may already have run on the epoch's last step: the model has not changed since.
      if (epochEnd && evals.length && evals[evals.length - 1].step === state.globalStep) return;
      const r = await this.evaluator.evaluate({ outputDir: out, epoch: state.epoch, steps: epochEnd ? -1 : state.globalStep });
      const point: EvalPoint = { step: state.globalStep, epoch: state.epoch, pearson: r.pearson, spearman: r.spearman };
      evals.push(point);
      await trainLog.append({ type: 'eval', ...point, name: this.evaluator.name });
      const metric = point[o.metricForBest];
      if (Number.isFinite(metric) && (state.bestMetric === null || metric > state.bestMetric)) {
        state.bestMetric = metric;
        state.bestStep = state.globalStep;
        best = point;
        await writeDirAtomic(path.join(out, 'best'), (d) => this.task.save(d));
        log.info(`new best ${o.metricForBest} ${metric.toFixed(4)} at step ${state.globalStep}; saved to ${path.join(out, 'best')}`);
      }
    };
    const save = async (): Promise<void> => {
      state.trainSeconds = before.seconds + elapsed();
      state.pairsSeen = before.pairs + pairsSeen;
      lastCheckpoint = await writeCheckpoint(out, { ...state }, await this.optimizer.getState(), (d) => this.task.save(d));
    };
    /** On a stop request: a checkpoint of the step just finished (unless there is one), then stop. */
    const stopIfAsked = async (): Promise<void> => {
      if (!o.stopSignal?.aborted) return;
      bar.done();
      if (state.globalStep === 0) throw new TrainingInterruptedError(0, total, undefined);
      if (lastCheckpoint !== checkpointDir(out, state.globalStep)) await save();
      throw new TrainingInterruptedError(state.globalStep, total, lastCheckpoint);
    };

    let batches: number[][] = [];
    let batchesOf = -1;
    await stopIfAsked();
    while (state.globalStep < total) {
      if (batchesOf !== state.epoch) {
        batches = this.epochBatches(state.epoch, lengths);
        batchesOf = state.epoch;
      }
      const b = state.batchInEpoch;
      const idx = batches[b];
      const lr = lrAt(state.globalStep);
      const seqLen = Math.max(...idx.map((i) => lengths[i]));
      const realTokens = idx.reduce((a, i) => a + lengths[i], 0);
      const planned = this.task.splitsBatches ? (o.microBatchSize ?? microBatchFor(plan, idx.length, seqLen, realTokens, 4 * this.trainableCount)) : idx.length;
      const microSize = Math.min(planned, Math.ceil(idx.length / o.threadCount));
      if (microSize < idx.length && o.microBatchSize === undefined) log.debug(`step ${state.globalStep + 1}: ${idx.length} × ${seqLen} tokens in micro-batches of ${microSize}`);
      const seedStart = module.dropoutSeed;
      let loss: number;
      let norm: number;
      {
        const g = await this.task.stepGradients({ step: state.globalStep, indices: idx, microSize, seedStart, seedsPerForward, params: this.params, threads: o.threadCount });
        module.dropoutSeed = seedStart + g.forwards * seedsPerForward;
        loss = g.loss;
        norm = await globalNorm(g.grads);
        if (!Number.isFinite(loss) || !Number.isFinite(norm)) {
          tf.dispose([...g.grads.values()]);
          const where = `step ${state.globalStep + 1} (epoch ${state.epoch + 1}, batch ${b + 1}, examples ${idx.slice(0, 5).map((i) => i + 1).join(', ')}${idx.length > 5 ? ', …' : ''})`;
          const keep = lastCheckpoint ? `the last good checkpoint is ${lastCheckpoint}` : 'no checkpoint was written yet';
          throw new TrainingError(`${!Number.isFinite(loss) ? `loss is ${loss}` : `gradient norm is ${norm}`} at ${where}; training stopped before applying it, ${keep}. Lower the learning rate or check the labels.`);
        }
        clipGradients(g.grads, norm, o.maxGradNorm);
        this.optimizer.apply(this.params, g.grads, lr);
        tf.dispose([...g.grads.values()]);
      }
      state.globalStep++;
      state.batchInEpoch = b + 1;
      pairsSeen += idx.length;
      window.loss += loss;
      window.steps++;
      window.pairs += idx.length;
      if (state.globalStep % o.loggingSteps === 0 || state.globalStep === total) {
        const secs = (Date.now() - window.start) / 1000;
        const row = {
          type: 'train' as const,
          step: state.globalStep,
          epoch: state.epoch + state.batchInEpoch / batches.length,
          loss: window.loss / window.steps,
          lr,
          grad_norm: norm,
          pairs_per_s: secs > 0 ? window.pairs / secs : 0,
        };
        await trainLog.append(row);
        if (!bar.enabled) log.info(`step ${row.step}/${total} loss ${row.loss.toFixed(4)} lr ${lr.toExponential(2)} grad_norm ${norm.toFixed(3)} ${row.pairs_per_s.toFixed(1)} pairs/s`);
        window = { loss: 0, steps: 0, pairs: 0, start: Date.now() };
      }
      bar.update(state.globalStep, `loss ${loss.toFixed(4)} lr ${lr.toExponential(2)} ${(elapsed() > 0 ? pairsSeen / elapsed() : 0).toFixed(1)} pairs/s`);
      state.dropoutSeed = module.dropoutSeed;
      if (o.evalSteps > 0 && state.globalStep % o.evalSteps === 0) await evaluate(false);
      // The epoch-end evaluation comes before the step's checkpoint, so a checkpoint always includes every
      // evaluation up to its step, and a resumed run never repeats or skips one.
      if (state.batchInEpoch >= batches.length) {
        await evaluate(true);
        state.epoch++;
        state.batchInEpoch = 0;
      }
      if (o.saveSteps > 0 && state.globalStep % o.saveSteps === 0) await save();
      await o.onStep?.(state.globalStep);
      await stopIfAsked();
    }
    bar.done();
    const leaked = tf.memory().numTensors - startTensors;
    if (leaked > 0) log.debug(`numTensors grew by ${leaked} during training (optimizer moments are created lazily on step 1)`);
    const trainSeconds = before.seconds + elapsed();
    const pairsTotal = before.pairs + pairsSeen;
    log.info(`trained ${state.globalStep - (resumedFrom ?? 0)} steps in ${formatDuration(elapsed())} (${(pairsSeen / Math.max(elapsed(), 1e-9)).toFixed(1)} pairs/s)`);
    return {
      globalStep: state.globalStep,
      evals,
      best,
      bestDir: best ? path.join(out, 'best') : undefined,
      trainSeconds,
      pairsPerSecond: trainSeconds > 0 ? pairsTotal / trainSeconds : 0,
      resumedFrom,
    };
  }

  /**
   * Estimate memory before the first step. Fail now, with what would fit, if the model cannot train on this
   * backend; otherwise say how batches will be split.
   */
  private memoryPlan(maxSeqLen: number): MemoryPlan {
    const backend = activeBackend()?.name ?? 'cpu';
    const all = this.task.module.params();
    const size = (shape: ReadonlyArray<number | null>) => shape.reduce<number>((a, d) => a * (d ?? 1), 1);
    const trainableSizes = this.params.map(([, v]) => size(v.shape));
    const counts = {
      total: all.reduce((a, [, p]) => a + size(p.variable.shape), 0),
      trainable: trainableSizes.reduce((a, b) => a + b, 0),
      largestTrainable: Math.max(...trainableSizes),
    };
    const plan = planMemory(this.task.module.config, counts, backend);
    const embeddings = all.filter(([n]) => /\.embeddings\.(word|position|token_type)_embeddings\./.test(n)).reduce((a, [, p]) => a + size(p.variable.shape), 0);
    const savings = this.opts.freezeEmbeddings ? 0 : 12 * embeddings;
    const bs = this.opts.batchSize;
    const problem = explainDoesNotFit(plan, this.opts.microBatchSize ?? 1, maxSeqLen, savings);
    if (problem) throw new TrainingError(`this model cannot train on the ${backend} backend: ${problem}`);
    this.trainableCount = counts.trainable;
    const worst = this.opts.microBatchSize ?? microBatchFor(plan, bs, maxSeqLen, bs * maxSeqLen, 4 * counts.trainable);
    log.info(
      `memory estimate (${backend}, limit ${gb(plan.limitBytes)}): weights + gradients + AdamW ${gb(plan.staticBytes)}, ` +
        `activations up to ${gb(plan.batchBytes(bs * maxSeqLen, bs, maxSeqLen))} for a batch of ${bs} at the longest length ${maxSeqLen}` +
        (worst < bs ? `; such batches run as micro-batches of ${worst} (same gradients)` : ''),
    );
    return plan;
  }

  /**
   * Load weights, optimizer moments and position from a checkpoint folder, after checking that the options that
   * change the result are the ones it was written with (all differences listed at once).
   */
  private async restore(dir: string, now: ComparedArgs): Promise<TrainerState> {
    const saved = await readTrainerState(dir);
    if (!saved.args) {
      throw new TrainingError(`${path.join(dir, 'trainer_state.json')} was written by an older version that did not record its options, so a resume cannot check them; start the run again (overwrite) or use another output folder`);
    }
    const diffs = diffArgs(now, saved.args);
    if (diffs.length) {
      throw new UsageError(
        `cannot resume from ${dir}: ${diffs.length === 1 ? 'an option differs' : `${diffs.length} options differ`} from the run that wrote it:\n  ${diffs.join('\n  ')}\n` +
          `Resume with the checkpoint's values, or start again with --overwrite (overwrite: true) or another output folder.`,
      );
    }
    await this.task.loadWeights(dir);
    const shapes = new Map(this.params.map(([n, v]) => [n, v.shape as number[]]));
    const { state, optimizer } = await readCheckpoint(dir, shapes);
    this.optimizer.setState(optimizer, shapes);
    return state;
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
