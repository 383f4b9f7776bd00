/**
 * The library in a real page (headless chromium, SwiftShader for WebGL and WebGPU), loading from a real HTTP server
 * shaped like the Hub: fixture logits on wasm, webgl, webgpu and cpu against the PyTorch reference, the Cache Storage
 * path with the server stopped, and the training-steps.json replay. Run by `npm run test:browser`.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
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
