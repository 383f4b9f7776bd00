/**
 * The cross-encoder ranking losses against sentence-transformers 6.2's own loss classes (spec/fixtures/ce-losses.json,
 * written by bench/ce_loss_fixtures.py): the loss value and its gradient with respect to the logits, each ≤ 1e-5
 * relative (max |difference| over max |reference| of the tensor). The listwise fixtures hold junk in padded cells,
 * which the mask must hide; the in-batch-negative cases are built with our own pairing and compared with
 * sentence-transformers' full forward, so the column order is checked too.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { tf } from '../../lib/backend.js';
import { UsageError } from '../../lib/errors.js';
import {
  binaryCrossEntropyLoss,
  chunkGradients,
  chunkPairs,
  flattenPairs,
  inBatchNegatives,
  lambdaLoss,
  listNetLoss,
  lossAndScoreGradient,
  marginMseLoss,
  multipleNegativesRankingLoss,
  padLabels,
  padLogits,
  pickInBatchNegatives,
  rankNetLoss,
  scoresFromChunks,
  type LambdaLossOptions,
  type MultipleNegativesRankingOptions,
  type ScoreActivation,
  type WeightingScheme,
} from '../../lib/cross-encoder/losses/index.js';
import { expectWithin } from '../helpers/parity.js';
import { REPO_ROOT } from '../helpers/paths.js';

interface Options {
  activation?: ScoreActivation;
  scheme?: WeightingScheme['name'];
  mu?: number;
  k?: number;
  sigma?: number;
  eps?: number;
  reductionLog?: 'binary' | 'natural';
  scale?: number;
  numNegatives?: number | null;
  miniBatchSize?: number;
  posWeight?: number;
}
interface Case {
  name: string;
  kind: 'listwise' | 'mnrl-matrix' | 'mnrl-forward' | 'cmnrl-forward' | 'margin' | 'bce';
  options: Options;
  value: number;
  grad: number[] | number[][];
  logits?: number[] | number[][];
  labels?: number[] | number[][];
  mask?: boolean[][];
  scores?: number[][];
  table?: number[][];
  columns?: number;
  cache?: number[][];
}
const fixture = JSON.parse(readFileSync(path.join(REPO_ROOT, 'spec', 'fixtures', 'ce-losses.json'), 'utf-8')) as { cases: Case[] };
const byName = (name: string): Case => fixture.cases.find((c) => c.name === name)!;

const TOL = 1e-5;
const worst = { value: 0, grad: 0, valueCase: '', gradCase: '' };

/** max |got − want| / max |want|; a zero reference must be met exactly (up to 1e-12). */
function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).to.equal(want.length);
  let d = 0;
  let m = 0;
  for (let i = 0; i < want.length; i++) {
    d = Math.max(d, Math.abs(got[i] - want[i]));
    m = Math.max(m, Math.abs(want[i]));
  }
  return m === 0 ? (d <= 1e-12 ? 0 : d) : d / m;
}

function record(c: Case, value: number, grad: ArrayLike<number>): void {
  const ev = relErr([value], [c.value]);
  const eg = relErr(grad, (c.grad as number[][]).flat());
  if (ev > worst.value) Object.assign(worst, { value: ev, valueCase: c.name });
  if (eg > worst.grad) Object.assign(worst, { grad: eg, gradCase: c.name });
  expectWithin('ce-losses value (rel)', ev, TOL, `${c.name}: ${value} vs ${c.value}`);
  expectWithin('ce-losses gradient (rel)', eg, TOL, c.name);
}

/** Value and gradient of f at x, and that nothing but the inputs outlives the call. */
async function valueAndGradOf(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor): Promise<{ value: number; grad: Float32Array }> {
  const before = tf.memory().numTensors;
  const { value, grad } = tf.valueAndGrad(f)(x);
  const out = { value: (await value.data())[0], grad: (await grad.data()) as Float32Array };
  tf.dispose([value, grad]);
  expect(tf.memory().numTensors, 'tensors left behind').to.equal(before);
  return out;
}

function lambdaOptions(o: Options): LambdaLossOptions {
  const scheme: WeightingScheme | undefined = o.scheme === undefined ? undefined : o.scheme === 'NDCGLoss2PPScheme' ? { name: o.scheme, mu: o.mu } : { name: o.scheme };
  return { weightingScheme: scheme, k: o.k, sigma: o.sigma, eps: o.eps, reductionLog: o.reductionLog, activation: o.activation };
}

