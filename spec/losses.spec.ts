import { expect } from 'chai';
import { tf } from '../lib/backend.js';
import { UsageError } from '../lib/errors.js';
import { bceWithLogits, crossEntropy, mseOnActivated } from '../lib/cross-encoder/losses/index.js';

// Float64 references, written out as the PyTorch docs define each loss. Inputs are rounded to float32 first
// (Math.fround) so the only difference left is tfjs' float32 arithmetic.
const f32 = (a: number[]): number[] => a.map(Math.fround);
const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
/** -log σ(x), stable: log1p(exp(-|x|)) + max(-x, 0). */
const softplusNeg = (x: number): number => Math.log1p(Math.exp(-Math.abs(x))) + Math.max(-x, 0);
const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;

function refBce(x: number[], y: number[], pw = 1): number {
  return mean(x.map((xi, i) => (1 - y[i]) * xi + (1 + (pw - 1) * y[i]) * softplusNeg(xi)));
}
function refBceGrad(x: number[], y: number[], pw = 1): number[] {
  return x.map((xi, i) => ((1 - y[i]) - (1 + (pw - 1) * y[i]) * sigmoid(-xi)) / x.length);
}
function refCrossEntropy(rows: number[][], labels: number[]): number {
  return mean(
    rows.map((r, i) => {
      const m = Math.max(...r);
      const lse = m + Math.log(r.reduce((s, v) => s + Math.exp(v - m), 0));
      return lse - r[labels[i]];
    }),
  );
}

function closeRel(actual: number, expected: number, rel: number, abs = 0): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).to.be.at.most(rel * Math.abs(expected) + abs);
}

const X = f32([-50, -20, -3.5, -0.1, 0, 0, 0.7, 4, 20, 50, 50, -50]);
const Y = f32([0, 1, 0.3, 1, 0, 1, 0.8, 0, 1, 0, 1, 1]);

