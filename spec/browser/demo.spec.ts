/**
 * The demo (examples/browser), built with Vite and served by Vite's preview server, driven like a user in headless
 * chromium against the local Hub-shaped server: the tiny BERT fixture model and a slice of real STSb as the
 * `sentence-transformers/stsb` parquet dataset. It loads, scores a pair, ranks a list, fine-tunes one epoch on wasm
 * and a few steps on webgl with the chart and metrics, and downloads the model, which Node loads with the page's
 * scores. XENC_DEMO_SCREENSHOT=docs/demo.png also saves the screenshot the README shows.
 */
import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { preview, type PreviewServer } from 'vite';
import { CrossEncoder, readPairsFile, type PairExample } from '../../lib/index.js';
import { parquetLikePyarrow } from '../data-arrow-ipc.spec.js';
import { startHubServer, type HubServer } from '../helpers/hub-server.js';
import { CROSS_ENCODER_FIXTURES, fixtureModel, REPO_ROOT, STSB_DIR } from '../helpers/paths.js';
import { chromiumMissing, launchChromium, repoOf } from './harness.js';

const CONFIG = path.join(REPO_ROOT, 'examples', 'browser', 'vite.config.ts');
const MODEL = 'tiny-bert-cross-encoder';

function parquetOf(rows: PairExample[]): Uint8Array {
  return parquetLikePyarrow([
    { name: 'sentence1', type: 'utf8', values: rows.map((r) => r.sentence1) },
    { name: 'sentence2', type: 'utf8', values: rows.map((r) => r.sentence2) },
    { name: 'score', type: 'float64', values: rows.map((r) => r.label) },
  ]);
}

