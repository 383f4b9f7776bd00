/**
 * The library in a real page (headless chromium, SwiftShader for WebGL and WebGPU), loading from a real HTTP server
 * shaped like the Hub: fixture logits on wasm, webgl, webgpu and cpu against the PyTorch reference, the Cache Storage
 * path with the server stopped, and the training-steps.json replay. Run by `npm run test:browser`.
 */
import { expect } from 'chai';
import { promises as fsp, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CrossEncoder } from '../../lib/index.js';
import type { Browser, BrowserContext } from 'playwright-core';
import type { HubServer } from '../helpers/hub-server.js';
import { CROSS_ENCODER_FIXTURES, fixtureModel, REPO_ROOT } from '../helpers/paths.js';
import { bundlePage, chromiumMissing, launchChromium, openPage, repoOf, startFixtureHub, startPageServer, type PageServer } from './harness.js';
import type { FixtureCase, PageApi, ParityResult, ReplayResult, Setup, TrainingFixture } from './page.js';

const BACKENDS = ['wasm', 'webgl', 'webgpu', 'cpu'] as const;

const casesOf = (name: string): FixtureCase[] => (JSON.parse(readFileSync(path.join(fixtureModel(name), 'expected.json'), 'utf-8')) as { cases: FixtureCase[] }).cases;
const TRAINING = JSON.parse(readFileSync(path.join(REPO_ROOT, 'spec', 'fixtures', 'training-steps.json'), 'utf-8')) as TrainingFixture;

type Xenc = { xenc: PageApi };

