/**
 * The fine-tuning loop: sentence-transformers' CrossEncoder.fit / CrossEncoderTrainer recipe in TF.js.
 * One optimizer step = tokenise a batch (dynamic padding), loss, gradients (optionally in micro-batches),
 * global-norm clipping, AdamW with the scheduled learning rate. Evaluation, logging, best-model tracking and
 * resumable checkpoints wrap around it. Every tensor a step creates is disposed, so numTensors stays flat.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { activeBackend } from '../backend/state.js';
import { tf } from '../tf.js';
import type { CrossEncoder } from '../cross-encoder.js';
import { TrainingError, UsageError } from '../errors.js';
import type { CrossEncoderCorrelationEvaluator } from '../evaluation/correlation-evaluator.js';
import { WeightsFolder } from '../io/weights.js';
import { loadWeights } from '../models/load-weights.js';
import { tensorFrom } from '../parallel/copy.js';
import { checkThreads, type GradientShare, type Threads } from '../parallel/replica-pool.js';
import type { EncodedPair } from '../tokenizer/index.js';
import { log } from '../util/log.js';
import { formatDuration, ProgressBar } from '../util/progress.js';
import { CHECKPOINTS_DIR, listCheckpoints, readCheckpoint, writeCheckpoint, type TrainerState } from './checkpoint-state.js';
import { clipGradients, computeGradients, globalNorm, type StepGradients } from './gradients.js';
import type { LossSpec } from './losses.js';
import { microBatchesOf, type MicroBatchJob as Part } from './micro-batch.js';
import { AdamW } from './optimizer.js';
import { explainDoesNotFit, gb, microBatchFor, planMemory, type MemoryPlan } from './memory.js';
import { epochPermutation } from './rng.js';
import { makeSchedule, resolveWarmupSteps, type ScheduleKind } from './schedule.js';
import { readLog, TrainingLog, type LogRow } from './training-log.js';

export type LossKind = LossSpec['kind'];

export const DEFAULT_SEED = 12;

export interface TrainExample {
  sentence1: string;
  sentence2: string;
  label: number;
}

export interface TrainerOptions {
  outputDir: string;
  epochs?: number;
  /** Stop after this many optimizer steps (overrides epochs for the schedule too). */
  maxSteps?: number;
  batchSize?: number;
  /** Split each batch into micro-batches of at most this size (same gradients, less memory). Default: chosen per batch from a memory estimate. */
  microBatchSize?: number;
  lr?: number;
  warmupRatio?: number;
  warmupSteps?: number;
  weightDecay?: number;
  maxGradNorm?: number;
  adamEps?: number;
  scheduler?: ScheduleKind;
  seed?: number;
  shuffle?: boolean;
  /** Batch examples of similar length together (less padding; order still seeded). */
  groupByLength?: boolean;
  loss?: LossKind;
  posWeight?: number;
  /** Evaluate every N steps (0: only at epoch ends). */
  evalSteps?: number;
  /** Checkpoint every N steps (0: never). */
  saveSteps?: number;
  loggingSteps?: number;
  /** Metric of the evaluator used to keep the best model; higher is better. */
  metricForBest?: 'spearman' | 'pearson';
  /** Do not train the embedding tables (changes the recipe; saves memory and time). */
  freezeEmbeddings?: boolean;
  /**
   * Threads computing each step at once (this one plus threads − 1 workers with a model replica each): the batch is
   * split into that many micro-batches, their gradients summed. Same result as micro-batching up to float rounding,
   * same dropout masks. A different count than a previous run splits batches differently, so its dropout masks
   * differ: 'auto' (one per core, at most 4) therefore trains differently on machines with different core counts.
   * Default 1.
   */
  threads?: Threads;
  /** Threads for scoring the evaluator's pairs (scores do not depend on it). Default 'auto', as predict(). */
  evalThreads?: Threads;
  resume?: boolean;
  showProgress?: boolean;
  /** Called after each optimizer step (tests use it to simulate crashes). */
  onStep?: (step: number) => void | Promise<void>;
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

