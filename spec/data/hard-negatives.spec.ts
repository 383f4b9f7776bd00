/**
 * mineHardNegatives against sentence-transformers 6.2's mine_hard_negatives (spec/fixtures/hard-negatives.json,
 * written by bench/hard_negatives_fixtures.py): the 47 (anchor, positive) STSb validation pairs with score >= 0.8,
 * ten option sets over the four output formats and the query/corpus prompts, sampling "top".
 * - torchTopk gives torch.topk's order among equal values, on rows full of ties and -inf, on both of its CPU paths;
 * - the committed tiny random tiny-st-bert (runs everywhere): the same columns and rows, texts and labels exactly,
 *   scores within 1e-5;
 * - the real all-MiniLM-L6-v2 (bench/models, not in CI): the same, skipped saying why where the folder is absent;
 * - "random" sampling, which cannot replay Python's RNG: its properties (seeded, drawn from the allowed window, no
 *   positive, sorted by score) and that numTensors stays flat;
 * - the `mine-hard-negatives` command on the tiny model: its JSON lines are Python's rows for the same options.
 */
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { tf } from '../../lib/tf.js';
import { UsageError } from '../../lib/errors.js';
import type { ColumnDataset } from '../../lib/data/column-dataset.js';
import { asTuples } from '../../lib/data/column-views.js';
import { mineHardNegatives, torchTopk, type MineHardNegativesOptions, type MiningModel } from '../../lib/data/hard-negatives/index.js';
import { SentenceTransformer } from '../../lib/sentence-transformer/model.js';
import { fixtureModel, REPO_ROOT } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';

interface Case {
  name: string;
  options: Record<string, unknown>;
  columns: string[];
  rows: unknown[][];
}

interface Fixture {
  texts: string[];
  anchors: number[];
  positives: number[];
  corpus: number[];
  models: Record<string, Case[]>;
  topk: { row: (number | null)[]; k: number; indices: number[] }[];
}

const FIXTURE = JSON.parse(readFileSync(path.join(REPO_ROOT, 'spec', 'fixtures', 'hard-negatives.json'), 'utf-8')) as Fixture;
const text = (i: number): string => FIXTURE.texts[i]!;
const DATASET: ColumnDataset = {
  columns: ['anchor', 'positive'],
  inputColumns: ['anchor', 'positive'],
  rows: FIXTURE.anchors.map((a, r) => ({ anchor: text(a), positive: text(FIXTURE.positives[r]!) })),
  source: 'hard-negatives.json',
};
const CORPUS = FIXTURE.corpus.map(text);
const LABELS = ['label', 'labels', 'score', 'scores'];

/** Python's keyword arguments as our options. */
function optionsOf(py: Record<string, unknown>): MineHardNegativesOptions {
  const camel = (k: string) => k.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
  const o: Record<string, unknown> = { samplingStrategy: 'top', batchSize: 16, verbose: false, showProgress: false };
  for (const [k, v] of Object.entries(py)) o[camel(k)] = k === 'corpus' ? CORPUS : v;
  return o as MineHardNegativesOptions;
}

/**
 * Compare our output with Python's row for row: texts and integer labels exactly, scores within `tol`. Returns
 * the worst score difference.
 */
function compare(got: ColumnDataset, want: Case, tol: number): number {
  expect(got.columns, 'columns').to.deep.equal(want.columns);
  expect(got.rows.length, 'rows').to.equal(want.rows.length);
  let worst = 0;
  got.rows.forEach((row, r) => {
    want.columns.forEach((col, c) => {
      const w = want.rows[r]![c];
      const g = row[col];
      const where = `row ${r + 1}, column ${col}`;
      if (!LABELS.includes(col)) {
        expect(g, where).to.deep.equal(Array.isArray(w) ? (w as number[]).map(text) : text(w as number));
        return;
      }
      const ws = (Array.isArray(w) ? w : [w]) as number[];
      const gs = (Array.isArray(g) ? g : [g]) as number[];
      expect(gs.length, where).to.equal(ws.length);
      ws.forEach((x, k) => {
        const d = Math.abs(gs[k]! - x);
        worst = Math.max(worst, d);
        expect(d, `${where}[${k}]: ${gs[k]} vs ${x}`).to.be.at.most(Number.isInteger(x) && !col.startsWith('score') ? 0 : tol);
      });
    });
  });
  return worst;
}

