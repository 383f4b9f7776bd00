/**
 * MarginMSELoss for cross-encoders (Hofstätter et al. 2020), as sentence-transformers' loss of that name: the student's
 * margins activation(s(q, pos)) − activation(s(q, neg_i)) regressed onto the teacher's, MSE averaged over all
 * B · k margins. The teacher labels may be the k margins per query, or the teacher's 1 + k scores (positive first),
 * from which the margins are taken; with one negative also a flat [B].
 */
// Gradients: tfjs-core registers none on its own; tfjs-layers' bundle registers them (see binary-cross-entropy-loss.ts).
import '@tensorflow/tfjs-layers';
import { tf } from '../../tf.js';
import { UsageError } from '../../errors.js';
import { activate, asFloat, checkMatrix, type ScoreActivation } from './ranking-inputs.js';

export interface MarginMseOptions {
  /** activation_fn, applied to each logit before the difference; default nn.Identity(). */
  activation?: ScoreActivation;
}

/** The teacher margins [B, k] from the labels, in sentence-transformers' order of shape checks. */
function teacherMargins(fn: string, labels: tf.Tensor, B: number, k: number): tf.Tensor {
  const y = asFloat(labels);
  const is = (...dims: number[]): boolean => y.rank === dims.length && dims.every((d, i) => y.shape[i] === d);
  if (is(B, k + 1)) return tf.sub(tf.slice(y, [0, 0], [-1, 1]), tf.slice(y, [0, 1], [-1, -1]));
  if (is(B) && k === 1) return tf.reshape(y, [B, 1]);
  if (is(B, k)) return y;
  throw new UsageError(
    `${fn}: labels [${y.shape.join(', ')}] must be the teacher's ${k} margins [${B}, ${k}] or its ${k + 1} scores [${B}, ${k + 1}]` +
      `${k === 1 ? ` (or [${B}])` : ''} for logits [${B}, ${k + 1}].`,
  );
}

/** MarginMSE on logits [B, 1 + k] (column 0 each query's positive, then its k negatives). */
export function marginMseLoss(logits: tf.Tensor, labels: tf.Tensor, opts: MarginMseOptions = {}): tf.Scalar {
  const fn = 'marginMseLoss';
  const x = checkMatrix(fn, 'logits', logits);
  const [B, cols] = x.shape;
  if (cols < 2) throw new UsageError(`${fn}: logits need a positive and at least one negative column (got [${B}, ${cols}]).`);
  return tf.tidy(() => {
    const target = teacherMargins(fn, labels, B, cols - 1);
    const s = activate(fn, asFloat(x), opts.activation ?? 'identity');
    const margins = tf.sub(tf.slice(s, [0, 0], [-1, 1]), tf.slice(s, [0, 1], [-1, -1]));
    return tf.mean(tf.squaredDifference(margins, target)) as tf.Scalar;
  });
}
