/**
 * The CrossEncoder side of the shared training loop for the ranking losses (ListNet, LambdaLoss, RankNet,
 * MultipleNegativesRankingLoss, CachedMultipleNegativesRankingLoss, MarginMSELoss), as sentence-transformers'
 * CrossEncoderTrainer trains with them: each example is a query group (ranking-examples.ts), each step flattens the
 * batch's groups into (query, document) pairs, scores them in the loss's forward passes (ranking-batches.ts) and
 * takes the loss of the resulting score matrix.
 *
 * The loss couples a query's documents (and, with in-batch negatives, the whole batch), so a step is one tape over
 * all its forward passes and the memory plan's micro-batches do not apply. CachedMultipleNegativesRankingLoss runs
 * GradCache instead: score every pass without a tape, take d loss / d scores, then replay each pass with the tape and
 * the same dropout seeds and back-propagate its share of that gradient. Same gradients, the memory of one pass.
 */
import { tf } from '../tf.js';
import { UsageError } from '../errors.js';
import { WeightsFolder } from '../io/weights.js';
import { loadWeights } from '../models/load-weights.js';
import { disposeInputs, encoderInputs } from '../models/sequence-classifier.js';
import type { EncoderInputs } from '../models/layers/embeddings.js';
import { computeGradients, type MicroBatch, type StepGradients } from '../training/gradients.js';
import { DEFAULT_SEED } from '../training/training-args.js';
import type { StepInput, TrainingTask } from '../training/task.js';
import { chunkGradients, lossAndScoreGradient, scoresFromChunks } from './losses/cached-multiple-negatives-ranking-loss.js';
import { checkRankingLossSpec, describeRankingLoss, type RankingExampleFor, type RankingLossSpec } from './losses/ranking-loss-spec.js';
import type { CrossEncoder } from './model.js';
import { checkRankingRows, ownPairs, rankingBatch, rowLine, type RankingBatch, type TextPair } from './ranking-batches.js';
import type { RankingExample } from './ranking-examples.js';

export interface RankingTaskOptions {
  /** Seeds the in-batch negatives where they are sampled (with the step); the Trainer passes its `seed`. Default 12. */
  seed?: number;
  /** Threads per step: 1 (the ranking losses do not run on replica threads yet). */
  threads?: number;
}

/** The in-batch negatives' seed of a step: a function of the run's seed and the step only, so a resume replays it. */
function negativesSeed(seed: number, step: number): number {
  return (Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca6b)) >>> 0;
}

export class RankingTask<S extends RankingLossSpec = RankingLossSpec> implements TrainingTask {
  readonly splitsBatches = false;
  private readonly seed: number;
  private tokenLengths: number[] | undefined;

  constructor(
    private readonly model: CrossEncoder,
    private readonly train: readonly RankingExampleFor<S>[],
    readonly loss: S,
    opts: RankingTaskOptions = {},
  ) {
    checkRankingLossSpec(loss);
    const threads = opts.threads ?? 1;
    if (threads !== 1) throw new UsageError(`${loss.kind} trains on one thread (threads ${threads} was asked for); worker replicas run the pointwise losses only for now`);
    if (model.numLabels !== 1) throw new UsageError(`${loss.kind} needs a 1-label model; this one has ${model.numLabels} labels`);
    checkRankingRows(loss, train as readonly RankingExample[]);
    this.seed = opts.seed ?? DEFAULT_SEED;
  }

  get module(): CrossEncoder['model'] {
    return this.model.model;
  }

  get size(): number {
    return this.train.length;
  }

  /** Tokens of each group's longest own pair (in-batch pairs, made per step, are left out of the estimate). */
  lengths(): number[] {
    this.tokenLengths ??= this.train.map((row) => Math.max(...ownPairs(this.loss, row).map(([q, d]) => this.model.tokenizer.encodePair(q, d, this.model.maxLength).inputIds.length)));
    return this.tokenLengths;
  }

  *fingerprintLines(): Iterable<string> {
    for (const row of this.train) yield rowLine(this.loss, row);
  }