describe('hard negatives: torchTopk is torch.topk, ties included', () => {
  it(`gives torch's indices on ${FIXTURE.topk.length} tie-heavy rows (partial_sort and nth_element paths)`, () => {
    expect(FIXTURE.topk.some((c) => c.k * 64 <= c.row.length)).to.equal(true);
    for (const c of FIXTURE.topk) {
      const row = c.row.map((v) => (v === null ? -Infinity : v));
      expect(Array.from(torchTopk(row, c.k).indices), `n ${row.length}, k ${c.k}`).to.deep.equal(c.indices);
    }
  });
});

function parityCases(modelName: string, load: () => Promise<{ model: MiningModel; dispose: () => void }>): void {
  let model: MiningModel;
  let dispose = (): void => {};
  before(async function () {
    ({ model, dispose } = await load());
  });
  after(() => dispose());
  for (const c of FIXTURE.models[modelName] ?? []) {
    it(`${c.name}: ${c.rows.length} rows as sentence-transformers'`, async () => {
      const got = await mineHardNegatives(DATASET, model, optionsOf(c.options));
      const worst = compare(got, c, 1e-5);
      if (worst > 0) console.log(`      worst score |Δ| ${worst.toExponential(1)}`);
    });
  }
}

describe('hard negatives vs sentence-transformers (tiny-st-bert)', function () {
  this.timeout(120_000);
  parityCases('tiny-st-bert', async () => {
    const st = await SentenceTransformer.fromPretrained(fixtureModel('tiny-st-bert'));
    return { model: st, dispose: () => st.dispose() };
  });
});

const MINILM = path.join(REPO_ROOT, 'bench', 'models', 'all-MiniLM-L6-v2');

/**
 * The real model embeds the 247 texts once (normalized, no prompt); mining then reads them from this cache, so the
 * cases without a prompt cost one encode (the tiny model's cases run encode itself).
 */
async function cachedModel(st: SentenceTransformer): Promise<MiningModel> {
  const texts = [...new Set([...FIXTURE.texts])];
  const emb = await st.encode(texts, { normalize: true, batchSize: 16, showProgress: false });
  const byText = new Map(texts.map((t, i) => [t, emb[i]!]));
  return {
    prompts: st.prompts,
    similarity: st.similarity.bind(st),
    similarityPairwise: st.similarityPairwise.bind(st),
    // A case with prompts embeds its texts itself.
    encode: async (xs, opts = {}) => (opts.prompt ? st.encode(xs, opts) : xs.map((t) => byText.get(t)!)),
  };
}

describe('hard negatives vs sentence-transformers (real all-MiniLM-L6-v2)', function () {
  this.timeout(600_000);
  before(function () {
    if (!existsSync(MINILM) || !FIXTURE.models['all-MiniLM-L6-v2']) {
      console.log(`    skipped: ${MINILM} is missing (bench/prepare_models.py; not in CI)`);
      this.skip();
    }
  });
  parityCases('all-MiniLM-L6-v2', async () => {
    const st = await SentenceTransformer.fromPretrained(MINILM);
    return { model: await cachedModel(st), dispose: () => st.dispose() };
  });
});

