/**
 * LayerNorm, GELU, masked softmax and dropout with one coarse custom gradient each, on every backend. The forward
 * ops are the stock ones (same values); the gradient is one op computed in a tidy. tfjs keeps every tape node's
 * inputs and every intermediate gradient until the whole backward pass ends, so fewer, coarser nodes cut a training
 * step's peak memory (and some time). Same maths as the stock gradients; spec/speed-paths.spec.ts checks them.
 */
import { tf } from '../tf.js';

export type SaveFn = (tensors: tf.Tensor[]) => void;

/**
 * LayerNorm over the last axis with biased variance, as torch.nn.LayerNorm. The gradient is the closed form
 *   dx = rstd · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂)),  dx̂ = dy · γ,  dγ = Σ dy · x̂,  dβ = Σ dy,
 * from the saved x̂ and rstd: two saved tensors instead of every intermediate of ~10 stock gradient ops.
 */
export function layerNormTuned(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): tf.Tensor {
  const op = tf.customGrad((...args: Array<tf.Tensor | SaveFn>) => {
    const [xi, g, b, save] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, SaveFn];
    const mean = tf.mean(xi, -1, true);
    const centered = tf.sub(xi, mean);
    const variance = tf.mean(tf.square(centered), -1, true);
    const rstd = tf.rsqrt(tf.add(variance, eps));
    const xhat = tf.mul(centered, rstd);
    save([xhat, rstd, g]);
    const value = tf.add(tf.mul(xhat, g), b);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xh, r, gs] = saved;
      return tf.tidy(() => {
        const width = gs.shape[0];
        const dy2 = tf.reshape(dy, [-1, width]);
        const dBeta = tf.sum(dy2, 0);
        const dGamma = tf.sum(tf.mul(dy2, tf.reshape(xh, [-1, width])), 0);
        const dxh = tf.mul(dy, gs);
        const dx = tf.mul(r, tf.sub(tf.sub(dxh, tf.mean(dxh, -1, true)), tf.mul(xh, tf.mean(tf.mul(dxh, xh), -1, true))));
        return [dx, dGamma, dBeta];
      });
    };
    return { value, gradFunc };
  });
  return op(x, gamma, beta);
}

/** The same LayerNorm as plain ops, differentiated by tfjs (the stock formulation). */
export function layerNormStock(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): tf.Tensor {
  const mean = tf.mean(x, -1, true);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), -1, true);
  return tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, eps))), gamma), beta);
}

/**
 * GELU, erf form (HF "gelu"): x · ½ · (1 + erf(x / √2)). Gradient in closed form,
 * ½ · (1 + erf(x/√2)) + x · exp(−x²/2) / √(2π), from the saved x and 1 + erf(x/√2).
 */
export function geluErfTuned(x: tf.Tensor): tf.Tensor {
  const op = tf.customGrad((...args: Array<tf.Tensor | SaveFn>) => {
    const [xi, save] = args as [tf.Tensor, SaveFn];
    const onePlusErf = tf.add(1, tf.erf(tf.mul(xi, Math.SQRT1_2)));
    save([xi, onePlusErf]);
    const value = tf.mul(tf.mul(xi, 0.5), onePlusErf);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor => {
      const [xs, c] = saved;
      return tf.tidy(() => {
        const pdf = tf.mul(tf.exp(tf.mul(tf.square(xs), -0.5)), 1 / Math.sqrt(2 * Math.PI));
        return tf.mul(dy, tf.add(tf.mul(c, 0.5), tf.mul(xs, pdf)));
      });
    };
    return { value, gradFunc };
  });
  return op(x);
}

export function geluErfStock(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

/** GELU, tanh form (HF "gelu_new"), as plain ops. */
export function geluTanh(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
}

/**
 * softmax(raw · scale + maskBias) over the last axis: attention probabilities, same forward ops as HF. Only the
 * probabilities are saved; the gradient is tfjs' own softmax gradient times the scale, so the result is bitwise the
 * stock one, with one tape node and its temporaries freed at once.
 */
export function scaledMaskedSoftmaxTuned(raw: tf.Tensor, scale: number, maskBias: tf.Tensor): tf.Tensor {
  const op = tf.customGrad((...args: Array<tf.Tensor | SaveFn>) => {
    const [r, save] = args as [tf.Tensor, SaveFn];
    const probs = tf.softmax(tf.add(tf.mul(r, scale), maskBias));
    save([probs]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor => {
      const y = saved[0];
      return tf.tidy(() => {
        const dyTimesY = tf.mul(dy, y);
        return tf.mul(tf.sub(dyTimesY, tf.mul(tf.sum(dyTimesY, -1, true), y)), scale);
      });
    };
    return { value: probs, gradFunc };
  });
  return op(raw);
}

export function scaledMaskedSoftmaxStock(raw: tf.Tensor, scale: number, maskBias: tf.Tensor): tf.Tensor {
  return tf.softmax(tf.add(tf.mul(raw, scale), maskBias));
}

/**
 * tf.dropout(x, rate, undefined, seed) with the same mask and the same arithmetic (x · floor(u + keep) / keep),
 * as one op that saves only the multiplier: the stock version keeps the uniform noise and three more full-size
 * temporaries per call alive until the backward pass ends.
 */
export function dropoutTuned(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  const op = tf.customGrad((...args: Array<tf.Tensor | SaveFn>) => {
    const [xi, save] = args as [tf.Tensor, SaveFn];
    const keep = 1 - rate;
    const multiplier = tf.div(tf.floor(tf.add(tf.randomUniform(xi.shape, 0, 1, 'float32', seed), keep)), keep);
    save([multiplier]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor => tf.mul(dy, saved[0]);
    return { value: tf.mul(xi, multiplier), gradFunc };
  });
  return op(x);
}
