/**
 * Parity suite, part 5: the formulation lib/kernels picks for the active backend ('wasm' on wasm, 'native' elsewhere)
 * gives the values and gradients of the stock tfjs formulation of the same ops, on that backend, and really is the
 * one running (by the kernels tf.profile sees). The unpadded training path and the first-token-only last block give
 * the padded, all-rows model's loss and gradients.
 */
import { expect } from 'chai';
import { CrossEncoder } from '../../lib/cross-encoder/model.js';
import { createAdamWEngine } from '../../lib/kernels/adamw.js';
import {
  activation,
  attentionContext,
  attentionScores,
  dense,
  dropoutOp,
  formulation,
  gatherRows,
  layerNorm,
  scaledMaskedSoftmax,
  scatterRows,
  setFormulation,
  wasmGemmInfo,
} from '../../lib/kernels/index.js';
import { setUnpaddedTraining } from '../../lib/models/layers/transformer-block.js';
import { disposeInputs, encoderInputs } from '../../lib/models/sequence-classifier.js';
import { tf } from '../../lib/tf.js';
import { computeGradients } from '../../lib/training/gradients.js';
import { bceWithLogits } from '../../lib/cross-encoder/losses/index.js';
import { backendName, expectWithin, relDiff, valuesOf } from '../helpers/parity.js';
import { fixtureModel } from '../helpers/paths.js';

/** `f` under the stock formulation, then back to the backend's own. */
function stock<T>(f: () => T): T {
  setFormulation('stock');
  try {
    return f();
  } finally {
    setFormulation(undefined);
  }
}

/** Every tensor in `a` is within `tol` (relative, see relDiff) of its partner in `b`; records the worst under `check`. */
async function expectClose(check: string, a: tf.Tensor | tf.Tensor[], b: tf.Tensor | tf.Tensor[], tol: number, detail: string): Promise<void> {
  const as = Array.isArray(a) ? a : [a];
  const bs = Array.isArray(b) ? b : [b];
  expect(as.length).to.equal(bs.length);
  for (let i = 0; i < as.length; i++) expectWithin(check, await relDiff(as[i], bs[i]), tol, `${detail} [${i}]`);
  tf.dispose([...as, ...bs]);
}

/** Kernel names a function runs (tf.profile). */
async function kernelsOf(f: () => tf.Tensor | tf.Tensor[]): Promise<Set<string>> {
  const info = await tf.profile(() => f());
  tf.dispose(info.result as tf.Tensor | tf.Tensor[]);
  return new Set(info.kernels.map((k) => k.name));
}

const expectedFormulation = () => (backendName() === 'wasm' ? 'wasm' : 'native');

