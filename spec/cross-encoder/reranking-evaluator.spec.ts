/**
 * CrossEncoderRerankingEvaluator and the ranking metrics against sentence-transformers 6.2's own evaluator
 * (spec/fixtures/rerank-eval.json, written by bench/rerank_eval_fixtures.py): compute_metrics on fixed labels and
 * scores, the evaluator on a stub model returning fixed scores (pairs sent, batch size, metric dict, CSV bytes), and
 * the evaluator on the real tiny model in both libraries. Metrics ≤ 1e-9; CSVs as expectCsv says.
 *
 * Ties: ST's MRR follows np.argsort's order among equal scores, which numpy leaves unspecified; the harness also ran
 * every case with a stable argsort ("*_stable", the rule the library implements), and the fixture says where numpy's
 * own order gave another MRR. Those cases are checked against the stable values, every other one against both.
 */
import { readFileSync, promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { tf } from '../../lib/backend.js';
import { CrossEncoder, type Pair } from '../../lib/cross-encoder/model.js';
import { CrossEncoderRerankingEvaluator, type RerankingEvaluatorOptions, type RerankingSample } from '../../lib/cross-encoder/evaluation/reranking-evaluator.js';
import { UsageError } from '../../lib/errors.js';
import { averagePrecision, mrrAtK, ndcgAtK, numpyMean } from '../../lib/evaluation/ranking-metrics.js';
import { expectCsv } from '../helpers/st-csv.js';
import { fixtureModel, REPO_ROOT } from '../helpers/paths.js';

interface MetricCase {
  name: string;
  y_true: number[];
  scores: number[];
  at_k: number;
  mrr: number;
  ndcg: number;
  ap: number;
  mrr_stable: number;
  ndcg_stable: number;
  ap_stable: number;
}

interface StKwargs {
  name?: string;
  at_k?: number;
  always_rerank_positives?: boolean;
  batch_size?: number;
}

interface EvaluatorCase {
  title: string;
  samples: RerankingSample[];
  kwargs: StKwargs;
  metrics: Record<string, number>;
  metrics_stable: Record<string, number>;
  primary_metric: string;
  csv_file: string;
  csv: string;
  pairs: [string, string][];
  batch_size: number | null;
  scores: number[];
}

interface ModelCase extends Omit<EvaluatorCase, 'title' | 'metrics_stable' | 'batch_size'> {
  model: string;
}

const fixture = JSON.parse(readFileSync(path.join(REPO_ROOT, 'spec', 'fixtures', 'rerank-eval.json'), 'utf-8')) as {
  versions: Record<string, unknown>;
  metric_cases: MetricCase[];
  evaluator_cases: EvaluatorCase[];
  model_case: ModelCase;
};

const TOL = 1e-9;

function optionsFromSt(samples: readonly RerankingSample[], k: StKwargs): RerankingEvaluatorOptions {
  return { samples, name: k.name, atK: k.at_k, alwaysRerankPositives: k.always_rerank_positives, batchSize: k.batch_size };
}

/** The stub of the harness: hands back the fixture's scores and records what the evaluator sent. */
function stub(scores: number[]): { calls: { pairs: Pair[]; batchSize?: number }[]; predict(pairs: readonly Pair[], o: { batchSize?: number }): Promise<number[]> } {
  const calls: { pairs: Pair[]; batchSize?: number }[] = [];
  return {
    calls,
    predict(pairs, o) {
      calls.push({ pairs: [...pairs], batchSize: o.batchSize });
      return Promise.resolve(scores.slice());
    },
  };
}

function expectMetrics(got: Record<string, number>, want: Record<string, number>, what: string): void {
  expect(Object.keys(got), `${what}: keys, in ST's order`).to.deep.equal(Object.keys(want));
  for (const [k, v] of Object.entries(want)) expect(Math.abs(got[k] - v), `${what}: ${k} (${got[k]} vs ${v})`).to.be.at.most(TOL);
}

async function tmpDir(): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), 'rerank-eval-'));
}

