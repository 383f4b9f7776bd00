/**
 * `npm run train:reranker` end to end on local files (real child processes): a slice of the STSb retrieval task
 * (sentence1 → sentence2 where gold ≥ 4), tiny-st-bert mining the hard negatives, tiny-bert-cross-encoder trained with
 * BCE; the mined pairs are mineHardNegatives' labelled pairs, the evaluation is CrossEncoderRerankingEvaluator's with
 * its CSV, the final model reloads with the metrics the job reported, and a finished run resumes to itself.
 */
import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CrossEncoder } from '../../lib/cross-encoder/model.js';
import { CrossEncoderRerankingEvaluator } from '../../lib/cross-encoder/evaluation/reranking-evaluator.js';
import { readColumnsFile } from '../../lib/data/column-read.js';
import { mineHardNegatives } from '../../lib/data/hard-negatives/index.js';
import { SentenceTransformer } from '../../lib/sentence-transformer/model.js';
import { fixtureModel, STSB_DIR } from '../helpers/paths.js';
import { spawnScript } from '../helpers/run-cli.js';

async function retrievalRows(split: string, limit: number): Promise<Array<{ question: string; answer: string }>> {
  const [header, ...lines] = (await fsp.readFile(path.join(STSB_DIR, `${split}.tsv`), 'utf-8')).split('\n').filter((l) => l);
  const cols = header.split('\t');
  const [s1, s2, sc] = ['sentence1', 'sentence2', 'score'].map((c) => cols.indexOf(c));
  return lines.map((l) => l.split('\t')).filter((c) => Number(c[sc]) >= 0.8).slice(0, limit).map((c) => ({ question: c[s1], answer: c[s2] }));
}

