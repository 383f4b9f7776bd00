import { expect } from 'chai';
import { promises as fsp, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../lib/errors.js';
import { pearson, pyFloatRepr, rankAverage, spearman } from '../lib/evaluation/index.js';
import { CrossEncoderCorrelationEvaluator, type SentencePair } from '../lib/cross-encoder/evaluation/index.js';

interface Case {
  x: number[];
  y: number[];
  pearson: number;
  spearman: number;
}
const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(path.join(here, 'fixtures', 'correlation.json'), 'utf8')) as { cases: Case[] };

describe('correlation', () => {
  for (const c of fixture.cases) {
    it(`matches scipy within 1e-9 (n = ${c.x.length})`, () => {
      expect(Math.abs(pearson(c.x, c.y) - c.pearson)).to.be.lessThan(1e-9);
      expect(Math.abs(spearman(c.x, c.y) - c.spearman)).to.be.lessThan(1e-9);
    });
  }

  it('the fixture really has -0.0 and 0.0, and they tie', () => {
    const c = fixture.cases.find((k) => k.x.length === 57);
    expect(c).to.not.equal(undefined);
    expect(c!.x.some((v) => Object.is(v, -0))).to.equal(true);
    expect(c!.x.some((v) => Object.is(v, 0))).to.equal(true);
    expect(Array.from(rankAverage([0, -0, 1, -0]))).to.deep.equal([2, 2, 4, 2]);
  });

  it('rankAverage averages ties like scipy.stats.rankdata', () => {
    // rankdata([10, 20, 10, 30, 20, 20]) == [1.5, 4, 1.5, 6, 4, 4]
    expect(Array.from(rankAverage([10, 20, 10, 30, 20, 20]))).to.deep.equal([1.5, 4, 1.5, 6, 4, 4]);
    expect(Array.from(rankAverage([3, 1, 2]))).to.deep.equal([3, 1, 2]);
    expect(Array.from(rankAverage([]))).to.deep.equal([]);
  });

  it('perfectly (anti)correlated input gives ±1', () => {
    const x = [0.1, 0.7, 0.3, 0.9, 0.2];
    expect(pearson(x, x.map((v) => 3 * v + 2))).to.be.closeTo(1, 1e-15);
    expect(pearson(x, x)).to.equal(1);
    expect(pearson(x, x.map((v) => -v))).to.equal(-1);
    expect(spearman(x, x.map((v) => Math.exp(v)))).to.equal(1);
  });

  it('handles huge and tiny magnitudes without overflow', () => {
    const x = [1, 2, 3, 5];
    const y = [2, 1, 4, 3];
    const r = pearson(x, y);
    expect(pearson(x.map((v) => v * 1e200), y.map((v) => v * 1e200))).to.be.closeTo(r, 1e-15);
    expect(pearson(x.map((v) => v * 1e-200), y.map((v) => v * 1e-200))).to.be.closeTo(r, 1e-15);
  });

  it('is stable under a large offset (two-pass, not sum-of-squares)', () => {
    const c = fixture.cases[0];
    const shifted = c.x.map((v) => v + 1e8);
    // Storing x + 1e8 itself rounds x to ~1.5e-8, which bounds the achievable agreement.
    expect(Math.abs(pearson(shifted, c.y) - c.pearson)).to.be.lessThan(1e-7);
    expect(spearman(shifted, c.y)).to.equal(spearman(c.x, c.y));
  });

  it('returns NaN for constant input, as scipy does', () => {
    expect(pearson([1, 1, 1], [1, 2, 3])).to.be.NaN;
    expect(pearson([1, 2, 3], [0, -0, 0])).to.be.NaN;
    expect(spearman([2, 2, 2, 2], [4, 3, 2, 1])).to.be.NaN;
  });

  it('throws UsageError on bad input', () => {
    expect(() => pearson([1, 2], [1, 2, 3])).to.throw(UsageError, /same length/);
    expect(() => spearman([1], [1])).to.throw(UsageError, /at least 2/);
    expect(() => pearson([1, NaN, 3], [1, 2, 3])).to.throw(UsageError, /x\[1\] is NaN/);
    expect(() => spearman([1, 2, 3], [1, Infinity, 3])).to.throw(UsageError, /y\[1\] is Infinity/);
    expect(() => rankAverage([NaN])).to.throw(UsageError);
  });
});

describe('pyFloatRepr', () => {
  it("matches Python's repr(float)", () => {
    const cases: [number, string][] = [
      [0.4698469215476453, '0.4698469215476453'],
      [1, '1.0'],
      [-1, '-1.0'],
      [1e-5, '1e-05'],
      [1.5e-7, '1.5e-07'],
      [0.0001, '0.0001'],
      [123, '123.0'],
      [1e16, '1e+16'],
      [1.5e16, '1.5e+16'],
      [1234567890123456.7, '1234567890123456.8'],
      [-0.00012345, '-0.00012345'],
      [2.5e-5, '2.5e-05'],
      [0.1 + 0.2, '0.30000000000000004'],
      [1e22, '1e+22'],
      [0, '0.0'],
      [NaN, 'nan'],
    ];
    for (const [v, want] of cases) expect(pyFloatRepr(v), String(v)).to.equal(want);
  });
});