describe('in the browser (headless chromium)', function () {
  this.timeout(600_000);
  const missing = chromiumMissing();
  let browser: Browser;
  let hub: HubServer;
  let pages: PageServer;
  const errors: string[] = [];
  const parity: ParityResult[] = [];
  const replays: ReplayResult[] = [];

  before(async function () {
    if (missing) return this.skip();
    pages = await startPageServer(await bundlePage());
    hub = await startFixtureHub();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await hub?.stop();
    await pages?.stop();
    if (parity.length) process.stdout.write(`    worst logit differences (page vs PyTorch):\n${parity.map((p) => `      ${p.backend.padEnd(7)} ${p.viaInputIds.toExponential(2)} from input ids, ${p.viaTokenizer.toExponential(2)} through the tokenizer (${p.device})`).join('\n')}\n`);
    if (replays.length) process.stdout.write(`    training replay (3 AdamW steps):\n${replays.map((r) => `      ${r.backend.padEnd(7)} loss ${r.lossRel.toExponential(2)} rel, grad norm ${r.gradNormRel.toExponential(2)} rel, logits after ${r.logitsAfter.toExponential(2)}, ${r.msPerStep.toFixed(0)} ms/step`).join('\n')}\n`);
  });
  afterEach(() => {
    // Page errors are failures even when the numbers came out right.
    expect(errors.splice(0), 'errors in the page').to.deep.equal([]);
  });

  const setup = (backend: string): Setup => ({ endpoint: hub.endpoint, wasmPaths: `${pages.origin}/wasm/`, backend });

  for (const backend of BACKENDS) {
    it(`${backend}: every fixture cross-encoder, loaded from the Hub server, gives PyTorch's logits within 1e-4`, async () => {
      const context = await browser.newContext();
      try {
        const page = await openPage(context, pages.origin, errors);
        for (const name of CROSS_ENCODER_FIXTURES) {
          const r = await page.evaluate(([s, repo, cases]) => (globalThis as unknown as Xenc).xenc.parity(s, repo, cases), [setup(backend), repoOf(name), casesOf(name)] as const);
          expect(r.device, 'the backend asked for').to.match(new RegExp(`^${backend}:`));
          expect(r.viaInputIds, `${name} on ${backend}: logits from the fixture's input ids`).to.be.at.most(1e-4);
          expect(r.viaTokenizer, `${name} on ${backend}: logits through the tokenizer`).to.be.at.most(1e-4);
          const prev = parity.find((p) => p.backend === backend);
          if (!prev) parity.push(r);
          else Object.assign(prev, { viaInputIds: Math.max(prev.viaInputIds, r.viaInputIds), viaTokenizer: Math.max(prev.viaTokenizer, r.viaTokenizer) });
        }
      } finally {
        await context.close();
      }
    });
  }

  it('a second load with the Hub server stopped comes from Cache Storage, with the same logits', async () => {
    const name = 'tiny-roberta-cross-encoder';
    const pairs: [string, string][] = [['A man is eating food.', 'A man eats bread.']];
    const own = await startFixtureHub();
    const context: BrowserContext = await browser.newContext();
    try {
      const s = { ...setup('wasm'), endpoint: own.endpoint };
      const first = await openPage(context, pages.origin, errors);
      const online = await first.evaluate(([st, repo, p]) => (globalThis as unknown as Xenc).xenc.predictOnce(st, repo, p), [s, repoOf(name), pairs] as const);
      const served = own.requests.length;
      expect(served, 'the first load went to the server').to.be.greaterThan(0);
      await own.stop();
      // A new page: nothing is left in memory, only what Cache Storage holds.
      const second = await openPage(context, pages.origin, errors);
      const offline = await second.evaluate(([st, repo, p]) => (globalThis as unknown as Xenc).xenc.predictOnce(st, repo, p), [s, repoOf(name), pairs] as const);
      expect(offline).to.deep.equal(online);
      expect(own.requests.length, 'no request reached the stopped server').to.equal(served);
      // The failed listing request is the expected "cannot reach" warning, not an error of ours.
      errors.splice(0, errors.length, ...errors.filter((e) => !/Failed to load resource|ERR_CONNECTION_REFUSED/.test(e)));
    } finally {
      await context.close();
      await own.stop().catch(() => undefined);
    }
  });

  it('loads from a plain URL and from a folder of Files picked with <input webkitdirectory>, with the Hub load\'s logits', async () => {
    const name = 'tiny-bert-cross-encoder';
    const pairs: [string, string][] = [['A man is eating food.', 'A man eats bread.'], ['A plane takes off.', 'A cat sleeps.']];
    const context = await browser.newContext();
    try {
      const page = await openPage(context, pages.origin, errors);
      const fromHub = await page.evaluate(([st, repo, p]) => (globalThis as unknown as Xenc).xenc.predictOnce(st, repo, p), [setup('wasm'), repoOf(name), pairs] as const);
      const fromUrl = await page.evaluate(([st, url, p]) => (globalThis as unknown as Xenc).xenc.predictFrom(st, url, p), [setup('wasm'), `/models/${name}/`, pairs] as const);
      await page.setInputFiles('#folder', fixtureModel(name));
      const fromFiles = await page.evaluate(([st, p]) => (globalThis as unknown as Xenc).xenc.predictFrom(st, '#folder', p), [setup('wasm'), pairs] as const);
      expect(fromUrl).to.deep.equal(fromHub);
      expect(fromFiles).to.deep.equal(fromHub);
      // The URL load asks for every file a model may have; the absent ones answer 404, which the console reports.
      errors.splice(0, errors.length, ...errors.filter((e) => !/status of 404/.test(e)));
    } finally {
      await context.close();
    }
  });

  it('a truncated model.safetensors picked in the page gives the error Node gives, naming the file', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'xenc-browser-bad-'));
    const bad = path.join(dir, 'bad-model');
    await fsp.cp(fixtureModel('tiny-bert-cross-encoder'), bad, { recursive: true });
    const st = path.join(bad, 'model.safetensors');
    const bytes = await fsp.readFile(st);
    await fsp.writeFile(st, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const context = await browser.newContext();
    try {
      const node = await CrossEncoder.fromPretrained(bad).then(
        () => 'no error',
        (e: Error) => `${e.name}: ${e.message}`,
      );
      expect(node).to.match(/^SafetensorsError: .*model\.safetensors .*truncated/);
      const page = await openPage(context, pages.origin, errors);
      await page.setInputFiles('#folder', bad);
      const inPage = await page.evaluate((s) => (globalThis as unknown as Xenc).xenc.loadErrorFromFolder(s), setup('wasm'));
      // The same error, class and text; only the folder differs (the page's mounted folder vs the temp folder).
      expect(inPage.replace(/\S*bad-model\//, '<dir>/')).to.equal(node.replace(/\S*bad-model\//, '<dir>/'));
    } finally {
      await context.close();
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });

  for (const backend of BACKENDS) {
    it(`${backend}: training-steps.json replays in the page (loss 1e-5 rel, grad norm 1e-4 rel, logits after 1e-4)`, async () => {
      const context = await browser.newContext();
      try {
        const page = await openPage(context, pages.origin, errors);
        const r = await page.evaluate(([s, repo, fx, padded]) => (globalThis as unknown as Xenc).xenc.replay(s, repo, fx, padded), [setup(backend), repoOf(TRAINING.start_model), TRAINING, Boolean(process.env.XENC_PADDED)] as const);
        replays.push(r);
        expect(r.steps).to.equal(3);
        expect(r.lossRel, `loss on ${backend}`).to.be.at.most(1e-5);
        expect(r.gradNormRel, `grad norm on ${backend}`).to.be.at.most(1e-4);
        expect(r.logitsAfter, `logits after 3 steps on ${backend}`).to.be.at.most(1e-4);
      } finally {
        await context.close();
      }
    });
  }
});
