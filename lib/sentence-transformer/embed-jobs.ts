/**
 * The two things a bi-encoder replica does, as plain data so a worker thread can receive them, and the one place
 * that computes them, on the calling thread and in replica workers alike:
 * - embed a padded batch (inference, or a training forward with its own dropout seed and no tape);
 * - replay a chunk of GradCache: the same forward with the tape, back-propagating the loss's gradient with respect to
 *   the chunk's embeddings (∂(Σ embedding ⊙ cotangent)/∂θ is the chunk's share of ∂loss/∂θ).
 */
import { tf } from '../tf.js';
import { disposeInputs, encoderInputs } from '../models/sequence-classifier.js';
import type { BatchEncoding } from '../tokenizer/index.js';
import type { MicroBatch } from '../training/gradients.js';
import { readTidy } from '../util/read-tensor.js';
import { l2Normalize, type EmbeddingModel } from './embedding-model.js';

export interface EmbedJob {
  batch: BatchEncoding;
  /** Prompt tokens at the start of each row (Pooling leaves them out when include_prompt is false). */
  promptLength: number;
  /** A training forward: dropout on, seeded from here (so any thread gives the same masks). Absent: inference. */
  seed?: number;
  /** L2-normalise the result (encode's normalize option). */
  normalize?: boolean;
}

/** One GradCache chunk to replay: the forward it had in the first pass, and ∂loss/∂(its embeddings), rows × D. */
export interface ReplayJob {
  batch: BatchEncoding;
  promptLength: number;
  seed: number;
  cotangent: Float32Array;
}

/** Embeddings of one job, row-major [rows × D]. */
export async function runEmbedJob(model: EmbeddingModel, job: EmbedJob): Promise<Float32Array> {
  const inputs = encoderInputs(job.batch, model.config);
  try {
    const training = job.seed !== undefined;
    if (training) model.dropoutSeed = job.seed as number;
    return await readTidy(() => {
      const e = model.embed(inputs, model.context(training), job.promptLength);
      return job.normalize ? l2Normalize(e) : e;
    });
  } finally {
    disposeInputs(inputs);
  }
}

/** Loss closures replaying `jobs` for computeGradients; call dispose() after it. */
export function replayMicroBatches(model: EmbeddingModel, jobs: readonly ReplayJob[]): { micro: MicroBatch[]; dispose: () => void } {
  const owned: Array<{ inputs: ReturnType<typeof encoderInputs>; cotangent: tf.Tensor2D }> = [];
  const micro = jobs.map((job): MicroBatch => {
    const rows = job.batch.batchSize;
    const inputs = encoderInputs(job.batch, model.config);
    const cotangent = tf.tensor2d(job.cotangent, [rows, job.cotangent.length / rows]);
    owned.push({ inputs, cotangent });
    return {
      size: rows,
      weight: 1,
      loss: () => {
        model.dropoutSeed = job.seed;
        return tf.sum(tf.mul(model.embed(inputs, model.context(true), job.promptLength), cotangent)) as tf.Scalar;
      },
    };
  });
  return {
    micro,
    dispose: () => {
      for (const o of owned) {
        disposeInputs(o.inputs);
        o.cotangent.dispose();
      }
    },
  };
}
