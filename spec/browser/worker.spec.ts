/**
 * Training in a Web Worker (lib/web/worker.ts, driven by lib/web/client.ts from a real page in headless chromium):
 * fine-tune the tiny BERT fixture from the local Hub server on wasm, with real STSb rows picked as Files; receive
 * progress, loss and evaluation events; stop part-way, which keeps the best model so far; download it as a zip
 * through a real <a download>; then in Node unzip it (an independent reader), load it with this library and get the
 * page's logits, and, where bench/.venv has sentence-transformers, load it in Python's CrossEncoder too.
 */
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CrossEncoder, readPairsFile, spearman } from '../../lib/index.js';
import type { HubServer } from '../helpers/hub-server.js';
import { REPO_ROOT, STSB_DIR } from '../helpers/paths.js';
import { bundlePage, chromiumMissing, launchChromium, repoOf, startFixtureHub, startPageServer, type PageServer } from './harness.js';
import type { WorkerPageApi, WorkerRun, WorkerRunArgs } from './worker-page.js';

type Xw = { xworker: WorkerPageApi };

/** The first `n` rows of a real STSb split, header included (TSV, labels already 0–1). */
const stsbHead = (split: string, n: number): string => readFileSync(path.join(STSB_DIR, `${split}.tsv`), 'utf-8').split('\n').slice(0, n + 1).join('\n') + '\n';

const PYTHON = process.env.XENC_PYTHON ?? path.join(REPO_ROOT, 'bench', '.venv', 'bin', 'python');

/** Unzip with a reader that is not ours (Python's zipfile, which checks every CRC; else Info-ZIP's unzip). */
function unzip(zip: string, into: string): void {
  const py = spawnSync('python3', ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); bad = z.testzip(); assert bad is None, bad; z.extractall(sys.argv[2])', zip, into], { encoding: 'utf-8' });
  if (py.status === 0) return;
  if (py.error === undefined) throw new Error(`python3 zipfile refused ${zip}: ${py.stderr}`);
  execFileSync('unzip', ['-q', zip, '-d', into]);
}