  modelArgs(): { dropout: number | string; maxLength: number; loss: string } {
    const c = this.model.config;
    const d = [c.hiddenDropout, c.attentionDropout, c.classifierDropout];
    const dropout = d.every((x) => x === d[0]) ? d[0] : `hidden ${d[0]}, attention ${d[1]}, classifier ${d[2]}`;
    return { dropout, maxLength: this.model.maxLength, loss: describeRankingLoss(this.loss) };
  }

  /** Padded model inputs of one forward pass. */
  private inputs(pairs: readonly TextPair[]): EncoderInputs {
    const t = this.model.tokenizer;
    return encoderInputs(t.pad(pairs.map(([q, d]) => t.encodePair(q, d, this.model.maxLength))), this.model.config);
  }

  /** Logits [n] of one pass with dropout seed `seed`. Inside a tape or tidy. */
  private logits(x: EncoderInputs, seed: number): tf.Tensor1D {
    const m = this.model.model;
    m.dropoutSeed = seed;
    return tf.reshape(m.logits(x, m.context(true)), [-1]);
  }

  async stepGradients(step: StepInput): Promise<StepGradients & { forwards: number }> {
    const rows = step.indices.map((i) => this.train[i]);
    const batch = rankingBatch(this.loss, rows, negativesSeed(this.seed, step.step));
    const seeds = batch.chunks.map((_, i) => step.seedStart + i * step.seedsPerForward);
    try {
      const g = this.loss.kind === 'CachedMultipleNegativesRankingLoss' ? await this.gradCache(step, batch, seeds) : await this.oneTape(step, batch, seeds);
      return { ...g, forwards: batch.chunks.length };
    } finally {
      batch.dispose();
    }
  }

  /** Every pass under one tape, then the loss of their concatenated logits. */
  private async oneTape(step: StepInput, batch: RankingBatch, seeds: readonly number[]): Promise<StepGradients> {
    const xs = batch.chunks.map((c) => this.inputs(c));
    try {
      const micro: MicroBatch = {
        size: batch.queries,
        weight: 1,
        loss: () => batch.loss(tf.concat(xs.map((x, i) => this.logits(x, seeds[i])))),
      };
      return await computeGradients(step.params, [micro]);
    } finally {
      xs.forEach(disposeInputs);
    }
  }

  private async gradCache(step: StepInput, batch: RankingBatch, seeds: readonly number[]): Promise<StepGradients> {
    const spec = this.loss as Extract<RankingLossSpec, { kind: 'CachedMultipleNegativesRankingLoss' }>;
    // (1) Scores without a tape, pass by pass.
    const scored = batch.chunks.map((c, i) => {
      const x = this.inputs(c);
      try {
        return tf.tidy(() => this.logits(x, seeds[i]));
      } finally {
        disposeInputs(x);
      }
    });
    // (2) The loss and its gradient with respect to every score, cut back into the passes.
    const scores = scoresFromChunks(scored, batch.queries);
    tf.dispose(scored);
    const { loss, dScores } = lossAndScoreGradient(scores, { scale: spec.scale, activation: spec.activation });
    scores.dispose();
    const cached = chunkGradients(dScores, batch.chunks.map((c) => c.length));
    dScores.dispose();
    // (3) Each pass again with the tape and its seed: ∂(Σ logits ⊙ cached gradient)/∂θ summed over passes is ∂loss/∂θ.
    const xs: EncoderInputs[] = [];
    try {
      const value = (await loss.data())[0];
      const micro = batch.chunks.map((c, i): MicroBatch => {
        const x = this.inputs(c);
        xs.push(x);
        return { size: c.length, weight: 1, loss: () => tf.sum(tf.mul(this.logits(x, seeds[i]), cached[i])) as tf.Scalar };
      });
      const out = await computeGradients(step.params, micro);
      return { loss: value, grads: out.grads };
    } finally {
      loss.dispose();
      xs.forEach(disposeInputs);
      tf.dispose(cached);
    }
  }

  save(dir: string): Promise<void> {
    return this.model.save(dir);
  }

  async loadWeights(dir: string): Promise<void> {
    loadWeights(this.model.model, await WeightsFolder.fromDir(dir));
  }
}
