/**
 * CrossEncoderNanoBEIREvaluator against sentence-transformers 6.2's, both reading the same NanoBEIR-shaped files
 * (spec/fixtures/nano-beir/dataset: parquet written by pyarrow, with the README `configs` that datasets.load_dataset
 * reads; expected.json from bench/rerank_eval_fixtures.py). Ours downloads them from a real HTTP server on 127.0.0.1
 * speaking the Hub's protocol (spec/helpers/hub-server.ts), into a huggingface_hub-shaped cache, and also reads the
 * folder directly. Runs: a stub model (scores from a seeded (query, document) table) and the real tiny model.
 */
import { existsSync, readFileSync, promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import '../../lib/backend.js';
import { CrossEncoder, type Pair } from '../../lib/cross-encoder/model.js';
import { loadNanoBeirSamples, openSource } from '../../lib/cross-encoder/evaluation/nano-beir-data.js';
import { CrossEncoderNanoBEIREvaluator, type NanoBeirEvaluatorOptions } from '../../lib/cross-encoder/evaluation/nano-beir-evaluator.js';
import type { RerankingSample } from '../../lib/cross-encoder/evaluation/reranking-evaluator.js';
import { DataError, UsageError } from '../../lib/errors.js';
import type { HubOptions } from '../../lib/io/hub-options.js';
import { startHubServer, type HubServer } from '../helpers/hub-server.js';
import { fixtureModel, REPO_ROOT } from '../helpers/paths.js';
import { expectCsv } from '../helpers/st-csv.js';

interface Run {
  model: string;
  kwargs: { dataset_names: string[]; rerank_k: number; at_k: number; always_rerank_positives?: boolean };
  metrics: Record<string, number>;
  primary_metric: string;
  csvs: Record<string, string>;
  samples: Record<string, RerankingSample[]>;
}
const FIXTURE = path.join(REPO_ROOT, 'spec', 'fixtures', 'nano-beir');
const DATASET = path.join(FIXTURE, 'dataset');
const expected = JSON.parse(readFileSync(path.join(FIXTURE, 'expected.json'), 'utf-8')) as { stub_scores: Record<string, number>; runs: Run[] };
const REPO = 'sentence-transformers/NanoBEIR-en';

function options(r: Run, extra: NanoBeirEvaluatorOptions): NanoBeirEvaluatorOptions {
  return { datasetNames: r.kwargs.dataset_names, rerankK: r.kwargs.rerank_k, atK: r.kwargs.at_k, alwaysRerankPositives: r.kwargs.always_rerank_positives, ...extra };
}

const stubScorer = (pairs: Pair[]): Promise<number[]> =>
  Promise.resolve(
    pairs.map(([q, d]) => {
      const s = expected.stub_scores[`${q}\u0000${d}`];
      if (s === undefined) throw new Error(`no stub score for ${JSON.stringify([q, d])}`);
      return s;
    }),
  );

describe('CrossEncoderNanoBEIREvaluator vs sentence-transformers on the same files (local Hub server)', function () {
  let server: HubServer;
  let tmp: string;
  let hub: HubOptions;
  let tiny: CrossEncoder;

  before(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'nano-beir-'));
    // 1 kB: the larger parquet files go through the LFS redirect to the "CDN", as on the Hub.
    server = await startHubServer({ repos: { [REPO]: { dir: DATASET, type: 'dataset' } }, lfsThreshold: 1000 });
    hub = { endpoint: server.endpoint, cacheDir: path.join(tmp, 'cache'), token: '', showProgress: false };
    tiny = await CrossEncoder.fromPretrained(fixtureModel('tiny-bert-cross-encoder'));
  });
  after(async () => {
    tiny?.dispose();
    await server?.stop();
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  for (const [i, r] of expected.runs.entries()) {
    it(`${r.model}, ${r.kwargs.dataset_names.join('+')}, rerank_k ${r.kwargs.rerank_k}, at_k ${r.kwargs.at_k}${r.kwargs.always_rerank_positives === false ? ', always_rerank_positives false' : ''}: metrics ≤ 1e-9, keys, CSVs`, async () => {
      const ev = await CrossEncoderNanoBEIREvaluator.load(options(r, { hub }));
      expect(ev.evaluators.map((e) => e.name)).to.deep.equal(Object.keys(r.samples));
      const out = path.join(tmp, `out-${i}`);
      const got = await ev.evaluate(r.model === 'stub' ? stubScorer : tiny, { outputDir: out });
      expect(Object.keys(got.metrics), "keys, in ST's order").to.deep.equal(Object.keys(r.metrics));
      for (const [k, v] of Object.entries(r.metrics)) expect(Math.abs(got.metrics[k] - v), `${k}: ${got.metrics[k]} vs ${v}`).to.be.at.most(1e-9);
      expect(ev.primaryMetric).to.equal(r.primary_metric);
      expect((await fsp.readdir(path.join(out, 'eval'))).sort()).to.deep.equal(Object.keys(r.csvs).sort());
      for (const [file, text] of Object.entries(r.csvs)) expectCsv(await fsp.readFile(path.join(out, 'eval', file), 'utf-8'), text, file.startsWith('NanoBEIR_') ? '\n' : '\r\n');
    });
  }

  it('the samples are ST\'s: query, BM25 documents cut at rerank_k, the judged positives (ST keeps them in a set)', async () => {
    const r = expected.runs[0];
    const ev = await CrossEncoderNanoBEIREvaluator.load(options(r, { hub }));
    expect(ev.evaluators.map((e) => e.name)).to.deep.equal(Object.keys(r.samples));
    // The evaluators keep their samples private; read them the way load() does to compare with ST's.
    const source = await openSource(REPO, hub);
    for (const [name, want] of Object.entries(r.samples)) {
      const got = await loadNanoBeirSamples(source, name.replace(/_R\d+$/, ''), r.kwargs.rerank_k);
      expect(got.map((s) => [s.query, s.documents])).to.deep.equal(want.map((s) => [s.query, s.documents]));
      expect(got.map((s) => [...s.positive].sort())).to.deep.equal(want.map((s) => [...s.positive].sort()));
    }
  });

  it('downloads into the huggingface_hub cache layout; offline, the cache alone is enough', async () => {
    const snapshots = path.join(hub.cacheDir!, 'datasets--sentence-transformers--NanoBEIR-en', 'snapshots');
    const [commit] = await fsp.readdir(snapshots);
    expect(commit).to.equal(server.commitOf(REPO, 'main', 'dataset'));
    for (const subset of ['corpus', 'queries', 'qrels', 'bm25']) expect(existsSync(path.join(snapshots, commit, subset, 'NanoMSMARCO-00000-of-00001.parquet')), subset).to.equal(true);
    const before = server.requests.length;
    const r = expected.runs[0];
    const ev = await CrossEncoderNanoBEIREvaluator.load(options(r, { hub: { ...hub, offline: true } }));
    const got = await ev.evaluate(stubScorer);
    expect(server.requests.length, 'no request offline').to.equal(before);
    expect(Math.abs(got.metrics[r.primary_metric] - r.metrics[r.primary_metric])).to.be.at.most(1e-9);
  });

  it('reads a local folder of the same files', async () => {
    const r = expected.runs[0];
    const ev = await CrossEncoderNanoBEIREvaluator.load(options(r, { datasetId: DATASET }));
    const got = await ev.evaluate(stubScorer);
    for (const [k, v] of Object.entries(r.metrics)) expect(Math.abs(got.metrics[k] - v), k).to.be.at.most(1e-9);
  });

  it('unknown dataset names, an empty list and a missing split are clear errors', async () => {
    const e1 = await CrossEncoderNanoBEIREvaluator.load({ datasetNames: ['msmarco', 'nope'], datasetId: DATASET }).catch((e: unknown) => e);
    expect(e1).to.be.instanceOf(UsageError);
    expect((e1 as Error).message).to.match(/"nope" is not a NanoBEIR dataset; valid names: climatefever/);
    const e2 = await CrossEncoderNanoBEIREvaluator.load({ datasetNames: [], datasetId: DATASET }).catch((e: unknown) => e);
    expect((e2 as Error).message).to.match(/datasetNames is empty/);
    const e3 = await CrossEncoderNanoBEIREvaluator.load({ datasetNames: ['scifact'], datasetId: DATASET }).catch((e: unknown) => e);
    expect(e3).to.be.instanceOf(DataError);
    expect((e3 as Error).message).to.match(/no parquet files for subset "corpus" split "NanoSciFact".*corpus\/NanoMSMARCO-00000-of-00001\.parquet/);
  });
});