describe('parity: the backend\'s formulation equals the stock tfjs one', () => {
  it('runs the formulation made for this backend', () => {
    expect(formulation(), backendName()).to.equal(expectedFormulation());
    expect(wasmGemmInfo().active, 'our wasm GEMM is active exactly on wasm').to.equal(backendName() === 'wasm' && process.env.TFJS_CROSS_ENCODER_GEMM !== 'xnnpack');
  });

  it('dense: values and the three gradients, rank 2 and 3, widths a multiple of 8 or not', async () => {
    for (const [lead, K, N] of [
      [[7], 12, 16],
      [[2, 5], 16, 24],
      [[3], 8, 1],
      [[1], 1, 8],
    ] as Array<[number[], number, number]>) {
      const x = tf.randomNormal([...lead, K], 0, 1, 'float32', 1);
      const w = tf.randomNormal([K, N], 0, 1, 'float32', 2) as tf.Tensor2D;
      const b = tf.randomNormal([N], 0, 1, 'float32', 3) as tf.Tensor1D;
      const dy = tf.randomNormal([...lead, N], 0, 1, 'float32', 4);
      const f = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => dense(xi, wi as tf.Tensor2D, bi as tf.Tensor1D);
      const ours = tf.tidy(() => [f(x, w, b), ...tf.grads(f)([x, w, b], dy)]);
      const ref = tf.tidy(() => stock(() => [f(x, w, b), ...tf.grads(f)([x, w, b], dy)]));
      await expectClose('formulation: dense value and gradients (relative)', ours, ref, 2e-6, `[${lead}, ${K}]·[${K}, ${N}]`);
      tf.dispose([x, w, b, dy]);
    }
    const used = await kernelsOf(() => dense(tf.ones([4, 8]), tf.ones([8, 16]) as tf.Tensor2D, tf.zeros([16]) as tf.Tensor1D));
    if (formulation() === 'wasm' && wasmGemmInfo().active) expect(used.has('XencGemm'), 'our GEMM on wasm').to.equal(true);
    // tfjs-node runs tf.fused.matMul as BatchMatMulV2 + AddV2; we call TensorFlow's MatMul + BiasAdd (kernels/tensorflow.ts).
    if (backendName() === 'tensorflow') expect(used.has('XencMatMulBiasAdd'), "TensorFlow's MatMul + BiasAdd").to.equal(true);
    else if (formulation() === 'native') expect(used.has('_FusedMatMul'), 'one fused product with the bias').to.equal(true);
  });

  it('attention products: q·kᵀ and probs·v per head, values and gradients', async () => {
    for (const [B, Tq, T, h, d] of [
      [2, 5, 5, 3, 4],
      [3, 1, 7, 2, 8],
    ]) {
      const q = tf.randomNormal([B, Tq, h, d], 0, 1, 'float32', 5) as tf.Tensor4D;
      const k = tf.randomNormal([B, T, h, d], 0, 1, 'float32', 6) as tf.Tensor4D;
      const v = tf.randomNormal([B, T, h, d], 0, 1, 'float32', 7) as tf.Tensor4D;
      const dy = tf.randomNormal([B, Tq, h, d], 0, 1, 'float32', 8);
      const f = (qi: tf.Tensor, ki: tf.Tensor, vi: tf.Tensor) => attentionContext(tf.softmax(attentionScores(qi as tf.Tensor4D, ki as tf.Tensor4D)) as tf.Tensor4D, vi as tf.Tensor4D);
      const ours = tf.tidy(() => [attentionScores(q, k), f(q, k, v), ...tf.grads(f)([q, k, v], dy)]);
      const ref = tf.tidy(() => stock(() => [attentionScores(q, k), f(q, k, v), ...tf.grads(f)([q, k, v], dy)]));
      await expectClose('formulation: attention values and gradients (relative)', ours, ref, 2e-6, `B ${B}, Tq ${Tq}, T ${T}, h ${h}, d ${d}`);
      tf.dispose([q, k, v, dy]);
    }
    const used = await kernelsOf(() => attentionScores(tf.ones([2, 3, 2, 4]) as tf.Tensor4D, tf.ones([2, 3, 2, 4]) as tf.Tensor4D));
    expect(used.has('XencSlicedBatchMatMul'), 'XNNPACK per batch entry exactly on wasm').to.equal(formulation() === 'wasm');
  });

  it('gatherRows (duplicates summed in the gradient) and scatterRows equal tf.gather and a one-hot product', async () => {
    const table = tf.randomNormal([11, 6], 0, 1, 'float32', 4) as tf.Tensor2D;
    const ids = tf.tensor2d([[3, 0, 3], [10, 7, 3]], [2, 3], 'int32');
    const dy = tf.randomNormal([2, 3, 6], 0, 1, 'float32', 5);
    await expectClose('formulation: row gather / scatter values', gatherRows(table, ids), tf.gather(table, ids), 0, 'gather value');
    const oneHot = tf.tidy(() => tf.matMul(tf.oneHot(tf.reshape(ids, [-1]) as tf.Tensor1D, 11), tf.reshape(dy, [-1, 6]), true, false));
    await expectClose('formulation: row gather gradient (relative)', tf.grad((t: tf.Tensor) => gatherRows(t as tf.Tensor2D, ids))(table, dy), oneHot.clone(), 1e-6, 'gather grad');

    const rows = tf.randomNormal([3, 6], 0, 1, 'float32', 6) as tf.Tensor2D;
    const at = tf.tensor1d([4, 0, 2], 'int32');
    const scattered = scatterRows(rows, at, 5);
    await expectClose('formulation: row gather / scatter values', tf.gather(scattered, at), rows.clone(), 0, 'scatter rows');
    expect(await valuesOf(tf.tidy(() => tf.sum(tf.abs(tf.gather(scattered, tf.tensor1d([1, 3], 'int32'))))))).to.deep.equal([0]);
    const dy2 = tf.randomNormal([5, 6], 0, 1, 'float32', 7);
    await expectClose('formulation: row gather / scatter values', tf.grad((r: tf.Tensor) => scatterRows(r as tf.Tensor2D, at, 5))(rows, dy2), tf.gather(dy2, at), 0, 'scatter grad');
    // With the ids on the host, duplicates are summed in a fixed order (webgpu's scatter adds them with atomics).
    const hostIds = [3, 0, 3, 10, 7, 3];
    const withHost = (t: tf.Tensor) => gatherRows(t as tf.Tensor2D, ids, hostIds);
    const g1 = tf.grad(withHost)(table, dy);
    const g2 = tf.grad(withHost)(table, dy);
    expect(await valuesOf(tf.sub(g1, g2)), 'repeatable bit for bit').to.satisfy((v: number[]) => v.every((x) => x === 0));
    await expectClose('formulation: row gather gradient (relative)', g1, oneHot, 1e-6, 'gather grad, ids on the host');
    tf.dispose([g2, table, ids, dy, rows, at, scattered, dy2]);

    const used = await kernelsOf(() => gatherRows(tf.ones([4, 3]) as tf.Tensor2D, tf.tensor1d([1, 2], 'int32')));
    expect(used.has('XencGatherRows'), 'the row-copy gather exactly on wasm').to.equal(formulation() === 'wasm');
    if (formulation() === 'wasm') expect(() => tf.tidy(() => gatherRows(tf.ones([4, 3]) as tf.Tensor2D, tf.tensor1d([4], 'int32')))).to.throw(/index 4/);
  });

  it('layerNorm, GELU, scaled masked softmax and dropout: values and gradients equal the stock op sequences', async () => {
    const x = tf.randomNormal([3, 5, 8], 0, 2, 'float32', 8);
    const g = tf.randomNormal([8], 1, 0.1, 'float32', 9) as tf.Tensor1D;
    const b = tf.randomNormal([8], 0, 0.1, 'float32', 10) as tf.Tensor1D;
    const dy = tf.randomNormal([3, 5, 8], 0, 1, 'float32', 11);
    const ln = (xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => layerNorm(xi, gi as tf.Tensor1D, bi as tf.Tensor1D, 1e-12);
    const both = <T>(f: () => T): [T, T] => [tf.tidy(() => f() as unknown as tf.TensorContainer) as unknown as T, tf.tidy(() => stock(f) as unknown as tf.TensorContainer) as unknown as T];
    let [o, r] = both(() => [ln(x, g, b), ...tf.grads(ln)([x, g, b], dy)]);
    await expectClose('formulation: LayerNorm, GELU, softmax, dropout (relative)', o, r, 2e-6, 'LayerNorm');
    const gelu = (xi: tf.Tensor) => activation(xi, 'gelu');
    [o, r] = both(() => [gelu(x), tf.grad(gelu)(x, dy)]);
    await expectClose('formulation: LayerNorm, GELU, softmax, dropout (relative)', o, r, 2e-6, 'GELU');

    const raw = tf.randomNormal([2, 3, 4, 4], 0, 3, 'float32', 12);
    const mask = tf.tidy(() => tf.reshape(tf.mul(tf.sub(1, tf.tensor2d([[1, 1, 1, 0], [1, 1, 0, 0]])), -1e9), [2, 1, 1, 4]));
    const dyS = tf.randomNormal([2, 3, 4, 4], 0, 1, 'float32', 13);
    const sm = (ri: tf.Tensor) => scaledMaskedSoftmax(ri, 0.25, mask);
    [o, r] = both(() => [sm(raw), tf.grad(sm)(raw, dyS)]);
    await expectClose('formulation: LayerNorm, GELU, softmax, dropout (relative)', o, r, 1e-6, 'softmax');
    const drop = (xi: tf.Tensor) => dropoutOp(xi, 0.1, 42);
    [o, r] = both(() => [drop(x), tf.grad(drop)(x, dy)]);
    await expectClose('formulation: LayerNorm, GELU, softmax, dropout (relative)', o, r, 0, 'dropout (same mask)');
    tf.dispose([x, g, b, dy, raw, mask, dyS]);
  });

  for (const name of ['tiny-bert-cross-encoder', 'tiny-roberta-cross-encoder', 'tiny-distilbert-cross-encoder']) {
    it(`${name}: unpadded training with a first-token-only last block gives the stock padded, all-rows model's loss and gradients`, async () => {
      const model = await CrossEncoder.fromPretrained(fixtureModel(name), { dropout: 0 });
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
      // Stock: every row through every block, then the head (which reads row 0). Ours: model.logits.
      const allRows = (training: boolean) => {
        const ctx = m.context(training);
        return m.head.forward(m.encoder.forward(inputs, ctx, false), ctx);
      };
      const ours = await computeGradients(params, [{ size: 3, loss: () => bceWithLogits(m.logits(inputs, m.context(true)), labels) }]);
      setUnpaddedTraining(false);
      setFormulation('stock');
      const ref = await computeGradients(params, [{ size: 3, loss: () => bceWithLogits(allRows(true), labels) }]).finally(() => {
        setUnpaddedTraining(true);
        setFormulation(undefined);
      });
      try {
        expectWithin('formulation: whole model, training loss (relative)', Math.abs(ours.loss - ref.loss) / ref.loss, 1e-6, name);
        expect([...ours.grads.keys()].sort()).to.deep.equal([...ref.grads.keys()].sort());
        for (const [k, gr] of ref.grads) expectWithin('formulation: whole model, gradients (relative)', await relDiff(ours.grads.get(k)!, gr), 1e-5, `${name} ${k}`);
        // Inference: the first-token-only last block gives the all-rows logits.
        const full = await valuesOf(tf.tidy(() => stock(() => allRows(false))));
        const firstOnly = await valuesOf(tf.tidy(() => m.logits(inputs, m.context(false))));
        full.forEach((v, i) => expectWithin('formulation: whole model, inference logits', Math.abs(firstOnly[i] - v), 1e-6, `${name} logit ${i}`));
        // Inference keeps the padded formulation, so padded rows of the hidden state are what PyTorch computes.
        const before = tf.memory().numTensors;
        await model.predict(pairs, { showProgress: false });
        expect(tf.memory().numTensors).to.equal(before);
      } finally {
        tf.dispose([...ref.grads.values(), ...ours.grads.values(), labels]);
        disposeInputs(inputs);
        model.dispose();
      }
    });
  }

  it("AdamW: the backend's engine gives the tfjs-op steps (weights and both moments, 3 steps, decay and not)", async () => {
    const shapes = [[7, 5], [13], [33, 8], [2]];
    const make = (seed: number) => shapes.map((sh, i) => [`p${i}`, tf.variable(tf.randomNormal(sh, 0, 1, 'float32', seed + i))] as [string, tf.Variable]);
    const grads = new Map(shapes.map((sh, i) => [`p${i}`, tf.randomNormal(sh, 0, 0.1, 'float32', 100 + i)]));
    const engine = createAdamWEngine();
    expect(engine.kind, backendName()).to.equal(backendName() === 'wasm' ? 'wasm-heap' : 'ops');
    const ops = createAdamWEngine('ops');
    const a = make(1);
    const b = make(1);
    for (let t = 1; t <= 3; t++) {
      const s = { beta1: 0.9, beta2: 0.999, eps: 1e-8, bc2Sqrt: Math.sqrt(1 - 0.999 ** t), stepSize: 1e-3 / (1 - 0.9 ** t) };
      a.forEach(([n, p], i) => engine.update(n, p, grads.get(n)!, { ...s, decayFactor: i % 2 ? 1 : 1 - 1e-3 * 0.01 }));
      b.forEach(([n, p], i) => ops.update(n, p, grads.get(n)!, { ...s, decayFactor: i % 2 ? 1 : 1 - 1e-3 * 0.01 }));
    }
    // GPU shaders need not round division and square root correctly; every CPU backend does, bit for bit.
    const tol = backendName() === 'webgpu' || backendName() === 'webgl' ? 1e-6 : 0;
    const [ma, mb] = [await engine.moments(), await ops.moments()];
    for (let i = 0; i < shapes.length; i++) {
      expectWithin('AdamW engine vs tfjs ops: weights and moments (relative)', await relDiff(a[i][1], b[i][1]), tol, `p${i}`);
      for (const k of ['m', 'v'] as const) expectWithin('AdamW engine vs tfjs ops: weights and moments (relative)', await relDiff(tf.tensor(ma[`p${i}`][k]), tf.tensor(mb[`p${i}`][k])), tol, `p${i}.${k}`);
    }
    engine.dispose();
    ops.dispose();
    tf.dispose([...a.map(([, v]) => v), ...b.map(([, v]) => v), ...grads.values()]);
  });

  it('unpadded training leaks no tensors and keeps dropout masks reproducible from the same seed', async () => {
    const model = await CrossEncoder.fromPretrained(fixtureModel('tiny-bert-cross-encoder'));
    const batch = model.tokenizer.pad(model.encode([['a b c d e f g', 'h i'], ['x', 'y']]));
    const inputs = encoderInputs(batch, model.config);
    const params = model.model.trainableVariables();
    const lossAt = async (seed: number) => {
      model.model.dropoutSeed = seed;
      const g = await computeGradients(params, [{ size: 2, loss: () => tf.mean(model.model.logits(inputs, model.model.context(true))) as tf.Scalar }]);
      tf.dispose([...g.grads.values()]);
      return g.loss;
    };
    try {
      await lossAt(5);
      const before = tf.memory().numTensors;
      const a = await lossAt(5);
      const b = await lossAt(5);
      const c = await lossAt(6);
      expect(tf.memory().numTensors).to.equal(before);
      expect(a).to.equal(b);
      expect(c).to.not.equal(a);
    } finally {
      disposeInputs(inputs);
      model.dispose();
    }
  });
});