describe('train:reranker on local files', function () {
  this.timeout(600_000);
  let tmp: string;
  let train: string;
  let evalFile: string;
  before(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'train-reranker-'));
    train = path.join(tmp, 'train.jsonl');
    evalFile = path.join(tmp, 'eval.jsonl');
    const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
    await fsp.writeFile(train, jsonl(await retrievalRows('train', 24)));
    await fsp.writeFile(evalFile, jsonl(await retrievalRows('test', 12)));
  });
  after(async () => {
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  const args = (out: string, extra: string[] = []) => [
    '--model', fixtureModel('tiny-bert-cross-encoder'), '--embedding-model', fixtureModel('tiny-st-bert'), '--train', train,
    '--eval', evalFile, '--output', out, '--num-negatives', '3', '--eval-candidates', '8', '--batch-size', '8', '--lr', '1e-3',
    '--no-progress', ...extra,
  ];

  it('mines, trains, evaluates before and after, and a finished run resumes to itself', async () => {
    const out = path.join(tmp, 'run');
    const r = await spawnScript('scripts/train-reranker.ts', args(out)).done;
    expect(r.code, r.stderr.slice(-3000)).to.equal(0);

    // The pairs it trained on are mineHardNegatives' labelled pairs with the recipe's options.
    const st = await SentenceTransformer.fromPretrained(fixtureModel('tiny-st-bert'));
    const ds = await readColumnsFile(train);
    const mined = await mineHardNegatives(ds, st, { numNegatives: 3, rangeMin: 0, rangeMax: 100, absoluteMargin: 0, samplingStrategy: 'top', outputFormat: 'labeled-pair', batchSize: 256, showProgress: false, verbose: false });
    st.dispose();
    const written = (await fsp.readFile(path.join(out, 'mined-train.jsonl'), 'utf-8')).split('\n').filter((l) => l).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(written).to.deep.equal(mined.rows.map((row) => ({ ...row })));
    expect(written.filter((w) => w.label === 1)).to.have.length(ds.rows.length);

    const res = JSON.parse(await fsp.readFile(path.join(out, 'results.json'), 'utf-8')) as { steps: number; trainPairs: number; reranking: { before: Record<string, number>; after: Record<string, number> } };
    expect(res.trainPairs).to.equal(written.length);
    expect(res.steps).to.equal(Math.ceil(written.length / 8));
    for (const k of ['rerank-eval_map', 'rerank-eval_mrr@10', 'rerank-eval_ndcg@10']) {
      expect(res.reranking.before[k], k).to.be.within(0, 1);
      expect(res.reranking.after[k], k).to.be.within(0, 1);
    }
    const csv = (await fsp.readFile(path.join(out, 'eval', 'CrossEncoderRerankingEvaluator_rerank-eval_results_@10.csv'), 'utf-8')).split('\r\n').filter((l) => l);
    expect(csv[0]).to.equal('epoch,steps,MAP,MRR@10,NDCG@10');
    expect(csv).to.have.length(3); // header, before, after

    // The final model scores the evaluation set as the job reported (the same evaluator, rebuilt from the same mining).
    const embedder = await SentenceTransformer.fromPretrained(fixtureModel('tiny-st-bert'));
    const ev = await readColumnsFile(evalFile);
    const corpus = [...ds.rows.map((x) => x.answer as string), ...ev.rows.map((x) => x.answer as string)];
    const hard = await mineHardNegatives(ev, embedder, { corpus, numNegatives: 8, includePositives: true, outputFormat: 'n-tuple', batchSize: 256, showProgress: false, verbose: false });
    embedder.dispose();
    const [q, a, ...docs] = hard.columns;
    const evaluator = new CrossEncoderRerankingEvaluator({ samples: hard.rows.map((x) => ({ query: x[q] as string, positive: [x[a] as string], documents: docs.map((c) => x[c] as string) })), name: 'rerank-eval', batchSize: 8, alwaysRerankPositives: false, writeCsv: false });
    const model = await CrossEncoder.fromPretrained(path.join(out, 'final'));
    const again = await evaluator.evaluate(model);
    model.dispose();
    for (const [k, v] of Object.entries(res.reranking.after)) expect(again.metrics[k], k).to.be.closeTo(v, 1e-6);

    const resumed = await spawnScript('scripts/train-reranker.ts', args(out, ['--resume'])).done;
    expect(resumed.code, resumed.stderr.slice(-2000)).to.equal(0);
    expect(resumed.stderr).to.match(/already finished/);
  });

  it('--ranking-loss LambdaLoss trains on the mined labeled-list rows', async () => {
    const out = path.join(tmp, 'lambda');
    const r = await spawnScript('scripts/train-reranker.ts', args(out, ['--ranking-loss', 'LambdaLoss', '--batch-size', '4'])).done;
    expect(r.code, r.stderr.slice(-3000)).to.equal(0);
    const rows = (await fsp.readFile(path.join(out, 'mined-train.jsonl'), 'utf-8')).split('\n').filter((l) => l).map((l) => JSON.parse(l) as Record<string, unknown>);
    const train = await readColumnsFile(path.join(tmp, 'train.jsonl'));
    expect(rows.length).to.be.within(1, train.rows.length);
    for (const row of rows) {
      const labels = row.labels as number[];
      expect(labels[0], 'the positive comes first').to.equal(1);
      expect(labels.slice(1).every((l) => l === 0)).to.equal(true);
      expect(Object.values(row).some((v) => Array.isArray(v) && v.length === labels.length && typeof v[0] === 'string'), 'a documents list as long as labels').to.equal(true);
    }
    const res = JSON.parse(await fsp.readFile(path.join(out, 'results.json'), 'utf-8')) as { loss: string; steps: number; trainPairs: number };
    expect(res.loss).to.equal('LambdaLoss');
    expect(res.trainPairs).to.equal(rows.length);
    expect(res.steps).to.equal(Math.ceil(rows.length / 4));
  });

  it('refuses MarginMSELoss (mining gives no teacher scores) and --loss, pointing to --ranking-loss', async () => {
    const [a, b] = await Promise.all([
      spawnScript('scripts/train-reranker.ts', args(path.join(tmp, 'm1'), ['--ranking-loss', 'MarginMSELoss'])).done,
      spawnScript('scripts/train-reranker.ts', args(path.join(tmp, 'm2'), ['--loss', 'mse'])).done,
    ]);
    expect(a.code).to.equal(2);
    expect(a.stderr).to.match(/--ranking-loss must be one of ListNetLoss, LambdaLoss, RankNetLoss, MultipleNegativesRankingLoss, CachedMultipleNegativesRankingLoss/);
    expect(b.code).to.equal(2);
    expect(b.stderr).to.match(/for another loss use --ranking-loss/);
  });

  it('refuses --train without --eval, naming both', async () => {
    const r = await spawnScript('scripts/train-reranker.ts', ['--train', train, '--output', path.join(tmp, 'x')]).done;
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/--train and --eval go together/);
  });
});
