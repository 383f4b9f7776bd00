/**
 * What the browser specs run on: the page bundle (esbuild, platform browser), a static server for the page and
 * tfjs-backend-wasm's .wasm files, the Hub stand-in (spec/helpers/hub-server.ts, with CORS, on another origin, its
 * CDN on a third) serving the fixture models in Hub URL shape, and Debian's chromium driven by playwright-core.
 */
import { build } from 'esbuild';
import { existsSync, promises as fsp } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startHubServer, type HubServer } from '../helpers/hub-server.js';
import { CROSS_ENCODER_FIXTURES, fixtureModel, REPO_ROOT } from '../helpers/paths.js';

/** Debian's chromium (.ci/run installs it with apt); XENC_CHROMIUM overrides. Never `playwright install`. */
export const CHROMIUM = process.env.XENC_CHROMIUM ?? '/usr/bin/chromium';

export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} not found (apt-get install chromium, or set XENC_CHROMIUM)`;
}

/** Fixture model `name` is served as the Hub repo `fixtures/<name>`. */
export const repoOf = (name: string): string => `fixtures/${name}`;

/** Bundle a spec/browser entry (default page.ts) for the page, or for a module worker: both are platform browser. */
export async function bundlePage(entry = 'page.ts'): Promise<string> {
  const out = await build({
    entryPoints: [path.join(REPO_ROOT, 'spec', 'browser', entry)],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0].text;
}

export interface PageServer {
  origin: string;
  stop(): Promise<void>;
}

const wasmDir = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));

/**
 * The test page: index.html, page.js (the bundle) and /wasm/*.wasm, as a bundler's dev server would serve them;
 * `scripts` are more bundles by URL path (a worker's, '/worker.js').
 */
export async function startPageServer(bundle: string, scripts: Record<string, string> = {}): Promise<PageServer> {
  // The folder picker is what a user would use to load a model from disk (setInputFiles fills it in the spec).
  const html = '<!doctype html><meta charset="utf-8"><title>tfjs-cross-encoder browser spec</title><input id="folder" type="file" webkitdirectory><script type="module" src="/page.js"></script>';
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string | Uint8Array): void => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    if (url === '/' || url === '/index.html') return send(200, 'text/html', html);
    if (url === '/page.js') return send(200, 'text/javascript', bundle);
    if (Object.hasOwn(scripts, url)) return send(200, 'text/javascript', scripts[url]);
    if (url === '/favicon.ico') return send(204, 'image/x-icon', '');
    // A fixture model as a plain folder of files at a URL (no Hub API): /models/<name>/<file>.
    const f = /^\/models\/([\w.-]+)\/([\w.-]+)$/.exec(url);
    if (f) {
      fsp.readFile(path.join(fixtureModel(f[1]), f[2])).then(
        (b) => send(200, 'application/octet-stream', new Uint8Array(b.buffer, b.byteOffset, b.byteLength)),
        () => send(404, 'text/plain', 'not found'),
      );
      return;
    }
    const m = /^\/wasm\/([\w.-]+\.wasm)$/.exec(url);
    if (m) {
      fsp.readFile(path.join(wasmDir, m[1])).then(
        (b) => send(200, 'application/wasm', new Uint8Array(b.buffer, b.byteOffset, b.byteLength)),
        () => send(404, 'text/plain', 'not found'),
      );
      return;
    }
    send(404, 'text/plain', 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function startFixtureHub(): Promise<HubServer> {
  const repos: Record<string, string> = {};
  for (const name of CROSS_ENCODER_FIXTURES) repos[repoOf(name)] = fixtureModel(name);
  return startHubServer({ repos, cors: true });
}

export async function launchChromium(): Promise<Browser> {
  // --enable-unsafe-webgpu: WebGPU on SwiftShader in headless chromium (../shared/notes/backends-2026-12-01.md).
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--enable-unsafe-webgpu', '--no-sandbox'] });
}

/** A fresh page in `context` (its Cache Storage is the context's) on `origin` with the bundle loaded and `globalThis.xenc` ready; page errors are collected. */
export async function openPage(context: BrowserContext, origin: string, errors: string[]): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    if (process.env.XENC_BROWSER_CONSOLE) process.stdout.write(`    [page ${m.type()}] ${m.text()}\n`);
  });
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => 'xenc' in globalThis, undefined, { timeout: 60_000 });
  return page;
}
