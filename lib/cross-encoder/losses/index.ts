/**
 * Cross-encoder losses, numerically equal to the PyTorch losses sentence-transformers uses
 * (BCEWithLogitsLoss, MSELoss on the activated score, CrossEntropyLoss), each reduced by mean over the batch.
 *
 * Gradients: these are built from tfjs-core ops whose gradients are registered by tfjs-layers' bundle
 * (tfjs-core on its own registers none, so tf.grad would fail with "gradient function not found").
 */
import '@tensorflow/tfjs-layers';
import { tf } from '../tf.js';
import { UsageError } from '../errors.js';

/** Flatten [B] or [B, 1] to [B]; anything else is a caller bug for single-label heads. */
function flattenSingle(t: tf.Tensor, what: string, fn: string): tf.Tensor1D {
  if (t.rank === 1) return t as tf.Tensor1D;
  if (t.rank === 2 && t.shape[1] === 1) return tf.reshape(t, [t.shape[0]]);
  throw new UsageError(`${fn}: ${what} must have shape [B] or [B, 1] (got [${t.shape.join(', ')}]).`);
}

function pairUp(logits: tf.Tensor, labels: tf.Tensor, fn: string): [tf.Tensor1D, tf.Tensor1D] {
  const x = flattenSingle(logits, 'logits', fn);
  const y = flattenSingle(labels, 'labels', fn);
  if (x.shape[0] !== y.shape[0]) throw new UsageError(`${fn}: ${x.shape[0]} logits but ${y.shape[0]} labels.`);
  if (x.shape[0] === 0) throw new UsageError(`${fn}: empty batch (the mean would be NaN).`);
  // Labels often arrive as int32 (0/1); the maths needs float.
  return [x, y.dtype === 'float32' ? y : tf.cast(y, 'float32')];
}

export interface BceOptions {
  /** torch's pos_weight: weight of the positive term, for imbalanced binary data. */
  posWeight?: number;
}

/**
 * torch.nn.BCEWithLogitsLoss(reduction='mean'): mean of -[y log σ(x) + (1 - y) log(1 - σ(x))], stable for any |x|.
 * Labels may be soft (in [0, 1]), as in sentence-transformers' STS-B training.
 */
export function bceWithLogits(logits: tf.Tensor, labels: tf.Tensor, opts: BceOptions = {}): tf.Scalar {
  const pw = opts.posWeight;
  if (pw !== undefined && (!Number.isFinite(pw) || pw < 0)) {
    throw new UsageError(`bceWithLogits: posWeight must be a finite number >= 0 (got ${pw}).`);
  }
  return tf.tidy(() => {
    const [x, y] = pairUp(logits, labels, 'bceWithLogits');
    // torch computes (1 - y) x - log σ(x) [* (1 + (pw - 1) y) with pos_weight], and -log σ(x) = softplus(-x).
    // Not tf.losses.sigmoidCrossEntropy: its log1p(exp(-|x|)) runs through the wasm backend's float32 Log1p,
    // which is log(1 + t) and loses the tail (off by 4e-4 relative at |x| = 10, gives 0 instead of 1.9e-22 at
    // |x| = 50). The Softplus kernel is accurate on wasm and cpu, and its gradient σ(·) is exact at x = 0 too.
    const nll = tf.softplus(tf.neg(x));
    const weighted = pw === undefined || pw === 1 ? nll : tf.mul(tf.add(tf.mul(tf.scalar(pw - 1), y), 1), nll);
    return tf.mean(tf.add(tf.mul(tf.sub(1, y), x), weighted)) as tf.Scalar;
  });
}

export type ScoreActivation = 'sigmoid' | 'identity';

/**
 * sentence-transformers' MSELoss for cross-encoders: mean((activation(logit) - label)^2).
 * 'sigmoid' is the default activation of 1-label cross-encoders; 'identity' regresses the raw logit.
 */
export function mseOnActivated(logits: tf.Tensor, labels: tf.Tensor, activation: ScoreActivation): tf.Scalar {
  return tf.tidy(() => {
    const [x, y] = pairUp(logits, labels, 'mseOnActivated');
    const scores = activation === 'sigmoid' ? tf.sigmoid(x) : activation === 'identity' ? x : badActivation(activation);
    return tf.mean(tf.squaredDifference(scores, y)) as tf.Scalar;
  });
}

function badActivation(a: never): never {
  throw new UsageError(`mseOnActivated: activation must be 'sigmoid' or 'identity' (got ${String(a)}).`);
}

/**
 * torch.nn.CrossEntropyLoss(reduction='mean') for logits [B, C] and integer class labels [B].
 * Unlike torch we have no ignore_index: every label must lie in [0, C), else UsageError (tfjs' oneHot would
 * silently give a zero row, i.e. a wrong loss instead of an error).
 */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  if (logits.rank !== 2) throw new UsageError(`crossEntropy: logits must have shape [B, C] (got [${logits.shape.join(', ')}]).`);
  const [b, c] = logits.shape as [number, number];
  if (labels.rank !== 1 || labels.shape[0] !== b) {
    throw new UsageError(`crossEntropy: labels must have shape [${b}] to match logits (got [${labels.shape.join(', ')}]).`);
  }
  if (b === 0) throw new UsageError('crossEntropy: empty batch (the mean would be NaN).');
  // Labels are tiny; reading them lets us fail loudly. WebGPU cannot read synchronously in Node (and stalls its
  // pipeline in a page), so there the check happens where the labels are made (labelsTensor, the Trainer).
  if (tf.getBackend() !== 'webgpu') checkClassLabels(labels.dataSync(), c);
  return tf.tidy(() => {
    const onehot = tf.oneHot(labels.dtype === 'int32' ? (labels as tf.Tensor1D) : tf.cast(labels, 'int32'), c);
    // logSoftmax subtracts the row max first, so large logits do not overflow.
    const picked = tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), 1);
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}

/** Which training loss, with its options: plain data, so a worker thread can rebuild the same loss. */
export interface LossSpec {
  kind: 'bce' | 'mse' | 'ce';
  posWeight?: number;
  /** For 'mse': the score the labels are compared with. */
  activation: ScoreActivation;
}

/** The mean loss of one batch under `spec` (labels: float [B, 1] for bce/mse, int32 [B] for ce). */
export function lossFor(spec: LossSpec, logits: tf.Tensor2D, labels: tf.Tensor): tf.Scalar {
  switch (spec.kind) {
    case 'bce':
      return bceWithLogits(logits, labels, { posWeight: spec.posWeight });
    case 'mse':
      return mseOnActivated(logits, labels, spec.activation);
    case 'ce':
      return crossEntropy(logits, labels);
  }
}

/** Class labels must be integers in [0, classes): tfjs' oneHot would silently give a zero row for any other. */
export function checkClassLabels(values: ArrayLike<number>, classes: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0 || v >= classes) throw new UsageError(`crossEntropy: label ${i} is ${v}; must be an integer in [0, ${classes}).`);
  }
}

/** The labels tensor lossFor expects for `kind` (class labels are checked here, on the host). */
export function labelsTensor(kind: LossSpec['kind'], labels: readonly number[], classes = 1): tf.Tensor {
  if (kind === 'ce') checkClassLabels(labels, classes);
  return kind === 'ce' ? tf.tensor1d(labels as number[], 'int32') : tf.tensor2d(labels as number[], [labels.length, 1]);
}
