/**
 * A training step's micro-batches as plain data (so a replica thread can receive them), and the one place that turns
 * them into loss closures for computeGradients, on the calling thread and in replica workers alike.
 */
import { tf } from '../tf.js';
import { encoderInputs, type SequenceClassifier } from '../models/sequence-classifier.js';
import type { BatchEncoding } from '../tokenizer/index.js';
import type { MicroBatch } from './gradients.js';
import { labelsTensor, lossFor, type LossSpec } from '../cross-encoder/losses/index.js';

/** One micro-batch of a training step: its tokens, labels, loss weight (size / batch size) and first dropout seed. */
export interface MicroBatchJob {
  batch: BatchEncoding;
  labels: number[];
  weight: number;
  seed: number;
}

/**
 * Loss closures for `jobs` on `model`. Each sets the model's dropout seed to the job's before its forward pass, so
 * a micro-batch sees the same masks whichever thread computes it. Call dispose() after computeGradients.
 */
export function microBatchesOf(model: SequenceClassifier, jobs: readonly MicroBatchJob[], loss: LossSpec): { micro: MicroBatch[]; dispose: () => void } {
  const owned: tf.Tensor[] = [];
  const micro = jobs.map((job): MicroBatch => {
    const inputs = encoderInputs(job.batch, model.config);
    const labels = labelsTensor(loss.kind, job.labels, model.config.numLabels);
    owned.push(inputs.inputIds, inputs.attentionMask, inputs.positionIds, labels, ...(inputs.tokenTypeIds ? [inputs.tokenTypeIds] : []), ...(inputs.realRows ? [inputs.realRows.index] : []));
    return {
      size: job.batch.batchSize,
      weight: job.weight,
      loss: () => {
        model.dropoutSeed = job.seed;
        return lossFor(loss, model.logits(inputs, model.context(true)), labels);
      },
    };
  });
  return { micro, dispose: () => tf.dispose(owned) };
}