describe('ranking metrics vs sentence-transformers compute_metrics (sklearn ndcg_score / average_precision_score)', () => {
  for (const c of fixture.metric_cases) {
    const numpyTieOrderDiffers = c.mrr !== c.mrr_stable;
    it(`${c.name} (k ${c.at_k})${numpyTieOrderDiffers ? ': MRR vs the stable tie order (numpy 2 AVX2 argsort orders this tie otherwise)' : ''}`, () => {
      expect(Math.abs(ndcgAtK(c.y_true, c.scores, c.at_k) - c.ndcg), 'ndcg').to.be.at.most(TOL);
      expect(Math.abs(averagePrecision(c.y_true, c.scores) - c.ap), 'ap').to.be.at.most(TOL);
      // nDCG and AP do not depend on the tie order; MRR does.
      expect([c.ndcg_stable, c.ap_stable]).to.deep.equal([c.ndcg, c.ap]);
      expect(Math.abs(mrrAtK(c.y_true, c.scores, c.at_k) - c.mrr_stable), 'mrr').to.be.at.most(TOL);
    });
  }

  it('the fixture has tie cases where numpy reorders equal scores, and cases with ties where it does not', () => {
    const hasTies = (c: MetricCase): boolean => new Set(c.scores).size < c.scores.length;
    expect(fixture.metric_cases.filter((c) => c.mrr !== c.mrr_stable).length).to.be.at.least(1);
    expect(fixture.metric_cases.filter((c) => hasTies(c) && c.mrr === c.mrr_stable).length).to.be.at.least(3);
  });

  it('numpyMean is np.mean bit for bit (pairwise sum), and refuses what sklearn refuses', () => {
    const values = Array.from({ length: 300 }, (_, i) => (((i * 7919) % 1000) / 997) ** 3);
    expect(numpyMean([0.1, 0.2, 0.4])).to.equal(0.23333333333333336); // np.mean([0.1, 0.2, 0.4])
    expect(numpyMean(values)).to.not.equal(values.reduce((a, b) => a + b, 0) / values.length);
    expect(() => ndcgAtK([1], [0.5], 10)).to.throw(UsageError, /more than 1 candidate/);
    expect(() => mrrAtK([1, 0], [0.5, NaN], 10)).to.throw(UsageError, /scores\[1\] is NaN/);
    expect(() => averagePrecision([2, 0], [0.5, 0.1])).to.throw(UsageError, /must be 0 or 1/);
    expect(() => ndcgAtK([1, 0], [0.5, 0.1], 0)).to.throw(UsageError, /k must be a positive integer/);
    expect(averagePrecision([0, 0], [0.5, 0.1]), 'no positive: 0, as sklearn').to.equal(0);
  });
});