describe('in the browser: training in a Web Worker (headless chromium)', function () {
  this.timeout(600_000);
  const missing = chromiumMissing();
  let browser: Browser;
  let hub: HubServer;
  let pages: PageServer;
  let tmp: string;
  const errors: string[] = [];

  before(async function () {
    if (missing) return this.skip();
    pages = await startPageServer(await bundlePage('worker-page.ts'), { '/worker.js': await bundlePage('worker-entry.ts') });
    hub = await startFixtureHub();
    browser = await launchChromium();
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'xenc-worker-'));
  });
  after(async () => {
    await browser?.close();
    await hub?.stop();
    await pages?.stop();
    if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
  });
  afterEach(() => {
    expect(errors.splice(0), 'errors in the page or the worker').to.deep.equal([]);
  });

  async function open(): Promise<Page> {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
      if (process.env.XENC_BROWSER_CONSOLE) process.stdout.write(`    [page ${m.type()}] ${m.text()}\n`);
    });
    page.on('worker', (w) => w.on('console', (m) => m.type() === 'error' && errors.push(`worker console: ${m.text()}`)));
    await page.goto(`${pages.origin}/`);
    await page.waitForFunction(() => 'xworker' in globalThis, undefined, { timeout: 60_000 });
    return page;
  }

  const probe: Array<[string, string]> = [
    ['A man is playing a guitar.', 'A man plays the guitar.'],
    ['A woman is slicing an onion.', 'A dog runs in the park.'],
    ['Three men are playing chess.', 'Two men are playing chess.'],
  ];

  it('trains on wasm with events, stops keeping the best model, and the downloaded zip loads in Node (and Python) with the page\'s scores', async () => {
    const page = await open();
    const validationRows = 24;
    const args: WorkerRunArgs = {
      endpoint: hub.endpoint,
      wasmPaths: `${pages.origin}/wasm/`,
      repo: repoOf('tiny-bert-cross-encoder'),
      trainTsv: stsbHead('train', 64),
      validationTsv: stsbHead('validation', validationRows),
      // lr high enough that a tiny model moves: the evaluations differ, so "best" is a real choice.
      options: { batchSize: 4, epochs: 2, lr: 5e-4, warmupRatio: 0, loggingSteps: 1, evalSteps: 3, seed: 3 },
      stopAtStep: 10,
      probe,
      zipName: 'tiny-bert-stsb',
    };
    const downloadP = page.waitForEvent('download', { timeout: 300_000 });
    const run: WorkerRun = await page.evaluate((a) => (globalThis as unknown as Xw).xworker.trainStopDownload(a), args);
    const download = await downloadP;

    // Events: data, start, then per step progress and loss, evaluations at 0 and every 3 steps, and the stop.
    const kinds = run.events.map((e) => e.kind);
    const data = run.events.find((e) => e.kind === 'data');
    expect(data).to.deep.include({ train: 64, validation: validationRows, test: 0 });
    const start = run.events.find((e) => e.kind === 'start');
    expect(start).to.deep.include({ totalSteps: 32, stepsPerEpoch: 16 });
    const progress = run.events.filter((e) => e.kind === 'progress').map((e) => (e.kind === 'progress' ? e.step : -1));
    expect(progress.slice(0, 10)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const losses = run.events.flatMap((e) => (e.kind === 'loss' ? [e] : []));
    expect(losses.map((l) => l.step)).to.deep.equal(progress);
    for (const l of losses) expect(l.loss, `loss at step ${l.step}`).to.be.a('number').and.satisfy(Number.isFinite);
    const evalSteps = run.events.flatMap((e) => (e.kind === 'eval' ? [e.step] : []));
    expect(evalSteps[0], 'the evaluation before training').to.equal(0);
    expect(evalSteps.slice(1)).to.deep.equal(progress.filter((s) => s % 3 === 0));
    expect(kinds).to.include('stopping');

    // The stop: after step 10 and before the end; the kept model is the best evaluation's.
    const o = run.outcome;
    expect(o.stopped).to.equal(true);
    expect(o.steps).to.be.within(10, 31);
    expect(o.kept).to.equal('best');
    expect(o.best).to.not.equal(undefined);
    const best = o.best!;
    expect(o.keptStep).to.equal(best.step);
    expect(Math.max(...o.evals.map((e) => e.spearman))).to.equal(best.spearman);
    expect(run.maxTimerGapMs, 'longest gap between 10 ms timer ticks in the page while the worker trained').to.be.below(1000);

    // The download: a zip of the Hugging Face folder with its model card.
    const zip = path.join(tmp, download.suggestedFilename());
    await download.saveAs(zip);
    expect(path.basename(zip)).to.equal('tiny-bert-stsb.zip');
    expect((await fsp.stat(zip)).size).to.equal(run.zipBytes);
    unzip(zip, tmp);
    const dir = path.join(tmp, 'tiny-bert-stsb');
    const names = (await fsp.readdir(dir)).sort();
    expect(names).to.include.members(['README.md', 'config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    expect(names).to.deep.equal(run.files.map((f) => f.path).sort());
    const card = await fsp.readFile(path.join(dir, 'README.md'), 'utf-8');
    expect(card).to.match(/^---\nlibrary_name: sentence-transformers/);
    expect(card).to.include(repoOf('tiny-bert-cross-encoder'));

    // In Node: the same logits as the page computed with the kept model, and the best evaluation's Spearman.
    const model = await CrossEncoder.fromPretrained(dir);
    try {
      const node = (await model.logits(probe, { showProgress: false })).map((r) => [...r]);
      const diff = Math.max(...node.flatMap((r, i) => r.map((v, j) => Math.abs(v - run.logits[i][j]))));
      process.stdout.write(`    ${o.steps} steps of ${o.totalSteps} before the stop, kept step ${o.keptStep} (validation Spearman ${best.spearman.toFixed(4)}), ${o.msPerStep.toFixed(1)} ms/step in the worker incl. evaluations; page timer gap ≤ ${run.maxTimerGapMs.toFixed(0)} ms; zip ${(run.zipBytes / 1e3).toFixed(0)} kB\n`);
      process.stdout.write(`    Node vs page logits of the downloaded model: max |diff| ${diff.toExponential(2)}\n`);
      expect(diff, 'Node logits vs the page\'s').to.be.at.most(1e-6);
      const val = (await readPairsFile(path.join(STSB_DIR, 'validation.tsv'), { limit: validationRows })).examples;
      const scores = await model.predict(val.map((e) => [e.sentence1, e.sentence2] as const), { showProgress: false });
      const s = spearman(scores, val.map((e) => e.label));
      expect(Math.abs(s - best.spearman), 'validation Spearman of the downloaded model vs the best evaluation').to.be.at.most(1e-6);
    } finally {
      model.dispose();
    }

    // In Python, where the bench venv is set up: sentence-transformers' CrossEncoder loads the download.
    if (existsSync(PYTHON)) {
      const py = spawnSync(PYTHON, ['-c', 'import json, sys\nfrom sentence_transformers import CrossEncoder\nm = CrossEncoder(sys.argv[1], device="cpu")\nprint(json.dumps([float(x) for x in m.predict(json.loads(sys.argv[2]))]))', dir, JSON.stringify(probe)], { encoding: 'utf-8' });
      expect(py.status, py.stderr).to.equal(0);
      const st = JSON.parse(py.stdout.trim().split('\n').pop()!) as number[];
      const d = Math.max(...st.map((v, i) => Math.abs(v - run.scores[i])));
      process.stdout.write(`    sentence-transformers CrossEncoder vs page scores: max |diff| ${d.toExponential(2)}\n`);
      expect(d, 'Python scores vs the page\'s').to.be.at.most(1e-5);
    } else {
      process.stdout.write(`    (no ${PYTHON}: the Python load was not checked)\n`);
    }
  });

  it('a malformed CSV picked for training gives, in the page, the error Node gives', async () => {
    const text = 'sentence1,sentence2,score\n"A man plays,A man sings,0.5\n';
    const file = path.join(tmp, 'bad.csv');
    await fsp.writeFile(file, text);
    const node = await readPairsFile(file).then(
      () => 'no error',
      (e: Error) => `${e.name}: ${e.message}`,
    );
    expect(node).to.match(/^DataError: /);
    const page = await open();
    const inPage = await page.evaluate(([a, t]) => (globalThis as unknown as Xw).xworker.badDataError(a, 'bad.csv', t), [{ endpoint: hub.endpoint, wasmPaths: `${pages.origin}/wasm/`, repo: repoOf('tiny-bert-cross-encoder') }, text] as const);
    expect(inPage.replace(/\S*bad\.csv/g, '<dir>/bad.csv')).to.equal(node.replace(/\S*bad\.csv/g, '<dir>/bad.csv'));
  });
});