describe('CrossEncoderCorrelationEvaluator', () => {
  const pairs: SentencePair[] = [
    ['a', 'b'],
    ['c', 'd'],
    ['e', 'f'],
    ['g', 'h'],
  ];
  const labels = [0.1, 0.9, 0.4, 0.6];
  let dir: string;
  beforeEach(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'ce-eval-'));
  });
  afterEach(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('scores pairs, returns metrics and appends CSV rows with the sentence-transformers header', async () => {
    const ev = new CrossEncoderCorrelationEvaluator({ pairs, labels, name: 'sts-dev' });
    let seen: SentencePair[] = [];
    const scorer = async (p: SentencePair[]): Promise<number[]> => {
      seen = p;
      return [0.2, 0.8, 0.5, 0.3];
    };
    const r1 = await ev.evaluate(scorer, { outputDir: dir, epoch: 0, steps: 10 });
    expect(seen).to.deep.equal(pairs);
    expect(r1.pearson).to.be.closeTo(pearson(labels, [0.2, 0.8, 0.5, 0.3]), 0);
    expect(r1.spearman).to.be.closeTo(0.8, 1e-15);
    expect(r1.metrics).to.deep.equal({ 'sts-dev_pearson': r1.pearson, 'sts-dev_spearman': r1.spearman });
    await ev.evaluate(async () => [1, 2, 3, 4], { outputDir: dir, epoch: 1 });

    const file = path.join(dir, 'eval', 'CrossEncoderCorrelationEvaluator_sts-dev_results.csv');
    expect(ev.csvPath(dir)).to.equal(file);
    const lines = (await fsp.readFile(file, 'utf8')).split('\r\n');
    expect(lines[0]).to.equal('epoch,steps,Pearson_Correlation,Spearman_Correlation');
    expect(lines[1]).to.equal(`0,10,${pyFloatRepr(r1.pearson)},${pyFloatRepr(r1.spearman)}`);
    expect(lines[2]).to.match(/^1,-1,0\.\d+,0\.\d+$/);
    expect(lines[3]).to.equal('');
    expect(lines).to.have.length(4);
    // No temp files left behind by the atomic rewrite.
    expect(await fsp.readdir(path.join(dir, 'eval'))).to.deep.equal(['CrossEncoderCorrelationEvaluator_sts-dev_results.csv']);
  });

  it('writes nothing without outputDir, and honours writeCsv: false', async () => {
    const ev = CrossEncoderCorrelationEvaluator.fromExamples(
      labels.map((label, i) => ({ sentence1: pairs[i][0], sentence2: pairs[i][1], label })),
      'x',
      false,
    );
    expect(ev.pairs).to.deep.equal(pairs);
    await ev.evaluate(async () => [1, 2, 3, 4]);
    await ev.evaluate(async () => [1, 2, 3, 4], { outputDir: dir });
    expect(await fsp.readdir(dir)).to.deep.equal([]);
  });

  it('uses plain metric keys and file name when name is empty', async () => {
    const ev = new CrossEncoderCorrelationEvaluator({ pairs, labels, name: '' });
    expect(ev.csvFile).to.equal('CrossEncoderCorrelationEvaluator_results.csv');
    const r = await ev.evaluate(async () => [1, 2, 3, 4]);
    expect(Object.keys(r.metrics)).to.deep.equal(['pearson', 'spearman']);
  });

  it('reports nan (not a crash) when the model produces non-finite scores', async () => {
    const ev = new CrossEncoderCorrelationEvaluator({ pairs, labels, name: 'dev' });
    const r = await ev.evaluate(async () => [NaN, 1, 2, 3], { outputDir: dir, epoch: 2, steps: 5 });
    expect(r.pearson).to.be.NaN;
    const text = await fsp.readFile(ev.csvPath(dir), 'utf8');
    expect(text.split('\r\n')[1]).to.equal('2,5,nan,nan');
  });

  it('rejects inconsistent input', async () => {
    expect(() => new CrossEncoderCorrelationEvaluator({ pairs, labels: [1, 2], name: 'a' })).to.throw(UsageError, /4 pairs but 2 labels/);
    expect(() => new CrossEncoderCorrelationEvaluator({ pairs: [['a', 'b']], labels: [1], name: 'a' })).to.throw(UsageError, /at least 2/);
    expect(() => new CrossEncoderCorrelationEvaluator({ pairs, labels: [1, 2, NaN, 3], name: 'a' })).to.throw(UsageError, /label 2/);
    expect(() => new CrossEncoderCorrelationEvaluator({ pairs, labels, name: '../x' })).to.throw(UsageError);
    const ev = new CrossEncoderCorrelationEvaluator({ pairs, labels, name: 'a' });
    let err: unknown;
    await ev.evaluate(async () => [1, 2]).catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(UsageError);
  });
});
