/**
 * Correctness of the fast paths (not their speed): every custom kernel and custom gradient in
 * lib/models/layers/ops.ts and the unpadded training path of the transformer block give the same values and
 * gradients as the stock tfjs formulation, on wasm (where our kernels run) and on cpu (where the stock kernels run).
 */
import { expect } from 'chai';
import { tf } from '../lib/backend.js';
import { CrossEncoder } from '../lib/cross-encoder.js';
import { activation, batchMatMul, dropoutOp, gatherRows, layerNorm, scaledMaskedSoftmax, scatterRows, setFastWasmKernels } from '../lib/models/layers/ops.js';
import { setUnpaddedTraining } from '../lib/models/layers/transformer-block.js';
import { disposeInputs, encoderInputs } from '../lib/models/sequence-classifier.js';
import { computeGradients } from '../lib/training/gradients.js';
import { bceWithLogits } from '../lib/training/losses.js';
import { fixtureModel } from './helpers/paths.js';

/** max |a − b| / (1 + max |b|): relative to the magnitude of the reference. */
function relDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).to.deep.equal(b.shape);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / (1 + tf.max(tf.abs(b)).dataSync()[0]));
}

function expectClose(a: tf.Tensor | tf.Tensor[], b: tf.Tensor | tf.Tensor[], tol: number, what: string): void {
  const as = Array.isArray(a) ? a : [a];
  const bs = Array.isArray(b) ? b : [b];
  expect(as.length).to.equal(bs.length);
  as.forEach((x, i) => expect(relDiff(x, bs[i]), `${what} [${i}]`).to.be.at.most(tol));
}

/** Run `body` on each backend, restoring the original one afterwards. */
async function onBackends(body: (backend: string) => void | Promise<void>): Promise<void> {
  const original = tf.getBackend();
  try {
    for (const b of ['wasm', 'cpu']) {
      if (!(await tf.setBackend(b))) throw new Error(`backend ${b} unavailable`);
      await body(b);
    }
  } finally {
    await tf.setBackend(original);
  }
}

/** Kernel names a function runs (tf.profile). */
async function kernelsOf(f: () => tf.Tensor | tf.Tensor[]): Promise<Set<string>> {
  const info = await tf.profile(() => {
    const r = f();
    return r;
  });
  tf.dispose(info.result as tf.Tensor | tf.Tensor[]);
  return new Set(info.kernels.map((k) => k.name));
}