function listwiseLoss(c: Case): (x: tf.Tensor, y: tf.Tensor, mask: tf.Tensor) => tf.Scalar {
  const o = c.options;
  if (c.name.startsWith('ListNetLoss/')) return (x, y, mask) => listNetLoss(x, y, { mask, activation: o.activation });
  if (c.name.startsWith('RankNetLoss/')) return (x, y, mask) => rankNetLoss(x, y, { mask, ...lambdaOptions(o) });
  return (x, y, mask) => lambdaLoss(x, y, { mask, ...lambdaOptions(o) });
}

function mnrlOptions(o: Options): MultipleNegativesRankingOptions {
  return { scale: o.scale, activation: o.activation };
}

/**
 * The [B, 1 + k] score matrix sentence-transformers' forward builds from the [B, B·C] table (query i, flat candidate
 * j = c·B + r), with our in-batch negatives; `at[i][col]` is the table cell each score came from.
 */
function scoresFromTable(table: number[][], C: number, numNegatives: number | null): { scores: number[][]; at: number[][] } {
  const B = table.length;
  const negatives = inBatchNegatives(B, C, numNegatives, 0);
  const at = table.map((_, i) => [i, ...negatives.map((slot) => slot[i]), ...Array.from({ length: C - 1 }, (_, h) => (h + 1) * B + i)]);
  return { scores: at.map((row, i) => row.map((j) => table[i][j])), at };
}

/** The gradient w.r.t. the scores scattered back onto the table, as torch's backward through table[q, d] does. */
function scatterToTable(dScores: ArrayLike<number>, at: number[][], B: number, width: number): number[] {
  const out = new Array<number>(B * width).fill(0);
  const cols = at[0].length;
  at.forEach((row, i) => row.forEach((j, c) => (out[i * width + j] += dScores[i * cols + c])));
  return out;
}

