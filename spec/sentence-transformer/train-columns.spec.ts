/**
 * `train:stsb --bi-encoder --train-columns`: bi-encoder training rows under sentence-transformers' column rule (the
 * label/score column is the label, every other column an input of the loss, in file order), here (anchor, positive)
 * rows for MultipleNegativesRankingLoss, with STSb's validation and test; and columnRows' errors naming the row.
 */
import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readColumnsFile } from '../../lib/data/column-read.js';
import { DataError } from '../../lib/errors.js';
import { columnRows } from '../../lib/sentence-transformer/job.js';
import { fixtureModel, STSB_DIR } from '../helpers/paths.js';
import { spawnScript } from '../helpers/run-cli.js';

/** The error columnRows throws for a file's rows (a test failure if it throws none). */
async function rowsError(file: string): Promise<Error> {
  const ds = await readColumnsFile(file);
  try {
    columnRows(ds);
  } catch (e) {
    return e as Error;
  }
  return expect.fail(`columnRows accepted ${file}`);
}

describe('bi-encoder training from a column-rule dataset', function () {
  this.timeout(300_000);
  let tmp: string;
  before(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'st-columns-'));
  });
  after(async () => {
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  it('trains MNRL on (anchor, positive) rows: inputs in column order, no label, a prompt on the anchor column', async () => {
    const file = path.join(tmp, 'pairs.jsonl');
    const [header, ...lines] = (await fsp.readFile(path.join(STSB_DIR, 'train.tsv'), 'utf-8')).split('\n').filter((l) => l);
    const cols = header.split('\t');
    const rows = lines.map((l) => l.split('\t')).filter((c) => Number(c[cols.indexOf('score')]) >= 0.8).slice(0, 12);
    await fsp.writeFile(file, rows.map((c) => JSON.stringify({ anchor: c[cols.indexOf('sentence1')], positive: c[cols.indexOf('sentence2')] })).join('\n') + '\n');

    const ds = await readColumnsFile(file);
    expect(ds.inputColumns).to.deep.equal(['anchor', 'positive']);
    expect(columnRows(ds)).to.deep.equal(rows.map((c) => ({ texts: [c[cols.indexOf('sentence1')], c[cols.indexOf('sentence2')]] })));

    const out = path.join(tmp, 'run');
    // Started together: the refusals only parse flags.
    const runs = [
      spawnScript('scripts/train-stsb.ts', [
        '--bi-encoder', '--bi-loss', 'mnrl', '--model', fixtureModel('tiny-st-bert'), '--data-dir', STSB_DIR, '--train-columns', file,
        '--eval-limit', '16', '--batch-size', '4', '--epochs', '1', '--lr', '1e-3', '--eval-steps', '0', '--no-progress', '--output', out,
        '--prompts', '{"anchor":"query: "}',
      ]),
      spawnScript('scripts/train-stsb.ts', ['--prompts', 'query: ', '--data-dir', STSB_DIR]),
      spawnScript('scripts/train-stsb.ts', ['--bi-encoder', '--prompts', '{anchor: "query: "}', '--data-dir', STSB_DIR]),
    ];
    const [r, noBi, badJson] = await Promise.all(runs.map((x) => x.done));
    expect(noBi.code).to.equal(2);
    expect(noBi.stderr).to.match(/--prompts needs --bi-encoder/);
    expect(badJson.code).to.equal(2);
    expect(badJson.stderr).to.match(/--prompts starts with "\{" but is not JSON/);
    expect(r.code, r.stderr.slice(-2000)).to.equal(0);
    const card = await fsp.readFile(path.join(out, 'final', 'README.md'), 'utf-8');
    expect(card, 'the card records the training prompts').to.match(/prompts.*\{"anchor":"query: "\}/);
    expect(r.stderr).to.match(/loss MultipleNegativesRankingLoss/);
    const res = JSON.parse(await fsp.readFile(path.join(out, 'results.json'), 'utf-8')) as { steps: number; metrics: Array<{ split: string }> };
    expect(res.steps).to.equal(3);
    expect(res.metrics.map((m) => m.split)).to.deep.equal(['validation', 'test']);
  });

  it('a list where a text belongs, or a text label, is a DataError naming file, row and column', async () => {
    const bad = path.join(tmp, 'bad.jsonl');
    await fsp.writeFile(bad, JSON.stringify({ anchor: 'a', positive: ['b'], score: 0.5 }) + '\n');
    const e1 = await rowsError(bad);
    expect(e1).to.be.instanceOf(DataError);
    expect(e1.message).to.match(/bad\.jsonl, row 1: column "positive" must be a text for a bi-encoder loss \(got a list\)/);
    const badLabel = path.join(tmp, 'bad-label.jsonl');
    await fsp.writeFile(badLabel, JSON.stringify({ anchor: 'a', positive: 'b', score: [0.5, 0.1] }) + '\n');
    const e2 = await rowsError(badLabel);
    expect(e2).to.be.instanceOf(DataError);
    expect(e2.message).to.match(/bad-label\.jsonl, row 1: label column "score" must be a number \(got a list\)/);
  });
});