describe('hard negatives: random sampling and the rules around it', function () {
  this.timeout(120_000);
  let st: SentenceTransformer;
  before(async () => {
    st = await SentenceTransformer.fromPretrained(fixtureModel('tiny-st-bert'));
  });
  after(() => st.dispose());
  const base: MineHardNegativesOptions = { corpus: CORPUS, verbose: false, showProgress: false, outputScores: true };

  it('is seeded, draws from ranks rangeMin..rangeMax, never a positive, best first; numTensors stays flat', async () => {
    const random = { ...base, samplingStrategy: 'random' as const, outputFormat: 'n-tuple' as const, numNegatives: 3, rangeMin: 2, rangeMax: 12 };
    const before = tf.memory().numTensors;
    const a = await mineHardNegatives(DATASET, st, { ...random, seed: 1 });
    expect(tf.memory().numTensors, 'numTensors').to.equal(before);
    expect((await mineHardNegatives(DATASET, st, { ...random, seed: 1 })).rows).to.deep.equal(a.rows);
    expect((await mineHardNegatives(DATASET, st, { ...random, seed: 2 })).rows).to.not.deep.equal(a.rows);
    // The window: "top" with all ten of ranks 2..11 lists exactly the candidates random may draw from.
    const window = asTuples(await mineHardNegatives(DATASET, st, { ...base, outputFormat: 'n-tuple', numNegatives: 10, rangeMin: 2, rangeMax: 12 }));
    const allowed = new Map(window.map((t) => [t.anchor, new Set(t.negatives)]));
    const positives = new Map<string, Set<string>>();
    for (const r of DATASET.rows) positives.set(r.anchor as string, (positives.get(r.anchor as string) ?? new Set()).add(r.positive as string));
    const rows = asTuples(a, { negatives: 3 });
    expect(rows.length).to.be.greaterThan(30);
    for (const t of rows) {
      expect(new Set(t.negatives).size, 'distinct').to.equal(3);
      for (const n of t.negatives) {
        expect(allowed.get(t.anchor)?.has(n), `${n} in the window of ${t.anchor}`).to.equal(true);
        expect(positives.get(t.anchor)!.has(n), 'not a positive').to.equal(false);
      }
      const neg = t.scores!.slice(1);
      expect(neg, 'best first').to.deep.equal([...neg].sort((x, y) => y - x));
    }
  });

  it('checks its options as Python does, and names the column it cannot find', async () => {
    const fails = async (o: MineHardNegativesOptions, re: RegExp) => {
      const e = await mineHardNegatives(DATASET, st, { ...o, verbose: false }).catch((x: unknown) => x);
      expect(e).to.be.instanceOf(UsageError);
      expect((e as Error).message).to.match(re);
    };
    await fails({ numNegatives: 0 }, /numNegatives must be at least 1/);
    await fails({ rangeMin: -1 }, /rangeMin must be non-negative/);
    await fails({ rangeMin: 5, rangeMax: 5 }, /rangeMin must be smaller than rangeMax/);
    await fails({ rangeMin: 2, rangeMax: 4, numNegatives: 3 }, /cannot mine 3 negatives per anchor: only 2 candidates remain/);
    await fails({ anchorColumn: 'query' }, /anchorColumn "query" is not a column of hard-negatives.json \(columns: anchor, positive\)/);
    await fails({ outputFormat: 'pairs' as never }, /outputFormat must be one of triplet, n-tuple, labeled-pair, labeled-list/);
    const clash: ColumnDataset = { ...DATASET, columns: ['anchor', 'negative'], inputColumns: ['anchor', 'negative'], rows: DATASET.rows.map((r) => ({ anchor: r.anchor!, negative: r.positive! })) };
    const e = await mineHardNegatives(clash, st, { verbose: false }).catch((x: unknown) => x);
    expect((e as Error).message).to.match(/the triplet output has its own column "negative"/);
  });
});

describe('hard negatives: the mine-hard-negatives command', function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'mine-cli-'));
  });
  after(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('writes JSON lines equal to sentence-transformers\' rows (tiny-st-bert, triplet, corpus, range_max 20, scores)', async () => {
    const c = FIXTURE.models['tiny-st-bert']!.find((x) => x.name.startsWith('triplet, corpus'))!;
    expect(c.options).to.deep.equal({ corpus: true, range_max: 20, num_negatives: 2, output_scores: true });
    const input = path.join(dir, 'pairs.jsonl');
    await fsp.writeFile(input, DATASET.rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const corpus = path.join(dir, 'corpus.jsonl');
    await fsp.writeFile(corpus, CORPUS.map((text) => JSON.stringify({ text })).join('\n') + '\n');
    const out = path.join(dir, 'mined.jsonl');
    const args = ['mine-hard-negatives', '--model', fixtureModel('tiny-st-bert'), '--input', input, '--corpus', corpus, '--range-max', '20', '--num-negatives', '2', '--output-scores', '--batch-size', '16', '--output', out, '--no-progress'];
    const r = await runCli(args);
    expect(r.code, r.stderr.slice(-2000)).to.equal(0);
    expect(r.stderr).to.match(new RegExp(`wrote ${c.rows.length} rows \\(anchor, positive, negative, scores\\) to `));
    const lines = (await fsp.readFile(out, 'utf-8')).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(Object.keys(lines[0]!)).to.deep.equal(c.columns);
    const ds: ColumnDataset = { columns: c.columns, inputColumns: c.columns.slice(0, 3), labelColumn: 'scores', rows: lines as ColumnDataset['rows'], source: out };
    compare(ds, c, 1e-5);
  });

  it('says what is wrong with an option, exit code 2', async () => {
    const r = await runCli(['mine-hard-negatives', '--model', fixtureModel('tiny-st-bert'), '--input', 'x.jsonl', '--output-format', 'pairs']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/error: --output-format must be one of triplet, n-tuple, labeled-pair, labeled-list, got pairs/);
  });
});