type Resolved = Required<Omit<TrainerOptions, 'maxSteps' | 'warmupSteps' | 'posWeight' | 'microBatchSize' | 'onStep' | 'threads' | 'evalThreads'>> &
  Pick<TrainerOptions, 'maxSteps' | 'warmupSteps' | 'posWeight' | 'microBatchSize' | 'onStep'> & { threads: number; evalThreads: Threads };

function resolveOptions(o: TrainerOptions): Resolved {
  const r: Resolved = {
    epochs: 4,
    batchSize: 16,
    lr: 2e-5,
    warmupRatio: 0.1,
    weightDecay: 0.01,
    maxGradNorm: 1,
    adamEps: 1e-8,
    scheduler: 'linear',
    seed: DEFAULT_SEED,
    shuffle: true,
    groupByLength: false,
    loss: 'bce',
    evalSteps: 0,
    saveSteps: 0,
    loggingSteps: 20,
    metricForBest: 'spearman',
    freezeEmbeddings: false,
    resume: false,
    showProgress: true,
    ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)),
    outputDir: o.outputDir,
  } as Resolved;
  const posInt = (k: keyof Resolved, min = 1) => {
    const v = r[k];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < min)) throw new UsageError(`${String(k)} must be an integer ≥ ${min}, got ${String(v)}`);
  };
  posInt('epochs');
  posInt('batchSize');
  posInt('microBatchSize');
  r.threads = checkThreads(o.threads ?? 1);
  r.evalThreads = o.evalThreads ?? 'auto';
  checkThreads(r.evalThreads);
  posInt('maxSteps');
  posInt('loggingSteps');
  posInt('evalSteps', 0);
  posInt('saveSteps', 0);
  posInt('warmupSteps', 0);
  if (!(r.lr > 0)) throw new UsageError(`lr must be > 0, got ${r.lr}`);
  if (!(r.warmupRatio >= 0 && r.warmupRatio <= 1)) throw new UsageError(`warmupRatio must be in [0, 1], got ${r.warmupRatio}`);
  if (!(r.weightDecay >= 0)) throw new UsageError(`weightDecay must be ≥ 0, got ${r.weightDecay}`);
  return r;
}

export class Trainer {
  private readonly opts: Resolved;
  private readonly params: Array<[string, tf.Variable]>;
  private readonly optimizer: AdamW;
  /** Trainable parameter count (set by the memory plan). */
  private trainableCount = 0;

  constructor(
    private readonly model: CrossEncoder,
    private readonly train: readonly TrainExample[],
    options: TrainerOptions,
    private readonly evaluator?: CrossEncoderCorrelationEvaluator,
  ) {
    this.opts = resolveOptions(options);
    if (train.length === 0) throw new UsageError('the training set is empty');
    if (this.opts.loss === 'ce') {
      for (const [i, e] of train.entries()) {
        if (!Number.isInteger(e.label) || e.label < 0 || e.label >= model.numLabels) {
          throw new UsageError(`training example ${i + 1}: label ${e.label} is not a class index in [0, ${model.numLabels})`);
        }
      }
    } else if (model.numLabels !== 1) {
      throw new UsageError(`loss ${this.opts.loss} needs a 1-label model; this one has ${model.numLabels} labels (use loss ce)`);
    }
    const frozen = (n: string) => this.opts.freezeEmbeddings && /\.embeddings\.(word|position|token_type)_embeddings\./.test(n);
    this.params = model.model.trainableVariables((n) => !frozen(n));
    this.optimizer = new AdamW({ weightDecay: this.opts.weightDecay, eps: this.opts.adamEps });
  }

  get stepsPerEpoch(): number {
    return Math.ceil(this.train.length / this.opts.batchSize);
  }

  get totalSteps(): number {
    return this.opts.maxSteps ?? this.opts.epochs * this.stepsPerEpoch;
  }

