/**
 * SentenceTransformer.encode against Python's SentenceTransformer.encode:
 * - the committed tiny random model (spec/fixtures/models/tiny-st-bert, bench/st_fixtures.py tiny): the saved
 *   pipeline (mean → Dense(tanh) → Normalize), every pooling mode alone, three at once, a prompt left out of the
 *   pooling, normalize: ≤ 1e-5 per component;
 * - the real all-MiniLM-L6-v2 (bench/models, from bench/prepare_models.py) on all 2758 STSb test sentences
 *   (bench/results/st-encode-minilm.*, bench/st_fixtures.py minilm): ≤ 1e-5 per component, and the test-split
 *   cosine Pearson / Spearman equal to sentence-transformers' EmbeddingSimilarityEvaluator to 1e-6. Skipped, saying
 *   why, where those untracked files are absent.
 */
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { loadStsbFromDir } from '../../lib/data/index.js';
import { SentenceTransformer } from '../../lib/sentence-transformer/model.js';
import { EmbeddingSimilarityEvaluator } from '../../lib/sentence-transformer/evaluation/index.js';
import { fixtureModel, REPO_ROOT, STSB_DIR } from '../helpers/paths.js';

const TINY = fixtureModel('tiny-st-bert');
const expected = JSON.parse(readFileSync(path.join(TINY, 'expected.json'), 'utf-8')) as {
  texts: string[];
  prompt: string;
  pipeline: number[][];
  pipeline_normalized: number[][];
  pooling: Record<string, number[][]>;
  prompt_excluded_mean: number[][];
  prompt_included_mean: number[][];
};

export function maxAbsDiff(got: readonly Float32Array[], want: readonly ArrayLike<number>[]): number {
  expect(got.length).to.equal(want.length);
  let d = 0;
  got.forEach((row, i) => {
    expect(row.length, `row ${i} width`).to.equal(want[i].length);
    for (let j = 0; j < row.length; j++) d = Math.max(d, Math.abs(row[j] - want[i][j]));
  });
  return d;
}