/** Unzip with Python's zipfile (checks every CRC), else Info-ZIP's unzip. */
async function unzip(zip: string, into: string): Promise<void> {
  const { spawnSync, execFileSync } = await import('node:child_process');
  const py = spawnSync('python3', ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; z.extractall(sys.argv[2])', zip, into], { encoding: 'utf-8' });
  if (py.status === 0) return;
  if (py.error === undefined) throw new Error(`python3 zipfile refused ${zip}: ${py.stderr}`);
  execFileSync('unzip', ['-q', zip, '-d', into]);
}

describe('in the browser: the demo (examples/browser, Vite)', function () {
  this.timeout(600_000);
  const missing = chromiumMissing();
  let browser: Browser;
  let hub: HubServer;
  let server: PreviewServer;
  let origin: string;
  let tmp: string;
  const errors: string[] = [];

  before(async function () {
    if (missing) return this.skip();
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'xenc-demo-'));
    const outDir = path.join(tmp, 'dist');
    const t0 = Date.now();
    // The CLI, in its own process, as `npm run demo:build` runs it (Vite's build API inside mocha's tsx loader fails
    // to resolve vite's own modulepreload polyfill).
    const { execFileSync } = await import('node:child_process');
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', CONFIG, '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'], { stdio: ['ignore', 'ignore', 'inherit'] });
    const assets = await fsp.readdir(path.join(outDir, 'assets'));
    const size = async (re: RegExp): Promise<number> => (await Promise.all(assets.filter((a) => re.test(a)).map((a) => fsp.stat(path.join(outDir, 'assets', a))))).reduce((s, st) => s + st.size, 0);
    const { gzipSync } = await import('node:zlib');
    const gz = async (re: RegExp): Promise<number> => (await Promise.all(assets.filter((a) => re.test(a)).map(async (a) => gzipSync(await fsp.readFile(path.join(outDir, 'assets', a))).length))).reduce((s, n) => s + n, 0);
    process.stdout.write(
      `    demo built by Vite in ${((Date.now() - t0) / 1000).toFixed(1)} s: page ${(await size(/^index-.*\.js$/)) / 1e3} kB (${((await gz(/^index-.*\.js$/)) / 1e3).toFixed(1)} kB gzip), ` +
        `worker ${((await size(/^model\.worker-.*\.js$/)) / 1e6).toFixed(2)} MB (${((await gz(/^model\.worker-.*\.js$/)) / 1e3).toFixed(0)} kB gzip, tfjs with webgl + webgpu + wasm + cpu), wasm files ${((await size(/\.wasm$/)) / 1e3).toFixed(0)} kB\n`,
    );
    server = await preview({ configFile: CONFIG, logLevel: 'silent', build: { outDir }, preview: { port: 0, host: '127.0.0.1' } });
    origin = server.resolvedUrls?.local[0]?.replace(/\/$/, '') ?? '';
    const ds = path.join(tmp, 'stsb');
    await fsp.mkdir(path.join(ds, 'data'), { recursive: true });
    for (const [split, n] of [['train', 200], ['validation', 100], ['test', 100]] as const) {
      const rows = (await readPairsFile(path.join(STSB_DIR, `${split}.tsv`), { limit: n })).examples;
      await fsp.writeFile(path.join(ds, 'data', `${split}-00000-of-00001.parquet`), parquetOf(rows));
    }
    const repos: Record<string, string | { dir: string; type: 'dataset' }> = { 'sentence-transformers/stsb': { dir: ds, type: 'dataset' } };
    for (const name of CROSS_ENCODER_FIXTURES) repos[repoOf(name)] = fixtureModel(name);
    hub = await startHubServer({ repos, cors: true });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await hub?.stop();
    await server?.close();
    if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
  });
  afterEach(() => {
    expect(errors.splice(0), 'errors in the page or its worker').to.deep.equal([]);
  });

  async function open(): Promise<Page> {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1000, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
      if (process.env.XENC_BROWSER_CONSOLE) process.stdout.write(`    [page ${m.type()}] ${m.text()}\n`);
    });
    await page.goto(`${origin}/?endpoint=${encodeURIComponent(hub.endpoint)}&model=${encodeURIComponent(repoOf(MODEL))}`);
    return page;
  }

  const state = (page: Page, s: string, timeout = 300_000) => page.waitForSelector(`body[data-state="${s}"]`, { timeout });
  const errorText = (page: Page) => page.$eval('#error', (e) => (e.hasAttribute('hidden') ? '' : (e.textContent ?? '')));

  /** Load, train as set in the form, download; returns the page's score of the pair after training and the unzipped folder. */
  async function trainAndDownload(page: Page, backend: string, form: Record<string, string>, name: string): Promise<{ score: number; dir: string; status: string }> {
    await page.selectOption('#backend-choice', backend);
    await page.click('#load');
    await state(page, 'ready');
    expect(await errorText(page)).to.equal('');
    expect(await page.textContent('#backend')).to.match(new RegExp(`^${backend}`));
    for (const [id, v] of Object.entries(form)) await page.fill(`#${id}`, v);
    await page.click('#train');
    await state(page, 'trained');
    expect(await errorText(page), 'error shown in the page').to.equal('');
    await page.$eval('#score-out', (e) => e.removeAttribute('data-score'));
    await page.click('#score');
    await page.waitForSelector('#score-out[data-score]');
    const score = Number(await page.getAttribute('#score-out', 'data-score'));
    await page.fill('#out-name', name);
    const dl = page.waitForEvent('download');
    await page.click('#download');
    const download = await dl;
    expect(download.suggestedFilename()).to.equal(`${name}.zip`);
    const zip = path.join(tmp, `${name}.zip`);
    await download.saveAs(zip);
    await unzip(zip, tmp);
    return { score, dir: path.join(tmp, name), status: (await page.textContent('#train-status')) ?? '' };
  }

  it('loads the model from the Hub server, scores a pair and ranks a list with the scores Node gives', async () => {
    const page = await open();
    await page.selectOption('#backend-choice', 'wasm');
    await page.click('#load');
    await state(page, 'ready');
    expect(await page.textContent('#model-status')).to.match(/^fixtures\/tiny-bert-cross-encoder: \w+, \d+ layers × \d+, 1 label, max length \d+\.$/);
    const a = await page.inputValue('#sent-a');
    const b = await page.inputValue('#sent-b');
    await page.click('#score');
    await page.waitForSelector('#score-out[data-score]');
    const score = Number(await page.getAttribute('#score-out', 'data-score'));
    await page.click('#rank');
    await page.waitForSelector('#rank-out li');
    const ranked = await page.$$eval('#rank-out li', (lis) => lis.map((li) => ({ id: Number(li.getAttribute('data-corpus-id')), score: Number(li.getAttribute('data-score')) })));
    const query = await page.inputValue('#query');
    const docs = (await page.inputValue('#docs')).split('\n').map((s) => s.trim()).filter(Boolean);
    const node = await CrossEncoder.fromPretrained(fixtureModel(MODEL));
    try {
      const [expected] = await node.predict([[a, b]], { showProgress: false });
      expect(Math.abs(score - expected), 'pair score, page vs Node').to.be.at.most(1e-5);
      const nodeRank = await node.rank(query, docs, { showProgress: false });
      expect(ranked.map((r) => r.id)).to.deep.equal(nodeRank.map((r) => r.corpus_id));
      for (const [i, r] of ranked.entries()) expect(Math.abs(r.score - nodeRank[i].score), `rank ${i + 1}`).to.be.at.most(1e-5);
    } finally {
      node.dispose();
    }
  });

  it('fine-tunes 1 epoch of STSb from the Hub on wasm with a live chart and test metrics, and the downloaded model gives the page\'s score in Node', async () => {
    const page = await open();
    const run = await trainAndDownload(page, 'wasm', { 'n-train': '48', 'n-validation': '32', 'n-test': '32', epochs: '1', batch: '8', lr: '0.0005', 'eval-steps': '2' }, 'demo-wasm');
    // 48 pairs in batches of 8: 6 steps, a loss point each, evaluations before training and at steps 2, 4, 6.
    expect(await page.getAttribute('#chart', 'data-loss-points')).to.equal('6');
    expect(await page.getAttribute('#chart', 'data-eval-points')).to.equal('4');
    expect(await page.$$eval('#chart polyline', (p) => p.length)).to.equal(2);
    expect(run.status).to.match(/^Finished after 6 of 6 steps in [\d.]+ s \(\d+ ms per step with evaluations\)\. Kept the final model\.$/);
    expect(await page.isVisible('#metrics')).to.equal(true);
    for (const id of ['val-pearson', 'val-spearman', 'test-pearson', 'test-spearman']) expect(await page.textContent(`#${id}`), id).to.match(/^-?\d\.\d{4}$/);
    if (process.env.XENC_DEMO_SCREENSHOT) await page.screenshot({ path: path.resolve(REPO_ROOT, process.env.XENC_DEMO_SCREENSHOT), fullPage: true });
    const model = await CrossEncoder.fromPretrained(run.dir);
    try {
      const [node] = await model.predict([[await page.inputValue('#sent-a'), await page.inputValue('#sent-b')]], { showProgress: false });
      process.stdout.write(`    wasm: ${run.status}; Node vs page score of the download ${Math.abs(node - run.score).toExponential(2)}\n`);
      expect(Math.abs(node - run.score), 'score of the downloaded model, Node vs the page').to.be.at.most(1e-5);
    } finally {
      model.dispose();
    }
    expect((await fsp.readdir(run.dir)).sort()).to.include.members(['README.md', 'config.json', 'model.safetensors', 'tokenizer.json']);
  });

  it('fine-tunes a few steps on webgl, and the download gives the page\'s score in Node', async () => {
    const page = await open();
    const run = await trainAndDownload(page, 'webgl', { 'n-train': '16', 'n-validation': '16', 'n-test': '16', epochs: '1', batch: '8', lr: '0.0005', 'eval-steps': '0' }, 'demo-webgl');
    expect(await page.getAttribute('#chart', 'data-loss-points')).to.equal('2');
    expect(await page.getAttribute('#chart', 'data-eval-points')).to.equal('2');
    for (const id of ['test-pearson', 'test-spearman']) expect(await page.textContent(`#${id}`), id).to.match(/^-?\d\.\d{4}$/);
    const model = await CrossEncoder.fromPretrained(run.dir);
    try {
      const [node] = await model.predict([[await page.inputValue('#sent-a'), await page.inputValue('#sent-b')]], { showProgress: false });
      process.stdout.write(`    webgl: ${run.status}; Node (wasm) vs page (webgl) score of the download ${Math.abs(node - run.score).toExponential(2)}\n`);
      expect(Math.abs(node - run.score), 'score of the downloaded model, Node vs the page').to.be.at.most(1e-5);
    } finally {
      model.dispose();
    }
  });

  it('a malformed training file shows the library\'s error in the page, and the page stays usable', async () => {
    const page = await open();
    await page.selectOption('#backend-choice', 'wasm');
    await page.click('#load');
    await state(page, 'ready');
    await page.check('input[name=data][value=files]');
    await page.setInputFiles('#file-train', { name: 'broken.csv', mimeType: 'text/csv', buffer: Buffer.from('sentence1,sentence2,score\n"A man plays,A man sings,0.5\n') });
    await page.click('#train');
    await page.waitForSelector('#error:not([hidden])');
    expect(await errorText(page)).to.match(/^DataError: \S*broken\.csv/);
    expect(await page.getAttribute('body', 'data-state')).to.equal('ready');
  });
});