describe('cross-encoder ranking losses vs sentence-transformers 6.2', () => {
  after(() => {
    process.stdout.write(`      worst value ${worst.value.toExponential(2)} (${worst.valueCase}), worst gradient ${worst.grad.toExponential(2)} (${worst.gradCase})\n`);
  });

  for (const c of fixture.cases) {
    it(`${c.name}: value and gradient wrt the logits ≤ 1e-5 relative`, async () => {
      switch (c.kind) {
        case 'listwise': {
          const [x, y] = [tf.tensor2d(c.logits as number[][]), tf.tensor2d(c.labels as number[][])];
          const mask = tf.tensor2d(c.mask!.map((r) => r.map(Number)));
          const loss = listwiseLoss(c);
          const { value, grad } = await valueAndGradOf((t) => loss(t, y, mask), x);
          record(c, value, grad);
          tf.dispose([x, y, mask]);
          break;
        }
        case 'mnrl-matrix': {
          const s = tf.tensor2d(c.scores!);
          const { value, grad } = await valueAndGradOf((t) => multipleNegativesRankingLoss(t, mnrlOptions(c.options)), s);
          record(c, value, grad);
          s.dispose();
          break;
        }
        case 'mnrl-forward':
        case 'cmnrl-forward': {
          const table = c.table!;
          const numNegatives = c.kind === 'cmnrl-forward' ? null : c.options.numNegatives!;
          const { scores, at } = scoresFromTable(table, c.columns!, numNegatives);
          const s = tf.tensor2d(scores);
          const { value, grad } = await valueAndGradOf((t) => multipleNegativesRankingLoss(t, mnrlOptions(c.options)), s);
          record(c, value, scatterToTable(grad, at, table.length, table[0].length));
          s.dispose();
          break;
        }
        case 'margin': {
          const [x, y] = [tf.tensor2d(c.logits as number[][]), tf.tensor(c.labels!)];
          const { value, grad } = await valueAndGradOf((t) => marginMseLoss(t, y, { activation: c.options.activation }), x);
          record(c, value, grad);
          tf.dispose([x, y]);
          break;
        }
        case 'bce': {
          const [x, y] = [tf.tensor1d(c.logits as number[]), tf.tensor1d(c.labels as number[])];
          const { value, grad } = await valueAndGradOf((t) => binaryCrossEntropyLoss(t, y, { posWeight: c.options.posWeight, activation: c.options.activation }), x);
          record(c, value, grad);
          tf.dispose([x, y]);
          break;
        }
      }
    });
  }

  it('CachedMultipleNegativesRankingLoss: chunked scores, loss and cached gradients equal sentence-transformers GradCache', async () => {
    const c = byName('CachedMultipleNegativesRankingLoss/forward-mini5');
    const table = c.table!;
    const B = table.length;
    const { scores, at } = scoresFromTable(table, c.columns!, null);
    // Step 1 as the trainer will do it: pairs in ST's order, chunked, "scored" (here: looked up) chunk by chunk.
    const columns = at[0].map((_, col) => at.map((row) => row[col]));
    const pairs = flattenPairs(
      table.map((_, i) => i),
      columns,
    );
    const chunks = chunkPairs(pairs, c.options.miniBatchSize);
    expect(chunks.map((ch) => ch.length)).to.deep.equal(c.cache!.map((g) => g.length));
    const before = tf.memory().numTensors;
    const chunkLogits = chunks.map((ch) => tf.tensor1d(ch.map(([q, d]) => table[q][d])));
    const s = scoresFromChunks(chunkLogits, B);
    expect(relErr(await s.data(), scores.flat())).to.equal(0);
    // Step 2: the loss and d loss / d scores, equal to the uncached loss's.
    const { loss, dScores } = lossAndScoreGradient(s);
    expectWithin('ce-losses value (rel)', relErr(await loss.data(), [c.value]), TOL, 'CMNRL loss');
    const uncached = await valueAndGradOf((t) => multipleNegativesRankingLoss(t), s);
    expect(relErr(await dScores.data(), uncached.grad)).to.equal(0);
    // Step 3's input: the per-chunk cache equals ST's, and lands on the table as ST's backward hook put it.
    const cache = chunkGradients(dScores, chunks.map((ch) => ch.length));
    for (const [i, g] of cache.entries()) expectWithin('ce-losses gradient (rel)', relErr(await g.data(), c.cache![i]), TOL, `cache chunk ${i}`);
    const flatCache = (await Promise.all(cache.map((g) => g.data()))).flatMap((d) => Array.from(d));
    const onTable = new Array<number>(B * table[0].length).fill(0);
    pairs.forEach(([q, d], p) => (onTable[q * table[0].length + d] += flatCache[p]));
    expectWithin('ce-losses gradient (rel)', relErr(onTable, (c.grad as number[][]).flat()), TOL, 'CMNRL table gradient');
    tf.dispose([...chunkLogits, s, loss, dScores, ...cache]);
    expect(tf.memory().numTensors).to.equal(before);
  });

  it('padLogits / padLabels give the listwise losses what sentence-transformers pads itself', async () => {
    const c = byName('LambdaLoss/NDCGLoss2PPScheme');
    const docs = c.mask!.map((r) => r.filter(Boolean).length);
    const flat = (c.logits as number[][]).flatMap((r, i) => r.slice(0, docs[i]));
    const { labels, mask } = padLabels((c.labels as number[][]).map((r, i) => r.slice(0, docs[i])));
    const x = tf.tensor1d(flat);
    const { value, grad } = await valueAndGradOf((t) => lambdaLoss(padLogits(t, docs), labels, { mask }), x);
    const want = (c.grad as number[][]).flatMap((r, i) => r.slice(0, docs[i]));
    expectWithin('ce-losses value (rel)', relErr([value], [c.value]), TOL, 'padded LambdaLoss');
    expectWithin('ce-losses gradient (rel)', relErr(grad, want), TOL, 'padded LambdaLoss');
    tf.dispose([x, labels, mask]);
  });

  it('padLogits of a single query is differentiable (a batch of one query: the last, partial batch of an epoch)', async () => {
    const c = byName('LambdaLoss/NDCGLoss2PPScheme');
    const docs = c.mask![0].filter(Boolean).length;
    const { labels, mask } = padLabels([(c.labels as number[][])[0].slice(0, docs)]);
    const x = tf.tensor1d((c.logits as number[][])[0].slice(0, docs));
    const whole = await valueAndGradOf((t) => lambdaLoss(tf.reshape(t, [1, docs]), labels, { mask }), x);
    const padded = await valueAndGradOf((t) => lambdaLoss(padLogits(t, [docs]), labels, { mask }), x);
    expect(padded.value).to.equal(whole.value);
    expect(Array.from(padded.grad)).to.deep.equal(Array.from(whole.grad));
    expect(Math.max(...Array.from(padded.grad, Math.abs)), 'a real gradient').to.be.greaterThan(0);
    tf.dispose([x, labels, mask]);
  });

  it('inBatchNegatives: ST order when taking all, otherwise seeded, distinct and never the own row', () => {
    expect(inBatchNegatives(3, 2, null, 1)).to.deep.equal([
      [1, 0, 0],
      [2, 2, 1],
      [4, 3, 3],
      [5, 5, 4],
    ]);
    expect(inBatchNegatives(3, 2, 4, 9)).to.deep.equal(inBatchNegatives(3, 2, null, 9)); // 4 = all (B − 1)·C
    const a = inBatchNegatives(8, 2, 3, 42);
    expect(a).to.deep.equal(inBatchNegatives(8, 2, 3, 42));
    expect(a).to.not.deep.equal(inBatchNegatives(8, 2, 3, 43));
    expect(a).to.have.length(3);
    for (let i = 0; i < 8; i++) {
      const picks = a.map((slot) => slot[i]);
      expect(new Set(picks).size, `query ${i} distinct`).to.equal(3);
      for (const j of picks) expect(j % 8, `query ${i} never its own row`).to.not.equal(i);
    }
    expect(pickInBatchNegatives([['p0', 'p1'], ['h0', 'h1']], null, 0)).to.deep.equal([
      ['p1', 'p0'],
      ['h1', 'h0'],
    ]);
  });

  it('wrong shapes and options are usage errors that say what is wrong', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => usageErrors());
    expect(tf.memory().numTensors).to.equal(before);
  });
});

