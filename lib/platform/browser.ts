/**
 * The page platform: an in-memory file system (memory-fs.ts) onto which Hub downloads (from Cache Storage), URLs
 * and user Files are mounted, no environment (settings come from `configureBrowser`), the console for log lines,
 * and the page's backend order (backend/browser.ts). Importing this module installs it; lib/browser.ts does.
 */
import { initBrowserBackend } from '../backend/browser.js';
import { UsageError } from '../errors.js';
import { BrowserHub, type BrowserHubSettings } from '../io/browser-hub.js';
import { createSha256 } from '../util/sha256.js';
import { installPlatform, type Platform, type TextSink } from './index.js';
import { MemoryFs } from './memory-fs.js';
import { posixPath } from './posix-path.js';

export const memoryFs = new MemoryFs();

export const hubSettings: BrowserHubSettings = { endpoint: 'https://huggingface.co', offline: false, cacheName: 'tfjs-cross-encoder' };

/** Log lines arrive whole ("[cross-encoder] ...\n"): one console line each. */
const consoleSink: TextSink = {
  write(text: string) {
    for (const line of text.split('\n')) if (line && !line.startsWith('\r')) console.warn(line);
  },
  isTTY: false,
};

const hex = (n: number): string => Math.floor(Math.random() * 16 ** n).toString(16).padStart(n, '0');

/** Names of the page's replica threads: none yet (Web Workers would be the route; see the README). */
const PAGE_PID = 1;

export const browserPlatform: Platform = {
  name: 'browser',
  env: () => undefined,
  fs: memoryFs,
  path: posixPath,
  stderr: consoleSink,
  hub: new BrowserHub(memoryFs, () => hubSettings),
  initBackend: (requested) => initBrowserBackend(requested),
  // What threads 'auto' counts: a page runs no replica threads (startReplicas below), so one.
  cpuCount: () => 1,
  // Browsers do not say; 4 GB is what one wasm heap or a typical GPU budget allows.
  totalMemoryBytes: () => 4 * 2 ** 30,
  startReplicas: async (_model, threads) => {
    throw new UsageError(`threads ${threads}: replica threads are Node-only (worker_threads); in a page use threads 1`);
  },
  createSha256,
  tempTag: () => `${PAGE_PID}.${hex(8)}`,
  processAlive: (pid) => pid === PAGE_PID,
  pid: PAGE_PID,
  // A macrotask, so rendering and input get a turn between batches (a resolved promise would not yield).
  yieldToEventLoop: () => new Promise<void>((r) => setTimeout(r, 0)),
  enableRelaxedSimd: () => false,
};

installPlatform(browserPlatform);
