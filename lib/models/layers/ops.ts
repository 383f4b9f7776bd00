/**
 * Differentiable building blocks with gradients written for speed on the wasm backend:
 * - dense: tfjs' stock matMul gradient asks for transposeA/transposeB matMuls, which wasm runs in a naive loop
 *   (1-3 GFLOP/s); materialising the transpose and calling a plain matMul runs through XNNPACK (~40 GFLOP/s).
 * - gatherRows: the stock gather gradient (UnsortedSegmentSum) is missing on wasm and loops over the whole
 *   vocabulary on cpu; scatterND gives the same sums (duplicate ids add up) in time proportional to the batch.
 * Both are exact: same maths as the stock gradients, only the kernel choice differs.
 */
import { tf } from '../../backend.js';

type SaveFn = (tensors: tf.Tensor[]) => void;

const denseOp = tf.customGrad((...args: Array<tf.Tensor | SaveFn>) => {
  const [x, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, SaveFn];
  save([x, w]);
  const value = tf.add(tf.matMul(x, w), b) as tf.Tensor2D;
  const gradFunc = (dy: tf.Tensor2D, saved: tf.Tensor[]): tf.Tensor[] => {
    const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
    return [tf.matMul(dy, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy), tf.sum(dy, 0)];
  };
  return { value, gradFunc };
});

/** y = x·W + b for x of any rank ≥ 2 (flattened to 2-D for the matmul). W is [in, out]. */
export function dense(x: tf.Tensor, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor {
  const inDim = x.shape[x.shape.length - 1];
  const lead = x.shape.slice(0, -1);
  const x2 = x.rank === 2 ? (x as tf.Tensor2D) : (tf.reshape(x, [-1, inDim]) as tf.Tensor2D);
  const y = denseOp(x2, w, b);
  return x.rank === 2 ? y : tf.reshape(y, [...lead, w.shape[1]]);
}

/** table[ids] with a scatterND gradient. ids: int32 of any shape; result: [...ids.shape, width]. */
export function gatherRows(table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor {
  const flat = tf.reshape(ids, [-1]) as tf.Tensor1D;
  const op = tf.customGrad((...args: Array<tf.Tensor | SaveFn>) => {
    const t = args[0] as tf.Tensor2D;
    const value = tf.gather(t, flat) as tf.Tensor2D;
    const gradFunc = (dy: tf.Tensor2D): tf.Tensor => tf.scatterND(tf.reshape(flat, [-1, 1]), dy, t.shape);
    return { value, gradFunc };
  });
  const rows = op(table);
  return tf.reshape(rows, [...ids.shape, table.shape[1]]);
}

/** LayerNorm over the last axis with biased variance, as torch.nn.LayerNorm. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): tf.Tensor {
  const mean = tf.mean(x, -1, true);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), -1, true);
  return tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, eps))), gamma), beta);
}

/** gelu (erf form, HF "gelu"), gelu_new (tanh form), relu. */
export function activation(x: tf.Tensor, kind: 'gelu' | 'gelu_new' | 'relu'): tf.Tensor {
  if (kind === 'relu') return tf.relu(x);
  if (kind === 'gelu') return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
  const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
}