function usageErrors(): void {
  const m = tf.zeros([2, 3]);
  const wrong = tf.zeros([2, 4]);
  expect(() => listNetLoss(tf.zeros([3]), m)).to.throw(UsageError, /listNetLoss: logits must have shape \[B, n\]/);
  expect(() => listNetLoss(m, wrong)).to.throw(UsageError, /labels must have the logits' shape \[2, 3\] \(got \[2, 4\]\)/);
  expect(() => lambdaLoss(m, m, { mask: wrong })).to.throw(UsageError, /lambdaLoss: mask must have the logits' shape/);
  expect(() => lambdaLoss(m, m, { k: 0 })).to.throw(UsageError, /k must be a positive integer/);
  expect(() => lambdaLoss(m, m, { weightingScheme: { name: 'Nope' } as unknown as WeightingScheme })).to.throw(UsageError, /unknown weighting scheme/);
  expect(() => rankNetLoss(tf.zeros([0, 3]), tf.zeros([0, 3]))).to.throw(UsageError, /empty/);
  expect(() => multipleNegativesRankingLoss(tf.zeros([4]))).to.throw(UsageError, /scores must have shape \[B, n\]/);
  expect(() => marginMseLoss(m, tf.zeros([2, 5]))).to.throw(UsageError, /teacher's 2 margins \[2, 2\] or its 3 scores \[2, 3\]/);
  expect(() => marginMseLoss(tf.zeros([2, 1]), tf.zeros([2]))).to.throw(UsageError, /at least one negative/);
  expect(() => binaryCrossEntropyLoss(m, tf.zeros([2]))).to.throw(UsageError, /\[B\] or \[B, 1\]/);
  expect(() => inBatchNegatives(4, 1, 0, 0)).to.throw(UsageError, /numNegatives must be a positive integer/);
  expect(() => chunkPairs([1, 2], 0)).to.throw(UsageError, /miniBatchSize/);
  expect(() => scoresFromChunks([tf.zeros([5]) as tf.Tensor1D], 2)).to.throw(UsageError, /5 logits do not make whole columns of 2/);
  expect(() => padLabels([[1], []])).to.throw(UsageError, /query 1 has 0 documents/);
  expect(() => padLogits(tf.zeros([3]), [1, 1])).to.throw(UsageError, /shape \[2\]/);
  expect(() => flattenPairs([1, 2], [[1]])).to.throw(UsageError, /column 0 has 1 documents for 2 queries/);
}