  /** Batches of example indices for one epoch: seeded shuffle (or input order), optionally grouped by length. */
  private epochBatches(epoch: number, lengths: readonly number[]): number[][] {
    const n = this.train.length;
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

  private fingerprint(): string {
    const o = this.opts;
    const key = JSON.stringify([o.seed, o.batchSize, o.shuffle, o.groupByLength, o.lr, o.scheduler, this.totalSteps, this.train.length, o.loss, o.freezeEmbeddings]);
    return createHash('sha256').update(key).digest('hex').slice(0, 16);
  }

  private get lossSpec(): LossSpec {
    return { kind: this.opts.loss, posWeight: this.opts.posWeight, activation: this.model.activation === 'identity' ? 'identity' : 'sigmoid' };
  }

  /**
   * One step's micro-batches: part i gets the dropout seeds it would get in a plain sequential step
   * (seedStart + i · seedsPerForward), so every split, across threads or not, sees the same masks.
   */
  private microBatches(rows: readonly EncodedPair[], labels: readonly number[], microSize: number, seedStart: number, seedsPerForward: number): Part[] {
    const size = Math.max(1, Math.min(microSize, rows.length));
    const parts: Part[] = [];
    for (let s = 0; s < rows.length; s += size) {
      const batch = this.model.tokenizer.pad(rows.slice(s, s + size));
      parts.push({ batch, labels: labels.slice(s, s + size), weight: batch.batchSize / rows.length, seed: seedStart + parts.length * seedsPerForward });
    }
    return parts;
  }

  /** Loss and summed gradients of one step; parts i with i mod threads = w + 1 go to worker w, the rest run here. */
  private async stepGradients(parts: Part[]): Promise<StepGradients> {
    const threads = this.opts.threads;
    // Asked for every step: evaluation may have grown (replaced) the model's pool since the last one.
    const pool = threads > 1 ? await this.model.replicas(threads) : undefined;
    const mine = parts.filter((_, i) => i % threads === 0);
    let remote: Promise<GradientShare | undefined>[] = [];
    if (pool) {
      await pool.sync(threads);
      const jobs = Array.from({ length: threads - 1 }, (_, w) => parts.filter((_, i) => i % threads === w + 1));
      remote = pool.gradients(this.params, jobs, this.lossSpec);
    }
    const { micro, dispose } = microBatchesOf(this.model.model, mine, this.lossSpec);
    let g: StepGradients;
    try {
      g = await computeGradients(this.params, micro);
    } finally {
      dispose();
      // Worker shares still running must finish (or fail) before their buffers are reused.
      if (remote.length) await Promise.allSettled(remote);
    }
    try {
      for (const share of await Promise.all(remote)) {
        if (!share) continue;
        g.loss += share.loss;
        for (const s of share.slots) {
          const prev = g.grads.get(s.name);
          g.grads.set(s.name, tf.tidy(() => (prev ? tf.add(prev, tensorFrom(share.grads, s.offset, s.shape)) : tensorFrom(share.grads, s.offset, s.shape))));
          prev?.dispose();
        }
      }
    } catch (e) {
      tf.dispose([...g.grads.values()]);
      throw e;
    }
    return g;
  }

  async run(): Promise<TrainResult> {
    const o = this.opts;
    const out = o.outputDir;
    await fsp.mkdir(out, { recursive: true });
    const total = this.totalSteps;
    const warmup = resolveWarmupSteps({ warmupSteps: o.warmupSteps, warmupRatio: o.warmupRatio, totalSteps: total });
    const lrAt = makeSchedule({ kind: o.scheduler, baseLr: o.lr, warmupSteps: warmup, totalSteps: total });
    const encoded = this.train.map((e) => this.model.tokenizer.encodePair(e.sentence1, e.sentence2, this.model.maxLength));
    const lengths = encoded.map((e) => e.inputIds.length);
    const plan = this.memoryPlan(Math.max(...lengths));

    let state: TrainerState = {
      globalStep: 0,
      epoch: 0,
      batchInEpoch: 0,
      dropoutSeed: o.seed * 1_000_003 + 1,
      bestMetric: null,
      bestStep: null,
      fingerprint: this.fingerprint(),
    };
    let resumedFrom: number | undefined;
    const logFile = path.join(out, 'log.jsonl');
    if (o.resume) {
      const ckpts = await listCheckpoints(out);
      const last = ckpts[ckpts.length - 1];
      if (!last) {
        log.warn(`--resume: no checkpoint in ${path.join(out, CHECKPOINTS_DIR)}; starting from scratch`);
      } else {
        const restored = await this.restore(last.dir);
        if (restored.fingerprint !== state.fingerprint) {
          throw new TrainingError(`${last.dir} was written with different options (seed, batch size, data, schedule or loss); resume with the same options or start a new output folder`);
        }
        state = restored;
        resumedFrom = state.globalStep;
        await TrainingLog.truncateAfter(logFile, state.globalStep);
        log.info(`resumed from ${last.dir} (step ${state.globalStep}, epoch ${state.epoch + 1}, batch ${state.batchInEpoch})`);
      }
    } else {
      await fsp.rm(logFile, { force: true });
    }
    this.model.model.dropoutSeed = state.dropoutSeed;
    const seedsPerForward = this.model.model.seedsPerForward();
    const trainLog = new TrainingLog(logFile);
    const evals: EvalPoint[] = (await readLog(logFile)).filter((r): r is LogRow & EvalPoint => r.type === 'eval').map(({ step, epoch, pearson, spearman }) => ({ step, epoch, pearson, spearman }));
    let best: EvalPoint | undefined = evals.find((e) => e.step === state.bestStep);

    const bar = new ProgressBar({ total, label: 'train', unit: 'steps', enabled: o.showProgress ? undefined : false });
    bar.update(state.globalStep);
    const t0 = Date.now();
    let pairsSeen = 0;
    let window = { loss: 0, steps: 0, pairs: 0, start: Date.now() };
    let lastCheckpoint: string | undefined = (await listCheckpoints(out)).pop()?.dir;
    const startTensors = tf.memory().numTensors;

    const evaluate = async (epochEnd: boolean): Promise<void> => {
      if (!this.evaluator) return;
      // An eval-steps evaluation may already have run on the epoch's last step: the model has not changed since.
      if (epochEnd && evals.length && evals[evals.length - 1].step === state.globalStep) return;
      const r = await this.evaluator.evaluate((pairs) => this.model.predict(pairs, { showProgress: false, batchSize: 32, threads: o.evalThreads }), {
        outputDir: out,
        epoch: state.epoch,
        steps: epochEnd ? -1 : state.globalStep,
      });
      const point: EvalPoint = { step: state.globalStep, epoch: state.epoch, pearson: r.pearson, spearman: r.spearman };
      evals.push(point);
      await trainLog.append({ type: 'eval', ...point, name: this.evaluator.name });
      const metric = point[o.metricForBest];
      if (Number.isFinite(metric) && (state.bestMetric === null || metric > state.bestMetric)) {
        state.bestMetric = metric;
        state.bestStep = state.globalStep;
        best = point;
        await saveAtomically(path.join(out, 'best'), (d) => this.model.save(d));
        log.info(`new best ${o.metricForBest} ${metric.toFixed(4)} at step ${state.globalStep}; saved to ${path.join(out, 'best')}`);
      }
    };

    outer: while (state.globalStep < total) {
      const batches = this.epochBatches(state.epoch, lengths);
      for (let b = state.batchInEpoch; b < batches.length; b++) {
        if (state.globalStep >= total) break outer;
        const idx = batches[b];
        const lr = lrAt(state.globalStep);
        const seqLen = Math.max(...idx.map((i) => lengths[i]));
        const realTokens = idx.reduce((a, i) => a + lengths[i], 0);
        const planned = o.microBatchSize ?? microBatchFor(plan, idx.length, seqLen, realTokens, 4 * this.trainableCount);
        const microSize = Math.min(planned, Math.ceil(idx.length / o.threads));
        if (microSize < idx.length && o.microBatchSize === undefined) log.debug(`step ${state.globalStep + 1}: ${idx.length} × ${seqLen} tokens in micro-batches of ${microSize}`);
        const seedStart = this.model.model.dropoutSeed;
        const parts = this.microBatches(
          idx.map((i) => encoded[i]),
          idx.map((i) => this.train[i].label),
          microSize,
          seedStart,
          seedsPerForward,
        );
        let loss: number;
        let norm: number;
        {
          const g = await this.stepGradients(parts);
          this.model.model.dropoutSeed = seedStart + parts.length * seedsPerForward;
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
        const elapsed = (Date.now() - t0) / 1000;
        bar.update(state.globalStep, `loss ${loss.toFixed(4)} lr ${lr.toExponential(2)} ${(elapsed > 0 ? pairsSeen / elapsed : 0).toFixed(1)} pairs/s`);
        state.dropoutSeed = this.model.model.dropoutSeed;
        if (o.evalSteps > 0 && state.globalStep % o.evalSteps === 0) await evaluate(false);
        if (o.saveSteps > 0 && state.globalStep % o.saveSteps === 0) {
          lastCheckpoint = await writeCheckpoint(out, { ...state }, await this.optimizer.getState(), (d) => this.model.save(d));
        }
        await o.onStep?.(state.globalStep);
      }
      if (state.batchInEpoch >= batches.length) {
        await evaluate(true);
        state.epoch++;
        state.batchInEpoch = 0;
      }
    }
    bar.done();
    const leaked = tf.memory().numTensors - startTensors;
    if (leaked > 0) log.debug(`numTensors grew by ${leaked} during training (optimizer moments are created lazily on step 1)`);
    const trainSeconds = (Date.now() - t0) / 1000;
    log.info(`trained ${state.globalStep - (resumedFrom ?? 0)} steps in ${formatDuration(trainSeconds)} (${(pairsSeen / trainSeconds).toFixed(1)} pairs/s)`);
    return {
      globalStep: state.globalStep,
      evals,
      best,
      bestDir: best ? path.join(out, 'best') : undefined,
      trainSeconds,
      pairsPerSecond: trainSeconds > 0 ? pairsSeen / trainSeconds : 0,
      resumedFrom,
    };
  }

  /**
   * Estimate memory before the first step. Fail now, with what would fit, if the model cannot train on this
   * backend; otherwise say how batches will be split.
   */
  private memoryPlan(maxSeqLen: number): MemoryPlan {
    const backend = activeBackend()?.name ?? 'cpu';
    const all = this.model.model.params();
    const size = (shape: ReadonlyArray<number | null>) => shape.reduce<number>((a, d) => a * (d ?? 1), 1);
    const trainableSizes = this.params.map(([, v]) => size(v.shape));
    const counts = {
      total: all.reduce((a, [, p]) => a + size(p.variable.shape), 0),
      trainable: trainableSizes.reduce((a, b) => a + b, 0),
      largestTrainable: Math.max(...trainableSizes),
    };
    const plan = planMemory(this.model.config, counts, backend);
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

  /** Load weights, optimizer moments and position from a checkpoint folder. */
  private async restore(dir: string): Promise<TrainerState> {
    loadWeights(this.model.model, await WeightsFolder.fromDir(dir));
    const shapes = new Map(this.params.map(([n, v]) => [n, v.shape as number[]]));
    const { state, optimizer } = await readCheckpoint(dir, shapes);
    this.optimizer.setState(optimizer, shapes);
    return state;
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

/** Save into a temp folder, then swap it into place: readers see the old or the new model, never a mix. */
export async function saveAtomically(dir: string, save: (d: string) => Promise<void>): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  const old = `${dir}.old-${process.pid}`;
  await fsp.rm(tmp, { recursive: true, force: true });
  await save(tmp);
  await fsp.rm(old, { recursive: true, force: true });
  const had = await fsp.rename(dir, old).then(
    () => true,
    () => false,
  );
  await fsp.rename(tmp, dir);
  if (had) await fsp.rm(old, { recursive: true, force: true });
}