describe('speed paths: fast kernels and custom gradients equal the stock formulation', () => {
  it('batchMatMul: values and both gradients equal tf.matMul, on wasm (XNNPACK per batch entry) and cpu', async () => {
    await onBackends(async (backend) => {
      for (const [N, M, K, P] of [
        [6, 5, 4, 7],
        [24, 17, 32, 17],
        [1, 3, 1, 2],
      ]) {
        tf.tidy(() => {
          const a = tf.randomNormal([N, M, K], 0, 1, 'float32', 1) as tf.Tensor3D;
          const b = tf.randomNormal([N, K, P], 0, 1, 'float32', 2) as tf.Tensor3D;
          const dy = tf.randomNormal([N, M, P], 0, 1, 'float32', 3);
          const ours = tf.grads((x: tf.Tensor, y: tf.Tensor) => batchMatMul(x as tf.Tensor3D, y as tf.Tensor3D));
          const stock = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.matMul(x as tf.Tensor3D, y as tf.Tensor3D));
          expectClose(batchMatMul(a, b), tf.matMul(a, b), 1e-6, `${backend} value ${N}x${M}x${K}x${P}`);
          expectClose(ours([a, b], dy), stock([a, b], dy), 1e-6, `${backend} grads ${N}x${M}x${K}x${P}`);
        });
      }
      const used = await kernelsOf(() => batchMatMul(tf.ones([2, 3, 4]) as tf.Tensor3D, tf.ones([2, 4, 5]) as tf.Tensor3D));
      expect(used.has('XencSlicedBatchMatMul'), `${backend}: fast kernel used`).to.equal(backend === 'wasm');
    });
  });

  it('batchMatMul with the fast kernels switched off is tf.matMul', async () => {
    setFastWasmKernels(false);
    try {
      const used = await kernelsOf(() => batchMatMul(tf.ones([2, 3, 4]) as tf.Tensor3D, tf.ones([2, 4, 5]) as tf.Tensor3D));
      expect(used.has('XencSlicedBatchMatMul')).to.equal(false);
      expect(used.has('BatchMatMul')).to.equal(true);
    } finally {
      setFastWasmKernels(true);
    }
  });

  it('gatherRows (duplicates summed in the gradient) and scatterRows equal tf.gather / the dense scatter', async () => {
    await onBackends(async (backend) => {
      tf.tidy(() => {
        const table = tf.randomNormal([11, 6], 0, 1, 'float32', 4) as tf.Tensor2D;
        const ids = tf.tensor2d([[3, 0, 3], [10, 7, 3]], [2, 3], 'int32');
        const dy = tf.randomNormal([2, 3, 6], 0, 1, 'float32', 5);
        expectClose(gatherRows(table, ids), tf.gather(table, ids), 0, `${backend} gather value`);
        // Reference gradient: one-hot matmul (duplicates add up).
        const oneHot = tf.oneHot(tf.reshape(ids, [-1]) as tf.Tensor1D, 11);
        const ref = tf.matMul(oneHot, tf.reshape(dy, [-1, 6]), true, false);
        expectClose(tf.grad((t: tf.Tensor) => gatherRows(t as tf.Tensor2D, ids))(table, dy), ref, 1e-6, `${backend} gather grad`);

        const rows = tf.randomNormal([3, 6], 0, 1, 'float32', 6) as tf.Tensor2D;
        const at = tf.tensor1d([4, 0, 2], 'int32');
        const dense = scatterRows(rows, at, 5);
        expectClose(tf.gather(dense, at), rows, 0, `${backend} scatter rows`);
        expect(tf.sum(tf.abs(tf.gather(dense, tf.tensor1d([1, 3], 'int32')))).dataSync()[0]).to.equal(0);
        const dy2 = tf.randomNormal([5, 6], 0, 1, 'float32', 7);
        expectClose(tf.grad((r: tf.Tensor) => scatterRows(r as tf.Tensor2D, at, 5))(rows, dy2), tf.gather(dy2, at), 0, `${backend} scatter grad`);
      });
      const used = await kernelsOf(() => gatherRows(tf.ones([4, 3]) as tf.Tensor2D, tf.tensor1d([1, 2], 'int32')));
      expect(used.has('XencGatherRows'), `${backend}: fast gather used`).to.equal(backend === 'wasm');
      if (backend === 'wasm') {
        expect(() => tf.tidy(() => gatherRows(tf.ones([4, 3]) as tf.Tensor2D, tf.tensor1d([4], 'int32')))).to.throw(/index 4/);
      }
    });
  });

  it('layerNorm, GELU, scaled masked softmax and dropout: values and gradients equal the stock op sequences', async () => {
    await onBackends((backend) => {
      tf.tidy(() => {
        const x = tf.randomNormal([3, 5, 8], 0, 2, 'float32', 8);
        const g = tf.randomNormal([8], 1, 0.1, 'float32', 9) as tf.Tensor1D;
        const b = tf.randomNormal([8], 0, 0.1, 'float32', 10) as tf.Tensor1D;
        const dy = tf.randomNormal([3, 5, 8], 0, 1, 'float32', 11);
        const stockLN = (xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => {
          const centered = tf.sub(xi, tf.mean(xi, -1, true));
          const variance = tf.mean(tf.square(centered), -1, true);
          return tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, 1e-12))), gi), bi);
        };
        expectClose(layerNorm(x, g, b, 1e-12), stockLN(x, g, b), 0, `${backend} LN value`);
        const ln = tf.grads((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => layerNorm(xi, gi as tf.Tensor1D, bi as tf.Tensor1D, 1e-12));
        expectClose(ln([x, g, b], dy), tf.grads(stockLN)([x, g, b], dy), 2e-6, `${backend} LN grads`);

        const stockGelu = (xi: tf.Tensor) => tf.mul(tf.mul(xi, 0.5), tf.add(1, tf.erf(tf.mul(xi, Math.SQRT1_2))));
        expectClose(activation(x, 'gelu'), stockGelu(x), 0, `${backend} GELU value`);
        expectClose(tf.grad((xi: tf.Tensor) => activation(xi, 'gelu'))(x, dy), tf.grad(stockGelu)(x, dy), 2e-6, `${backend} GELU grad`);

        const raw = tf.randomNormal([2, 3, 4, 4], 0, 3, 'float32', 12);
        const mask = tf.reshape(tf.mul(tf.sub(1, tf.tensor2d([[1, 1, 1, 0], [1, 1, 0, 0]])), -1e9), [2, 1, 1, 4]);
        const dyS = tf.randomNormal([2, 3, 4, 4], 0, 1, 'float32', 13);
        const stockSm = (r: tf.Tensor) => tf.softmax(tf.add(tf.mul(r, 0.25), mask));
        expectClose(scaledMaskedSoftmax(raw, 0.25, mask), stockSm(raw), 0, `${backend} softmax value`);
        expectClose(tf.grad((r: tf.Tensor) => scaledMaskedSoftmax(r, 0.25, mask))(raw, dyS), tf.grad(stockSm)(raw, dyS), 0, `${backend} softmax grad`);

        expectClose(dropoutOp(x, 0.1, 42), tf.dropout(x, 0.1, undefined, 42), 0, `${backend} dropout value`);
        expectClose(tf.grad((xi: tf.Tensor) => dropoutOp(xi, 0.1, 42))(x, dy), tf.grad((xi: tf.Tensor) => tf.dropout(xi, 0.1, undefined, 42))(x, dy), 0, `${backend} dropout grad`);
      });
    });
  });

  for (const name of ['tiny-bert-cross-encoder', 'tiny-roberta-cross-encoder']) {
    it(`${name}: unpadded training with a first-token-only last block gives the padded, all-rows formulation's loss and gradients, on wasm and cpu`, async () => {
      await onBackends(async (backend) => {
        const model = await CrossEncoder.fromPretrained(fixtureModel(name), { dropout: 0 });
        try {
          const pairs = [
            ['A man is playing a guitar.', 'Someone plays an instrument on a stage in front of a large crowd.'],
            ['Dogs run.', 'A cat sleeps.'],
            ['The quick brown fox jumps over the lazy dog near the river bank.', 'Fox.'],
          ] as const;
          const batch = model.tokenizer.pad(model.encode(pairs));
          expect(Math.min(...batch.lengths)).to.be.below(batch.seqLen); // the batch really has padding
          const inputs = encoderInputs(batch, model.config);
          const labels = tf.tensor2d([0.9, 0.1, 0.4], [3, 1]);
          const params = model.model.trainableVariables();
          const m = model.model;
          // Stock: every row through every block, then the head (which reads row 0). Fast: model.logits.
          const allRows = (training: boolean) => {
            const ctx = m.context(training);
            return m.head.forward(m.encoder.forward(inputs, ctx, false), ctx);
          };
          const run = (unpadded: boolean, fastKernels: boolean) => {
            setUnpaddedTraining(unpadded);
            setFastWasmKernels(fastKernels);
            try {
              const logits = () => (unpadded ? m.logits(inputs, m.context(true)) : allRows(true));
              return computeGradients(params, [{ size: 3, loss: () => bceWithLogits(logits(), labels) }]);
            } finally {
              setUnpaddedTraining(true);
              setFastWasmKernels(true);
            }
          };
          const stock = run(false, false);
          const fast = run(true, true);
          try {
            expect(Math.abs(fast.loss - stock.loss) / stock.loss, `${backend} loss`).to.be.below(1e-6);
            expect([...fast.grads.keys()].sort()).to.deep.equal([...stock.grads.keys()].sort());
            for (const [k, g] of stock.grads) expect(relDiff(fast.grads.get(k)!, g), `${backend} grad ${k}`).to.be.below(1e-5);
            // Inference: the first-token-only last block gives the all-rows logits.
            const [full, firstOnly] = tf.tidy(() => [allRows(false), m.logits(inputs, m.context(false))]).map((t) => {
              const v = Array.from(t.dataSync());
              t.dispose();
              return v;
            });
            full.forEach((v, i) => expect(Math.abs(firstOnly[i] - v), `${backend} logit ${i}`).to.be.below(1e-6));
          } finally {
            tf.dispose([...stock.grads.values(), ...fast.grads.values(), labels]);
            disposeInputs(inputs);
          }
          // Inference keeps the padded formulation, so padded rows of the hidden state are what PyTorch computes.
          const before = tf.memory().numTensors;
          await model.predict(pairs, { showProgress: false });
          expect(tf.memory().numTensors).to.equal(before);
        } finally {
          model.dispose();
        }
      });
    });
  }

  it('unpadded training leaks no tensors and keeps dropout masks reproducible from the same seed', async () => {
    const model = await CrossEncoder.fromPretrained(fixtureModel('tiny-bert-cross-encoder'));
    try {
      const batch = model.tokenizer.pad(model.encode([['a b c d e f g', 'h i'], ['x', 'y']]));
      const inputs = encoderInputs(batch, model.config);
      const params = model.model.trainableVariables();
      const lossAt = (seed: number) => {
        model.model.dropoutSeed = seed;
        const g = computeGradients(params, [{ size: 2, loss: () => tf.mean(model.model.logits(inputs, model.model.context(true))) as tf.Scalar }]);
        tf.dispose([...g.grads.values()]);
        return g.loss;
      };
      lossAt(5);
      const before = tf.memory().numTensors;
      const a = lossAt(5);
      const b = lossAt(5);
      const c = lossAt(6);
      expect(tf.memory().numTensors).to.equal(before);
      expect(a).to.equal(b);
      expect(c).to.not.equal(a);
      disposeInputs(inputs);
    } finally {
      model.dispose();
    }
  });
});
