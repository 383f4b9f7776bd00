/**
 * CrossEncoder.rank against sentence-transformers 6.2's CrossEncoder.rank on the same tiny models
 * (spec/fixtures/rank.json, bench/rerank_eval_fixtures.py): order (duplicates included, so the tie order shows),
 * corpus_id, text, score ≤ 1e-5, top_k (0 included), return_documents, an activation override, and the activation
 * each model comes with: the config's block, the 1-label sigmoid default of a bge-reranker-style XLM-R config without
 * one, and the Identity that ST 6.2 saves in config_sentence_transformers.json (over a stale Sigmoid in config.json).
 */
import { readFileSync, promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { float32Score, type Activation } from '../../lib/activation.js';
import '../../lib/backend.js';
import { CrossEncoder, rankScores, type RankOptions, type RankResult } from '../../lib/cross-encoder/model.js';
import { UsageError } from '../../lib/errors.js';
import { startHubServer } from '../helpers/hub-server.js';
import { expectWithin } from '../helpers/parity.js';
import { fixtureModel, REPO_ROOT } from '../helpers/paths.js';

interface StRun {
  kwargs: { top_k?: number; return_documents?: boolean; batch_size?: number; activation_fn?: 'identity' | 'sigmoid' };
  result: RankResult[];
}
interface StCase {
  label: string;
  fixture: string;
  derive: 'as committed' | 'drop-st-block' | 'st62-identity';
  activation_fn: string;
  runs: StRun[];
}
const fixture = JSON.parse(readFileSync(path.join(REPO_ROOT, 'spec', 'fixtures', 'rank.json'), 'utf-8')) as {
  query: string;
  documents: string[];
  st62_files: Record<string, unknown>;
  cases: StCase[];
  sigmoid_ties: { logits: number[]; scores: number[]; order: number[] };
};

/** The model folder of a case, made from the committed fixture as the harness made it. */
async function modelDir(c: StCase, tmp: string): Promise<string> {
  const src = fixtureModel(c.fixture);
  if (c.derive === 'as committed') return src;
  const dir = path.join(tmp, c.derive);
  await fsp.cp(src, dir, { recursive: true });
  if (c.derive === 'drop-st-block') {
    const cfg = JSON.parse(await fsp.readFile(path.join(dir, 'config.json'), 'utf-8')) as Record<string, unknown>;
    delete cfg.sentence_transformers;
    await fsp.writeFile(path.join(dir, 'config.json'), JSON.stringify(cfg, null, 2));
  } else {
    for (const [f, content] of Object.entries(fixture.st62_files)) await fsp.writeFile(path.join(dir, f), JSON.stringify(content, null, 2));
  }
  return dir;
}

function options(k: StRun['kwargs']): RankOptions {
  return { topK: k.top_k, returnDocuments: k.return_documents, batchSize: k.batch_size, activation: k.activation_fn, showProgress: false };
}

describe('CrossEncoder.rank vs sentence-transformers CrossEncoder.rank', () => {
  let tmp: string;
  before(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'rank-'));
  });
  after(() => fsp.rm(tmp, { recursive: true, force: true }));

  for (const c of fixture.cases) {
    it(`${c.label}: activation ${c.activation_fn}; order, ids, texts, scores ≤ 1e-5 for ${c.runs.length} option sets`, async () => {
      const model = await CrossEncoder.fromPretrained(await modelDir(c, tmp));
      try {
        expect(model.activation).to.equal(c.activation_fn.toLowerCase() as Activation);
        for (const run of c.runs) {
          const what = JSON.stringify(run.kwargs);
          const got = await model.rank(fixture.query, fixture.documents, options(run.kwargs));
          expect(got.map((r) => r.corpus_id), `${what}: order`).to.deep.equal(run.result.map((r) => r.corpus_id));
          expect(got.map((r) => r.text), `${what}: texts`).to.deep.equal(run.result.map((r) => r.text));
          expect(got.map((r) => Object.keys(r)), `${what}: keys`).to.deep.equal(run.result.map((r) => Object.keys(r)));
          got.forEach((r, i) => expectWithin('rank score vs sentence-transformers', Math.abs(r.score - run.result[i].score), 1e-5, `${what} #${i}`));
        }
      } finally {
        model.dispose();
      }
    });
  }

  it('a Hub download of an ST 6.2 folder brings config_sentence_transformers.json, and its activation', async () => {
    const c = fixture.cases.find((x) => x.derive === 'st62-identity')!;
    const server = await startHubServer({ repos: { 'org/st62-identity': await modelDir(c, tmp) } });
    try {
      const model = await CrossEncoder.fromPretrained('org/st62-identity', { endpoint: server.endpoint, cacheDir: path.join(tmp, 'hub'), token: '', showProgress: false });
      expect(model.activation).to.equal('identity');
      model.dispose();
    } finally {
      await server.stop();
    }
  });

  it('equal float32 scores keep document order: a saturated sigmoid ties as in PyTorch', () => {
    const t = fixture.sigmoid_ties;
    expect(new Set(t.scores).size, 'the fixture has ties').to.be.below(t.scores.length);
    const scores = t.logits.map((l) => float32Score(l, 'sigmoid'));
    expect(scores, "torch.sigmoid's float32 values").to.deep.equal(t.scores);
    expect(rankScores(scores).map((r) => r.corpus_id)).to.deep.equal(t.order);
  });

  it('topK must be a non-negative integer; a multi-label model is refused', async () => {
    const model = await CrossEncoder.fromPretrained(fixtureModel('tiny-bert-cross-encoder'));
    for (const topK of [-1, 1.5, NaN]) {
      const err = await model.rank('q', ['a', 'b'], { topK }).catch((e: unknown) => e);
      expect(err, `topK ${topK}`).to.be.instanceOf(UsageError);
      expect((err as Error).message).to.match(/topK must be a non-negative integer/);
    }
    model.dispose();
    const multi = await CrossEncoder.fromPretrained(fixtureModel('tiny-bert-cross-encoder'), { numLabels: 3, seed: 1 });
    const err = await multi.rank('q', ['a']).catch((e: unknown) => e);
    expect((err as Error).message).to.match(/rank\(\) needs a model with one label; this one has 3/);
    multi.dispose();
  });
});