describe('losses', () => {
  describe('bceWithLogits', () => {
    it('matches torch BCEWithLogitsLoss (mean) incl. logits ±50', async () => {
      const got = (await bceWithLogits(tf.tensor1d(X), tf.tensor1d(Y)).data())[0];
      closeRel(got, refBce(X, Y), 1e-6);
    });

    it('equals torch float32 per element at the extremes (no overflow, no log(0), tail kept)', async () => {
      // torch evaluates (1 - y) * x - log_sigmoid(x) in float32; emulate each rounding with Math.fround.
      const torchF32 = (x: number, y: number): number => {
        const f = Math.fround;
        return f(f(f(1 - f(y)) * f(x)) + f(softplusNeg(f(x))));
      };
      for (const [x, y] of [
        [50, 0],
        [-50, 1],
        [50, 1], // 1.9e-22, not 0
        [-50, 0],
        [88, 0.5],
        [-100, 0.25],
        [10, 1], // a float32 log(1 + exp(-10)) would be off by 4e-4 relative
        [-12, 0], // cancellation in torch's own formula: torch gives 5.72e-6, not the exact 6.14e-6
      ]) {
        const got = (await bceWithLogits(tf.tensor1d([x]), tf.tensor1d([y])).data())[0];
        expect(Number.isFinite(got)).to.equal(true);
        closeRel(got, torchF32(x, y), 2e-7, 1e-30);
      }
    });

    it('accepts [B, 1] logits and int labels, same value as [B]', async () => {
      const a = (await bceWithLogits(tf.tensor2d([0.5, -1, 2], [3, 1]), tf.tensor1d([1, 0, 1], 'int32')).data())[0];
      const b = (await bceWithLogits(tf.tensor1d([0.5, -1, 2]), tf.tensor1d([1, 0, 1])).data())[0];
      expect(a).to.equal(b);
      closeRel(a, refBce(f32([0.5, -1, 2]), [1, 0, 1]), 1e-6);
    });

    it('gradient is (σ(x) - y) / B, finite for extreme logits, right at x = 0', async () => {
      const y = tf.tensor1d(Y);
      const g = await tf.grad((x: tf.Tensor) => bceWithLogits(x, y))(tf.tensor1d(X)).data();
      const want = refBceGrad(X, Y);
      g.forEach((v, i) => {
        expect(Number.isFinite(v)).to.equal(true);
        closeRel(v, want[i], 1e-6, 1e-9);
      });
    });

    it('posWeight follows torch: (1-y)x + (1+(pw-1)y)·softplus(-x), with matching gradient', async () => {
      for (const pw of [1, 3, 0.25]) {
        const got = (await bceWithLogits(tf.tensor1d(X), tf.tensor1d(Y), { posWeight: pw }).data())[0];
        closeRel(got, refBce(X, Y, pw), 1e-6);
        const y = tf.tensor1d(Y);
        const g = await tf.grad((x: tf.Tensor) => bceWithLogits(x, y, { posWeight: pw }))(tf.tensor1d(X)).data();
        const want = refBceGrad(X, Y, pw);
        g.forEach((v, i) => closeRel(v, want[i], 1e-6, 1e-9));
      }
      // posWeight 1 is the same loss as none.
      const a = (await bceWithLogits(tf.tensor1d(X), tf.tensor1d(Y), { posWeight: 1 }).data())[0];
      const b = (await bceWithLogits(tf.tensor1d(X), tf.tensor1d(Y)).data())[0];
      closeRel(a, b, 1e-6);
    });

    it('rejects mismatched shapes and bad posWeight', () => {
      expect(() => bceWithLogits(tf.tensor1d([1, 2]), tf.tensor1d([1]))).to.throw(UsageError, /2 logits but 1 labels/);
      expect(() => bceWithLogits(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor1d([1, 0]))).to.throw(UsageError, /\[B\] or \[B, 1\]/);
      expect(() => bceWithLogits(tf.tensor1d([1]), tf.tensor1d([1]), { posWeight: -1 })).to.throw(UsageError);
      expect(() => bceWithLogits(tf.tensor1d([]), tf.tensor1d([]))).to.throw(UsageError, /empty/);
    });

    it('leaks no tensors', () => {
      const x = tf.tensor1d(X);
      const y = tf.tensor1d(Y);
      const before = tf.memory().numTensors;
      tf.dispose([bceWithLogits(x, y), bceWithLogits(x, y, { posWeight: 2 }), mseOnActivated(x, y, 'sigmoid')]);
      expect(tf.memory().numTensors).to.equal(before);
      tf.dispose([x, y]);
    });
  });

  describe('mseOnActivated', () => {
    it('sigmoid: mean((σ(x) - y)^2), finite for extreme logits', async () => {
      const got = (await mseOnActivated(tf.tensor1d(X), tf.tensor1d(Y), 'sigmoid').data())[0];
      closeRel(got, mean(X.map((x, i) => (sigmoid(x) - Y[i]) ** 2)), 1e-6);
      const y = tf.tensor1d(Y);
      const g = await tf.grad((x: tf.Tensor) => mseOnActivated(x, y, 'sigmoid'))(tf.tensor1d(X)).data();
      const want = X.map((x, i) => (2 * (sigmoid(x) - Y[i]) * sigmoid(x) * (1 - sigmoid(x))) / X.length);
      g.forEach((v, i) => closeRel(v, want[i], 1e-5, 1e-9));
    });

    it('identity: mean((x - y)^2), [B, 1] accepted', async () => {
      const x = f32([0.2, 1.5, -0.3]);
      const y = f32([0.25, 1, 0]);
      const got = (await mseOnActivated(tf.tensor2d(x, [3, 1]), tf.tensor1d(y), 'identity').data())[0];
      closeRel(got, mean(x.map((v, i) => (v - y[i]) ** 2)), 1e-6);
    });
  });

  describe('crossEntropy', () => {
    const rows = [
      [1000, -1000, 0],
      [0.1, 0.2, 0.3],
      [-5, 5, 2.5],
      [3, 3, 3],
    ].map(f32);
    const labels = [1, 2, 1, 0];

    it('matches torch CrossEntropyLoss (mean), stable for logits of ±1000', async () => {
      const got = (await crossEntropy(tf.tensor2d(rows), tf.tensor1d(labels, 'int32')).data())[0];
      closeRel(got, refCrossEntropy(rows, labels), 1e-6);
    });

    it('gradient is (softmax - onehot) / B', async () => {
      const lab = tf.tensor1d(labels, 'int32');
      const g = await tf.grad((x: tf.Tensor) => crossEntropy(x, lab))(tf.tensor2d(rows)).data();
      const want = rows.flatMap((r, i) => {
        const m = Math.max(...r);
        const z = r.reduce((s, v) => s + Math.exp(v - m), 0);
        return r.map((v, j) => (Math.exp(v - m) / z - (j === labels[i] ? 1 : 0)) / rows.length);
      });
      g.forEach((v, i) => closeRel(v, want[i], 1e-5, 1e-8));
    });

    it('rejects labels out of range (torch would raise too) and bad shapes', () => {
      expect(() => crossEntropy(tf.tensor2d([[1, 2]]), tf.tensor1d([2], 'int32'))).to.throw(UsageError, /label 0 is 2/);
      expect(() => crossEntropy(tf.tensor2d([[1, 2]]), tf.tensor1d([-100], 'int32'))).to.throw(UsageError);
      expect(() => crossEntropy(tf.tensor1d([1, 2]), tf.tensor1d([0], 'int32'))).to.throw(UsageError, /\[B, C\]/);
      expect(() => crossEntropy(tf.tensor2d([[1, 2]]), tf.tensor1d([0, 1], 'int32'))).to.throw(UsageError, /shape \[1\]/);
    });
  });
});
