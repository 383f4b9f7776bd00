/**
 * The CrossEncoder side of the shared training loop: pairs tokenised together, micro-batches (across replica threads
 * when `threads` > 1) with the cross-encoder losses (bce, mse, ce), the HF-format save and reload.
 */
import type { CrossEncoder } from './model.js';
import { UsageError } from '../errors.js';
import { WeightsFolder } from '../io/weights.js';
import { loadWeights } from '../models/load-weights.js';
import { addGradientShares, type GradientShare } from '../parallel/copy.js';
import type { EncodedPair } from '../tokenizer/index.js';
import { computeGradients, type StepGradients } from '../training/gradients.js';
import type { LossSpec } from './losses/index.js';
import { microBatchesOf, type MicroBatchJob as Part } from '../training/micro-batch.js';
import type { StepInput, TrainingTask } from '../training/task.js';
import type { TrainingArgs } from '../training/training-args.js';

export interface TrainExample {
  sentence1: string;
  sentence2: string;
  label: number;
}

export class CrossEncoderTask implements TrainingTask {
  readonly splitsBatches = true;
  private encoded: EncodedPair[] | undefined;

  constructor(
    private readonly model: CrossEncoder,
    private readonly train: readonly TrainExample[],
    private readonly args: Pick<TrainingArgs, 'loss' | 'posWeight'>,
  ) {
    if (args.loss === 'ce') {
      for (const [i, e] of train.entries()) {
        if (!Number.isInteger(e.label) || e.label < 0 || e.label >= model.numLabels) {
          throw new UsageError(`training example ${i + 1}: label ${e.label} is not a class index in [0, ${model.numLabels})`);
        }
      }
    } else if (model.numLabels !== 1) {
      throw new UsageError(`loss ${args.loss} needs a 1-label model; this one has ${model.numLabels} labels (use loss ce)`);
    }
  }

  get module(): CrossEncoder['model'] {
    return this.model.model;
  }

  get size(): number {
    return this.train.length;
  }

  private get rows(): EncodedPair[] {
    this.encoded ??= this.train.map((e) => this.model.tokenizer.encodePair(e.sentence1, e.sentence2, this.model.maxLength));
    return this.encoded;
  }

  lengths(): number[] {
    return this.rows.map((e) => e.inputIds.length);
  }

  *fingerprintLines(): Iterable<string> {
    for (const e of this.train) yield `${e.sentence1}\0${e.sentence2}\0${e.label}\n`;
  }

  modelArgs(): { dropout: number | string; maxLength: number } {
    const c = this.model.config;
    const d = [c.hiddenDropout, c.attentionDropout, c.classifierDropout];
    const dropout = d.every((x) => x === d[0]) ? d[0] : `hidden ${d[0]}, attention ${d[1]}, classifier ${d[2]}`;
    return { dropout, maxLength: this.model.maxLength };
  }

  private get lossSpec(): LossSpec {
    return { kind: this.args.loss, posWeight: this.args.posWeight, activation: this.model.activation === 'identity' ? 'identity' : 'sigmoid' };
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
  async stepGradients(step: StepInput): Promise<StepGradients & { forwards: number }> {
    const { indices: idx, threads, params } = step;
    const parts = this.microBatches(
      idx.map((i) => this.rows[i]),
      idx.map((i) => this.train[i].label),
      step.microSize,
      step.seedStart,
      step.seedsPerForward,
    );
    // Asked for every step: evaluation may have grown (replaced) the model's pool since the last one.
    const pool = threads > 1 ? await this.model.replicas(threads) : undefined;
    const mine = parts.filter((_, i) => i % threads === 0);
    let remote: Promise<GradientShare | undefined>[] = [];
    if (pool) {
      await pool.sync(threads);
      const jobs = Array.from({ length: threads - 1 }, (_, w) => parts.filter((_, i) => i % threads === w + 1));
      remote = pool.gradients(params, jobs, this.lossSpec);
    }
    const { micro, dispose } = microBatchesOf(this.model.model, mine, this.lossSpec);
    let g: StepGradients;
    try {
      g = await computeGradients(params, micro);
    } finally {
      dispose();
      // Worker shares still running must finish (or fail) before their buffers are reused.
      if (remote.length) await Promise.allSettled(remote);
    }
    await addGradientShares(g, remote);
    return { ...g, forwards: parts.length };
  }

  save(dir: string): Promise<void> {
    return this.model.save(dir);
  }

  async loadWeights(dir: string): Promise<void> {
    loadWeights(this.model.model, await WeightsFolder.fromDir(dir));
  }
}