describe('CrossEncoderRerankingEvaluator vs sentence-transformers (stub model with fixed scores)', () => {
  for (const c of fixture.evaluator_cases) {
    const numpyTieOrderDiffers = JSON.stringify(c.metrics) !== JSON.stringify(c.metrics_stable);
    it(`${c.title}: pairs, batch size, metrics${numpyTieOrderDiffers ? ' (vs the stable tie order)' : ''}, primary metric, CSV`, async () => {
      const ev = new CrossEncoderRerankingEvaluator(optionsFromSt(c.samples, c.kwargs));
      const model = stub(c.scores);
      const out = await tmpDir();
      try {
        const r = await ev.evaluate(model, { outputDir: out });
        await ev.evaluate(model, { outputDir: out, epoch: 1, steps: 10 });
        expect(model.calls[0].pairs, 'the pairs ST sent, in its order').to.deep.equal(c.pairs);
        expect(model.calls[0].batchSize).to.equal(c.batch_size);
        expectMetrics(r.metrics, c.metrics_stable, 'stable tie order');
        if (!numpyTieOrderDiffers) expectMetrics(r.metrics, c.metrics, "ST's own run");
        expect(ev.primaryMetric).to.equal(c.primary_metric);
        expect(ev.csvFile).to.equal(c.csv_file);
        const csv = await fsp.readFile(path.join(out, 'eval', c.csv_file), 'utf-8');
        if (numpyTieOrderDiffers) expect(csv.split('\r\n')[0]).to.equal(c.csv.split('\r\n')[0]);
        else expectCsv(csv, c.csv);
      } finally {
        await fsp.rm(out, { recursive: true, force: true });
      }
    });
  }

  it('a function scorer works as well as a model, and no pairs means no call', async () => {
    const c = fixture.evaluator_cases[0];
    const ev = new CrossEncoderRerankingEvaluator(optionsFromSt(c.samples, c.kwargs));
    const r = await ev.evaluate((pairs) => Promise.resolve(c.scores.slice(0, pairs.length)));
    expectMetrics(r.metrics, c.metrics, 'function scorer');
    let called = false;
    const none = new CrossEncoderRerankingEvaluator({ samples: [{ query: 'q', positive: [], negative: ['a', 'b'] }] });
    const z = await none.evaluate(() => ((called = true), Promise.resolve([])));
    expect(called).to.equal(false);
    expect(z.metrics).to.deep.equal({ map: 0, 'mrr@10': 0, 'ndcg@10': 0 });
  });

  it('non-finite scores give NaN metrics (a diverged model must not abort training), base metrics kept', async () => {
    const c = fixture.evaluator_cases.find((x) => x.kwargs.name === 'docs')!;
    const ev = new CrossEncoderRerankingEvaluator(optionsFromSt(c.samples, c.kwargs));
    const r = await ev.evaluate(() => Promise.resolve(c.scores.map((s, i) => (i === 2 ? NaN : s))));
    expect([r.map, r.mrr, r.ndcg].every(Number.isNaN)).to.equal(true);
    expect(Math.abs(r.metrics.docs_base_map - c.metrics.docs_base_map)).to.be.at.most(TOL);
  });

  it('bad samples and options are UsageErrors naming the sample', () => {
    const bad: [unknown, RegExp][] = [
      [{ positive: ['a'], negative: ['b'] }, /sample 0: "query" must be a string/],
      [{ query: 'q', negative: ['b'] }, /sample 0: "positive" is missing/],
      [{ query: 'q', positive: ['a'] }, /exactly one of "negative" and "documents"/],
      [{ query: 'q', positive: ['a'], negative: ['b'], documents: ['a'] }, /exactly one of "negative" and "documents"/],
      [{ query: 'q', positive: ['a'], documents: [] }, /"documents" is empty/],
      [{ query: 'q', positive: ['a'], negative: [] }, /1 candidates; nDCG needs at least 2/],
      [{ query: 'q', positive: ['a', 3], negative: [] }, /"positive" must be a list of strings/],
    ];
    for (const [s, re] of bad) {
      expect(() => new CrossEncoderRerankingEvaluator({ samples: [s as RerankingSample], name: 'x' }), JSON.stringify(s)).to.throw(UsageError, re);
    }
    expect(() => new CrossEncoderRerankingEvaluator({ samples: [], atK: 0 })).to.throw(UsageError, /atK must be a positive integer/);
    expect(() => new CrossEncoderRerankingEvaluator({ samples: [], name: 'a/b' })).to.throw(UsageError, /must not contain/);
  });
});

describe('CrossEncoderRerankingEvaluator on a real tiny model vs sentence-transformers on the same model', () => {
  const c = fixture.model_case;
  it(`${c.model}: scores ≤ 1e-5, metrics ≤ 1e-9, the same CSV; no tensor left behind`, async () => {
    const model = await CrossEncoder.fromPretrained(fixtureModel(c.model));
    const out = await tmpDir();
    try {
      const ev = new CrossEncoderRerankingEvaluator(optionsFromSt(c.samples, c.kwargs));
      let seen: number[] = [];
      const scorer = {
        async predict(pairs: readonly Pair[], o: { batchSize?: number; showProgress?: boolean }): Promise<number[]> {
          expect(pairs).to.deep.equal(c.pairs);
          expect(o.batchSize).to.equal(4);
          return (seen = await model.predict(pairs, o));
        },
      };
      await ev.evaluate(model); // warm-up: first-call allocations are not a leak
      const before = tf.memory().numTensors;
      const r = await ev.evaluate(scorer, { outputDir: out });
      expect(tf.memory().numTensors).to.equal(before);
      const worst = seen.reduce((m, s, i) => Math.max(m, Math.abs(s - c.scores[i])), 0);
      expect(worst, 'scores vs ST').to.be.at.most(1e-5);
      expectMetrics(r.metrics, c.metrics, 'tiny model');
      expectCsv(await fsp.readFile(path.join(out, 'eval', c.csv_file), 'utf-8'), c.csv);
    } finally {
      model.dispose();
      await fsp.rm(out, { recursive: true, force: true });
    }
  });
});
