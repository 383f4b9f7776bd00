/**
 * The SentenceTransformer side of the shared training loop (lib/training/trainer.ts). Each text column is tokenised
 * and embedded on its own, as sentence-transformers' data collator and losses do; the loss sees one embedding
 * tensor per column. Columns follow sentence-transformers' rule: the label is the label, every other column is a
 * loss input, in order.
 *
 * A step is one tape over the whole batch: the ranking and CoSENT losses couple every row with every other, so the
 * memory plan's micro-batches do not apply. CachedMultipleNegativesRankingLoss runs GradCache instead: embed the
 * batch in mini-batches without a tape, take the loss's gradient with respect to the embeddings, then replay each
 * mini-batch with the tape and the same dropout seeds and back-propagate that cached gradient. Same gradients, the
 * memory of one mini-batch.
 *
 * With threads > 1 every loss runs as GradCache over replica threads, its chunks being the whole columns (or, for
 * CachedMNRL, its mini-batches): the chunks' forwards are shared out, the loss's gradient is taken here, and the
 * replays are shared out again. Each chunk keeps the dropout seeds it has on one thread, so the thread count does not
 * change the masks, and the gradients equal one thread's up to float rounding. The cost is one extra forward per
 * chunk (1.5× at best on two threads, not 2×).
 */
import { path } from '../platform/index.js';
import { tf } from '../tf.js';
import { UsageError } from '../errors.js';
import type { Threads } from '../parallel/threads.js';
import { WeightsFolder, WEIGHTS_FILE } from '../io/weights.js';
import { loadWeights } from '../models/load-weights.js';
import { disposeInputs } from '../models/sequence-classifier.js';
import type { EncoderInputs } from '../models/layers/embeddings.js';
import { computeGradients, type MicroBatch, type StepGradients } from '../training/gradients.js';
import type { StepInput, TrainingEvaluator, TrainingTask } from '../training/task.js';
import type { EncodedPair } from '../tokenizer/index.js';
import type { EmbeddingSimilarityEvaluator } from './evaluation/index.js';
import type { EmbeddingLoss } from './losses/index.js';
import type { SentenceTransformer } from './model.js';
import { runEmbedJob, type ReplayJob } from './embed-jobs.js';
import { addGradientShares, type GradientShare } from '../parallel/copy.js';
import { describePrompts, promptsPerColumn, type TrainingPrompts } from './training-prompts.js';

/** The input columns' names (for `prompts` by column; default "column 1", "column 2", …) and the training prompts. */
export interface TaskInputs {
  columns?: readonly string[];
  prompts?: TrainingPrompts;
}

/** One training row: its texts (the loss's input columns, in order) and, for losses that use one, its label. */
export interface BiEncoderExample {
  texts: string[];
  label?: number;
}

export class SentenceTransformerTask implements TrainingTask {
  readonly splitsBatches = false;
  private encoded: EncodedPair[][] | undefined;
  /** Each input column's prompt and the tokens it takes (what Pooling leaves out when include_prompt is false). */
  private readonly prompts: Array<string | undefined>;
  private readonly promptLengths: number[];
  private readonly promptsShown: string | undefined;