/** A copy of the tiny model's Transformer with only a Pooling module of this config. */
async function withPooling(config: Record<string, unknown>): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'st-pool-'));
  for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'sentence_bert_config.json']) await fsp.copyFile(path.join(TINY, f), path.join(dir, f));
  await fsp.mkdir(path.join(dir, '1_Pooling'));
  await fsp.writeFile(path.join(dir, '1_Pooling', 'config.json'), JSON.stringify({ word_embedding_dimension: 32, ...config }));
  const modules = [
    { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
    { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
  ];
  await fsp.writeFile(path.join(dir, 'modules.json'), JSON.stringify(modules));
  return dir;
}

describe('SentenceTransformer.encode vs sentence-transformers (tiny fixture)', () => {
  let model: SentenceTransformer;
  before(async () => {
    model = await SentenceTransformer.fromPretrained(TINY);
  });
  after(() => model.dispose());

  it('reads the pipeline the folder describes', () => {
    expect(model.modules.map((m) => m.kind)).to.deep.equal(['transformer', 'pooling', 'dense', 'normalize']);
    expect(model.maxSeqLength).to.equal(24);
    expect(model.dimension).to.equal(16);
    expect(model.similarityFnName).to.equal('cosine');
  });

  it('Transformer → mean → Dense(tanh) → Normalize: ≤ 1e-5, in input order, whatever the batch size', async () => {
    for (const batchSize of [1, 3, 32]) {
      expect(maxAbsDiff(await model.encode(expected.texts, { batchSize, showProgress: false }), expected.pipeline), `batch ${batchSize}`).to.be.at.most(1e-5);
    }
    expect(maxAbsDiff(await model.encode(expected.texts, { normalize: true, showProgress: false }), expected.pipeline_normalized)).to.be.at.most(1e-5);
  });

  for (const mode of ['cls', 'max', 'mean', 'mean_sqrt_len_tokens', 'weightedmean', 'lasttoken', 'cls+max+mean']) {
    it(`pooling ${mode}: ≤ 1e-5`, async () => {
      const cfg = mode.includes('+') ? { pooling_mode_cls_token: true, pooling_mode_max_tokens: true, pooling_mode_mean_tokens: true } : { pooling_mode: mode };
      const dir = await withPooling(cfg);
      const m = await SentenceTransformer.fromPretrained(dir);
      try {
        expect(maxAbsDiff(await m.encode(expected.texts, { batchSize: 3, showProgress: false }), expected.pooling[mode])).to.be.at.most(1e-5);
      } finally {
        m.dispose();
        await fsp.rm(dir, { recursive: true, force: true });
      }
    });
  }

  it('an empty prompt is no prompt, as sentence-transformers\' `if prompt:` (include_prompt false keeps [CLS]): ≤ 1e-5', async () => {
    const dir = await withPooling({ pooling_mode_mean_tokens: true, include_prompt: false });
    const m = await SentenceTransformer.fromPretrained(dir);
    try {
      expect(maxAbsDiff(await m.encode(expected.texts, { prompt: '', showProgress: false }), expected.pooling.mean)).to.be.at.most(1e-5);
    } finally {
      m.dispose();
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });

  it('a prompt, included in the pooling or left out of it (include_prompt false): ≤ 1e-5', async () => {
    for (const [include, want] of [
      [true, expected.prompt_included_mean],
      [false, expected.prompt_excluded_mean],
    ] as const) {
      const dir = await withPooling({ pooling_mode_mean_tokens: true, include_prompt: include });
      const m = await SentenceTransformer.fromPretrained(dir);
      try {
        expect(maxAbsDiff(await m.encode(expected.texts, { prompt: expected.prompt, showProgress: false }), want), `include_prompt ${include}`).to.be.at.most(1e-5);
      } finally {
        m.dispose();
        await fsp.rm(dir, { recursive: true, force: true });
      }
    }
  });
});

const MINILM = path.join(REPO_ROOT, 'bench', 'models', 'all-MiniLM-L6-v2');
const GOLDEN = path.join(REPO_ROOT, 'bench', 'results', 'st-encode-minilm.json');

describe('SentenceTransformer.encode vs sentence-transformers (real all-MiniLM-L6-v2, 2758 STSb test sentences)', function () {
  this.timeout(900_000);
  const missing = [MINILM, GOLDEN, STSB_DIR].filter((p) => !existsSync(p));
  before(function () {
    if (missing.length) {
      console.log(`    skipped: ${missing.join(', ')} missing (bench/prepare_models.py, then bench/st_fixtures.py minilm)`);
      this.skip();
    }
  });

  it('max |Δ| ≤ 1e-5 per component; test cosine Pearson and Spearman equal to 1e-6', async () => {
    const meta = JSON.parse(readFileSync(GOLDEN, 'utf-8')) as { texts: number; dim: number; metrics: Record<string, number> };
    const buf = readFileSync(GOLDEN.replace(/\.json$/, '.f32'));
    const flat = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
    const want = Array.from({ length: meta.texts }, (_, i) => flat.subarray(i * meta.dim, (i + 1) * meta.dim));
    const test = (await loadStsbFromDir(STSB_DIR, 'test')).examples;
    const texts = [...test.map((e) => e.sentence1), ...test.map((e) => e.sentence2)];
    expect(texts.length).to.equal(2758);
    const model = await SentenceTransformer.fromPretrained(MINILM);
    try {
      const got = await model.encode(texts, { showProgress: false });
      const d = maxAbsDiff(got, want);
      console.log(`    max |Δ| over ${texts.length} × ${meta.dim}: ${d.toExponential(2)}`);
      expect(d).to.be.at.most(1e-5);
      const ev = EmbeddingSimilarityEvaluator.fromExamples(test, 'sts-test', { similarityFnNames: ['cosine', 'euclidean', 'manhattan', 'dot'] });
      const r = await ev.evaluate((t) => model.encode(t, { showProgress: false }));
      for (const [k, v] of Object.entries(r.metrics)) {
        console.log(`    ${k}: ours ${v.toFixed(8)}, sentence-transformers ${meta.metrics[k].toFixed(8)}, Δ ${Math.abs(v - meta.metrics[k]).toExponential(1)}`);
      }
      expect(Math.abs(r.metrics['sts-test_pearson_cosine'] - meta.metrics['sts-test_pearson_cosine'])).to.be.at.most(1e-6);
      expect(Math.abs(r.metrics['sts-test_spearman_cosine'] - meta.metrics['sts-test_spearman_cosine'])).to.be.at.most(1e-6);
    } finally {
      model.dispose();
    }
  });
});
