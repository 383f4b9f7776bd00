/**
 * What the shared training loop (trainer.ts) needs of a kind of model: its parameters and dropout counter, the
 * gradients of one batch, an evaluator, and how to save and reload weights. A CrossEncoder (cross-encoder-task.ts)
 * and a SentenceTransformer (lib/sentence-transformer/training-task.ts) each provide one; the loop itself (schedule,
 * AdamW, clipping, logging, evaluation, best model, checkpoints and resume) is the same for both.
 */
import type { tf } from '../tf.js';
import type { EncoderConfig } from '../models/config.js';
import type { Param } from '../models/layers/module.js';
import type { EvaluateOptions } from '../evaluation/csv.js';
import type { StepGradients } from './gradients.js';

/** The trainable module: a SequenceClassifier or a bi-encoder's EmbeddingModel. */
export interface TrainableModule {
  readonly config: EncoderConfig;
  /** Next dropout seed; it advances by seedsPerForward() per forward pass. */
  dropoutSeed: number;
  seedsPerForward(): number;
  params(): Array<[string, Param]>;
  trainableVariables(filter?: (name: string) => boolean): Array<[string, tf.Variable]>;
}

/** An evaluator as the loop drives it: scores the current model, appends its CSV row, cuts rows on resume. */
export interface TrainingEvaluator {
  readonly name: string;
  evaluate(opts: EvaluateOptions & { outputDir: string }): Promise<{ pearson: number; spearman: number }>;
  truncateCsv(outputDir: string, keep: (epoch: number, steps: number) => boolean): Promise<void>;
}

/** One step's batch: example indices, the micro-batch size the memory plan allows, and the first dropout seed. */
export interface StepInput {
  /** 0-based optimizer step: seeds what a task samples per step (in-batch negatives), so a resumed run replays it. */
  step: number;
  indices: readonly number[];
  microSize: number;
  seedStart: number;
  seedsPerForward: number;
  params: ReadonlyArray<readonly [string, tf.Variable]>;
  threads: number;
}

export interface TrainingTask {
  readonly module: TrainableModule;
  /** Examples in the training set. */
  readonly size: number;
  /** Tokens of each example's longest input (length grouping, the memory plan). */
  lengths(): number[];
  /** One line per example for the data fingerprint a resume compares. */
  fingerprintLines(): Iterable<string>;
  /** The model options in effect that a resume compares (dropout, max length), the loss's own name, the prompts. */
  modelArgs(): { dropout: number | string; maxLength: number; loss?: string; prompts?: string };
  /** Loss and summed gradients of one step; `forwards` is how many forward passes drew dropout seeds. */
  stepGradients(step: StepInput): Promise<StepGradients & { forwards: number }>;
  /** Whether the memory plan's micro-batches apply (false: the loss couples the whole batch, so it runs whole). */
  readonly splitsBatches: boolean;
  save(dir: string): Promise<void>;
  /** Load the weights a checkpoint folder holds into the module. */
  loadWeights(dir: string): Promise<void>;
}