  constructor(
    private readonly model: SentenceTransformer,
    private readonly train: readonly BiEncoderExample[],
    private readonly loss: EmbeddingLoss,
    inputs: TaskInputs = {},
  ) {
    const k = inputs.columns?.length ?? train[0]?.texts.length ?? 0;
    const columns = inputs.columns ?? Array.from({ length: k }, (_, c) => `column ${c + 1}`);
    this.prompts = promptsPerColumn(inputs.prompts, columns);
    this.promptLengths = this.prompts.map((p) => model.promptLength(p));
    this.promptsShown = describePrompts(this.prompts, columns);
    const { min, max } = loss.columns;
    train.forEach((e, i) => {
      if (!Array.isArray(e.texts) || e.texts.length !== k) throw new UsageError(`training example ${i + 1} has ${e.texts?.length ?? 0} text columns, ${inputs.columns ? `the data's columns are ${k}` : `the first has ${k}`}; every row needs the same columns`);
      e.texts.forEach((t, c) => {
        if (typeof t !== 'string') throw new UsageError(`training example ${i + 1}: text column ${c + 1} is ${t === null ? 'null' : typeof t}, not a string`);
      });
      if (loss.usesLabels && !Number.isFinite(e.label)) throw new UsageError(`training example ${i + 1}: ${loss.name} needs a finite label, got ${e.label}`);
    });
    if (train.length && (k < min || k > max)) throw new UsageError(`${loss.name} takes ${min === max ? min : `${min} or more`} text columns; the data has ${k}`);
  }

  get module(): SentenceTransformer['model'] {
    return this.model.model;
  }

  get size(): number {
    return this.train.length;
  }

  private get rows(): EncodedPair[][] {
    this.encoded ??= this.train.map((e) => e.texts.map((t, c) => this.model.tokenize(this.prompts[c] === undefined ? t : this.prompts[c] + t)));
    return this.encoded;
  }

  lengths(): number[] {
    return this.rows.map((cols) => Math.max(...cols.map((c) => c.inputIds.length)));
  }

  *fingerprintLines(): Iterable<string> {
    for (const e of this.train) yield `${e.texts.join('\0')}\0${e.label ?? ''}\n`;
  }

  modelArgs(): { dropout: number | string; maxLength: number; loss: string; prompts?: string } {
    const c = this.model.config;
    const dropout = c.hiddenDropout === c.attentionDropout ? c.hiddenDropout : `hidden ${c.hiddenDropout}, attention ${c.attentionDropout}`;
    const loss = this.loss.miniBatchSize !== undefined ? `${this.loss.name}(mini_batch_size=${this.loss.miniBatchSize})` : this.loss.name;
    return { dropout, maxLength: this.model.maxSeqLength, loss, ...(this.promptsShown === undefined ? {} : { prompts: this.promptsShown }) };
  }

  /** Padded inputs of column `c` for rows `idx`. */
  private inputs(idx: readonly number[], c: number): EncoderInputs {
    return this.model.inputsOf(this.model.tokenizer.pad(idx.map((i) => this.rows[i][c])));
  }

  async stepGradients(step: StepInput): Promise<StepGradients & { forwards: number }> {
    const idx = step.indices;
    const columns = this.rows[idx[0]].length;
    const labels = this.loss.usesLabels ? tf.tensor1d(idx.map((i) => this.train[i].label as number)) : undefined;
    const mini = this.loss.miniBatchSize;
    try {
      if (mini === undefined && step.threads <= 1) return await this.wholeBatch(step, columns, labels);
      return await this.gradCache(step, columns, labels, mini ?? idx.length);
    } finally {
      labels?.dispose();
    }
  }

  /** One tape: each column embedded in turn (seeds seedStart + c · seedsPerForward), then the loss. */
  private async wholeBatch(step: StepInput, columns: number, labels: tf.Tensor1D | undefined): Promise<StepGradients & { forwards: number }> {
    const m = this.model.model;
    const inputs = Array.from({ length: columns }, (_, c) => this.inputs(step.indices, c));
    try {
      const micro: MicroBatch = {
        size: step.indices.length,
        weight: 1,
        loss: () => {
          m.dropoutSeed = step.seedStart;
          return this.loss.fromEmbeddings(
            inputs.map((x, c) => m.embed(x, m.context(true), this.promptLengths[c])),
            labels,
          );
        },
      };
      return { ...(await computeGradients(step.params, [micro])), forwards: columns };
    } finally {
      inputs.forEach(disposeInputs);
    }
  }

  /**
   * GradCache over chunks of `rowsPerChunk` rows per column; chunk j keeps the dropout seed it has on one thread,
   * seedStart + j · seedsPerForward, and runs on thread j mod threads.
   */
  private async gradCache(step: StepInput, columns: number, labels: tf.Tensor1D | undefined, rowsPerChunk: number): Promise<StepGradients & { forwards: number }> {
    const m = this.model.model;
    const chunks: Array<{ column: number; rows: number[]; seed: number }> = [];
    for (let c = 0; c < columns; c++) {
      for (let s = 0; s < step.indices.length; s += rowsPerChunk) chunks.push({ column: c, rows: step.indices.slice(s, s + rowsPerChunk), seed: step.seedStart + chunks.length * step.seedsPerForward });
    }
    const threads = Math.min(step.threads, chunks.length);
    // Asked for every step: evaluation may have grown (replaced) the model's pool since the last one.
    const pool = threads > 1 ? await this.model.replicas(threads) : undefined;
    const jobs = chunks.map((ch) => ({ batch: this.model.tokenizer.pad(ch.rows.map((i) => this.rows[i][ch.column])), promptLength: this.promptLengths[ch.column], seed: ch.seed }));
    // (1) Embeddings without a tape, chunk by chunk, each with its own dropout seed.
    let embedded: tf.Tensor2D[];
    if (pool) {
      const D = this.model.dimension;
      const rows = await pool.embeddings(jobs, D, (j) => runEmbedJob(m, jobs[j]), undefined, threads);
      embedded = rows.map((r, j) => tf.tensor2d(r, [chunks[j].rows.length, D]));
    } else {
      embedded = jobs.map((job) => {
        const x = this.model.inputsOf(job.batch);
        try {
          m.dropoutSeed = job.seed;
          return tf.tidy(() => m.embed(x, m.context(true), job.promptLength));
        } finally {
          disposeInputs(x);
        }
      });
    }
    // (2) The loss and its gradient with respect to each column's embeddings.
    const perColumn = Array.from({ length: columns }, (_, c) => tf.concat(embedded.filter((_, j) => chunks[j].column === c), 0) as tf.Tensor2D);
    tf.dispose(embedded);
    const { value, grads } = tf.valueAndGrads((...e: tf.Tensor[]) => this.loss.fromEmbeddings(e as tf.Tensor2D[], labels))(perColumn);
    tf.dispose(perColumn);
    let loss: number;
    try {
      loss = (await value.data())[0];
    } finally {
      value.dispose();
    }
    // (3) Replay each chunk with the tape: ∂(Σ embedding ⊙ cached gradient)/∂θ summed over chunks is ∂loss/∂θ.
    const offsets = new Array<number>(columns).fill(0);
    const cotangents = chunks.map((ch) => {
      const g = tf.slice(grads[ch.column], [offsets[ch.column], 0], [ch.rows.length, -1]);
      offsets[ch.column] += ch.rows.length;
      return g;
    });
    tf.dispose(grads);
    const owned: tf.Tensor[] = [...cotangents];
    const xs: EncoderInputs[] = [];
    try {
      let remote: Promise<GradientShare | undefined>[] = [];
      if (pool) {
        const perWorker: ReplayJob[][] = Array.from({ length: threads - 1 }, () => []);
        for (const [j, job] of jobs.entries()) {
          if (j % threads !== 0) perWorker[(j % threads) - 1].push({ ...job, cotangent: (await cotangents[j].data()) as Float32Array });
        }
        remote = pool.replay(step.params, perWorker);
      }
      const micro: MicroBatch[] = jobs.flatMap((job, j) => {
        if (j % threads !== 0) return [];
        const x = this.model.inputsOf(job.batch);
        xs.push(x);
        const g = cotangents[j];
        return [{ size: job.batch.batchSize, weight: 1, loss: () => {
          m.dropoutSeed = job.seed;
          return tf.sum(tf.mul(m.embed(x, m.context(true), job.promptLength), g)) as tf.Scalar;
        } }];
      });
      let out: StepGradients;
      try {
        out = await computeGradients(step.params, micro);
      } finally {
        // Worker shares still running must finish (or fail) before their buffers are reused.
        if (remote.length) await Promise.allSettled(remote);
      }
      await addGradientShares(out, remote, false);
      return { loss, grads: out.grads, forwards: chunks.length };
    } finally {
      xs.forEach(disposeInputs);
      tf.dispose(owned);
    }
  }

  save(dir: string): Promise<void> {
    return this.model.saveInto(dir);
  }

  async loadWeights(dir: string): Promise<void> {
    const m = this.model.model;
    loadWeights({ config: m.config, params: () => m.encoderParams() }, await WeightsFolder.fromDir(dir));
    for (const d of m.denses) loadWeights({ config: m.config, params: () => d.module.namedParams() }, await WeightsFolder.fromFile(path.join(dir, d.path, WEIGHTS_FILE)));
  }
}

/** The loop's evaluator for a bi-encoder: EmbeddingSimilarityEvaluator over this model's embeddings. */
export function trainingEvaluator(ev: EmbeddingSimilarityEvaluator, model: SentenceTransformer, threads: Threads = 'auto'): TrainingEvaluator {
  return {
    name: ev.name,
    evaluate: (o) => ev.evaluate((texts) => model.encode(texts, { showProgress: false, batchSize: 32, threads }), o),
    truncateCsv: (dir, keep) => ev.truncateCsv(dir, keep),
  };
}
