/**
 * Each bi-encoder loss against sentence-transformers' own loss class on the same embeddings and labels
 * (spec/fixtures/st-losses.json, written by bench/st_fixtures.py losses): value and gradient with respect to every
 * embedding column, ≤ 1e-5 relative.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { tf } from '../../lib/backend.js';
import { UsageError } from '../../lib/errors.js';
import {
  AnglELoss,
  CachedMultipleNegativesRankingLoss,
  CoSENTLoss,
  CosineSimilarityLoss,
  MultipleNegativesRankingLoss,
  MultipleNegativesSymmetricRankingLoss,
  type EmbeddingLoss,
} from '../../lib/sentence-transformer/losses/index.js';
import { REPO_ROOT } from '../helpers/paths.js';

interface Case {
  name: string;
  labels: number[] | null;
  columns: number[][][];
  value: number;
  grads: number[][][];
}
const fixture = JSON.parse(readFileSync(path.join(REPO_ROOT, 'spec', 'fixtures', 'st-losses.json'), 'utf-8')) as { cases: Case[] };

const LOSSES: Record<string, () => EmbeddingLoss> = {
  CosineSimilarityLoss: () => new CosineSimilarityLoss(),
  CoSENTLoss: () => new CoSENTLoss(),
  AnglELoss: () => new AnglELoss(),
  MultipleNegativesRankingLoss: () => new MultipleNegativesRankingLoss(),
  'MultipleNegativesRankingLoss/triplets': () => new MultipleNegativesRankingLoss(),
  MultipleNegativesSymmetricRankingLoss: () => new MultipleNegativesSymmetricRankingLoss(),
  'CachedMultipleNegativesRankingLoss/mini4': () => new CachedMultipleNegativesRankingLoss(20, 4),
};

/** max |a − b| over max |b|: relative to the tensor's scale, so near-zero components do not dominate. */
function relErr(got: ArrayLike<number>, want: number[]): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < want.length; i++) {
    d = Math.max(d, Math.abs(got[i] - want[i]));
    m = Math.max(m, Math.abs(want[i]));
  }
  return d / m;
}

describe('sentence-transformer losses vs sentence-transformers', () => {
  it('the fixture covers every loss', () => {
    expect(fixture.cases.map((c) => c.name).sort()).to.deep.equal(Object.keys(LOSSES).sort());
  });

  for (const c of fixture.cases) {
    it(`${c.name}: value and gradient wrt the embeddings ≤ 1e-5 relative`, async () => {
      const loss = LOSSES[c.name]();
      const cols = c.columns.map((x) => tf.tensor2d(x));
      const labels = c.labels ? tf.tensor1d(c.labels) : undefined;
      const before = tf.memory().numTensors;
      const { value, grads } = tf.tidy(() => {
        const f = (...xs: tf.Tensor[]) => loss.fromEmbeddings(xs as tf.Tensor2D[], labels);
        return tf.valueAndGrads(f)(cols);
      });
      const v = (await value.data())[0];
      expect(Math.abs(v - c.value) / Math.abs(c.value), `value ${v} vs ${c.value}`).to.be.at.most(1e-5);
      for (const [i, g] of grads.entries()) {
        const err = relErr(await g.data(), c.grads[i].flat());
        expect(err, `column ${i} gradient`).to.be.at.most(1e-5);
      }
      tf.dispose([value, ...grads]);
      expect(tf.memory().numTensors).to.equal(before);
      tf.dispose([...cols, ...(labels ? [labels] : [])]);
    });
  }

  it('CachedMultipleNegativesRankingLoss equals MultipleNegativesRankingLoss for every chunk size', async () => {
    const c = fixture.cases.find((x) => x.name === 'MultipleNegativesRankingLoss/triplets')!;
    const cols = c.columns.map((x) => tf.tensor2d(x));
    for (const mini of [1, 2, 5, 6, 100]) {
      const v = tf.tidy(() => new CachedMultipleNegativesRankingLoss(20, mini).fromEmbeddings(cols));
      expect(Math.abs((await v.data())[0] - c.value) / c.value, `mini-batch ${mini}`).to.be.at.most(1e-5);
      v.dispose();
    }
    tf.dispose(cols);
  });

  it('wrong inputs are usage errors that say what is wrong', () => {
    const a = tf.ones([3, 4]) as tf.Tensor2D;
    expect(() => new CoSENTLoss().fromEmbeddings([a, a])).to.throw(UsageError, /needs a label/);
    expect(() => new CosineSimilarityLoss().fromEmbeddings([a], tf.ones([3]) as tf.Tensor1D)).to.throw(UsageError, /2 text columns/);
    expect(() => new MultipleNegativesRankingLoss().fromEmbeddings([a])).to.throw(UsageError, /anchor, positive/);
    expect(() => new CosineSimilarityLoss().fromEmbeddings([a, a], tf.ones([2]) as tf.Tensor1D)).to.throw(UsageError, /3 pairs but 2 labels/);
    expect(() => new CachedMultipleNegativesRankingLoss(20, 0)).to.throw(UsageError, /miniBatchSize/);
    a.dispose();
  });
});
