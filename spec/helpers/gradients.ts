/** Comparing two steps' gradients, as the bi-encoder training specs do. */
import { expect } from 'chai';
import type { StepGradients } from '../../lib/training/gradients.js';

/**
 * Worst difference over all gradients, relative to each tensor's largest entry. Attention key biases have a zero
 * gradient in exact arithmetic (softmax ignores a shift shared by every key): their ~1e-8 values are rounding noise,
 * so tensors whose largest entry is below 1e-6 of the largest gradient are compared with that instead.
 */
export async function worstGradientDifference(a: StepGradients, b: StepGradients): Promise<number> {
  expect([...b.grads.keys()].sort()).to.deep.equal([...a.grads.keys()].sort());
  let globalMax = 0;
  const values: Array<[Float32Array, Float32Array]> = [];
  for (const [name, g] of a.grads) {
    const x = (await g.data()) as Float32Array;
    values.push([x, (await b.grads.get(name)!.data()) as Float32Array]);
    for (const v of x) globalMax = Math.max(globalMax, Math.abs(v));
  }
  let worst = 0;
  for (const [x, y] of values) {
    let d = 0;
    let m = 0;
    for (let i = 0; i < x.length; i++) {
      d = Math.max(d, Math.abs(x[i] - y[i]));
      m = Math.max(m, Math.abs(x[i]));
    }
    worst = Math.max(worst, d / (m > 1e-6 * globalMax ? m : globalMax));
  }
  return worst;
}
