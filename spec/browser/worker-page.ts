/**
 * The page side of the worker spec (bundled as /page.js): drives the model worker (/worker.js) through the
 * library's ModelWorkerClient, stops a run part-way, and downloads the kept model as a zip through a real
 * <a download> click, as a user's page would. Numbers come back to Node (worker.spec.ts), which asserts.
 */
import { ModelWorkerClient, zipStore, type ModelInfo, type TrainEvent, type TrainOutcome, type WorkerLike } from '../../lib/browser.js';

export interface WorkerRun {
  info: ModelInfo;
  events: TrainEvent[];
  outcome: TrainOutcome;
  /** The kept model's logits and scores for the probe pairs, computed in the worker. */
  logits: number[][];
  scores: number[];
  /** Longest gap between the page's 10 ms timer ticks while the worker trained: the page stayed responsive. */
  maxTimerGapMs: number;
  files: Array<{ path: string; size: number }>;
  zipBytes: number;
}

export interface WorkerRunArgs {
  endpoint: string;
  wasmPaths: string;
  repo: string;
  trainTsv: string;
  validationTsv: string;
  options: Record<string, number | string | boolean>;
  /** Ask for a stop once this step's progress event arrives. */
  stopAtStep: number;
  probe: Array<[string, string]>;
  zipName: string;
}

type Doc = {
  createElement(tag: 'a'): { href: string; download: string; click(): void; remove(): void };
  body: { append(e: unknown): void };
};
type WorkerCtor = new (url: string, opts: { type: 'module' }) => WorkerLike;
type FileCtor = new (parts: string[], name: string, opts: { type: string }) => { name: string; size: number; arrayBuffer(): Promise<ArrayBuffer> };
type BlobCtor = new (parts: Uint8Array[], opts: { type: string }) => unknown;
type UrlApi = { createObjectURL(b: unknown): string; revokeObjectURL(u: string): void };

const g = globalThis as unknown as { Worker: WorkerCtor; File: FileCtor; Blob: BlobCtor; URL: UrlApi; document: Doc };

async function trainStopDownload(a: WorkerRunArgs): Promise<WorkerRun> {
  const client = new ModelWorkerClient(new g.Worker('/worker.js', { type: 'module' }));
  try {
    await client.init({ backend: 'wasm', wasmPaths: a.wasmPaths, hub: { endpoint: a.endpoint } });
    const info = await client.load({ hub: a.repo });
    const events: TrainEvent[] = [];
    let last = performance.now();
    let maxTimerGapMs = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxTimerGapMs = Math.max(maxTimerGapMs, now - last);
      last = now;
    }, 10);
    let outcome: TrainOutcome;
    try {
      outcome = await client.train(
        {
          train: { source: { file: new g.File([a.trainTsv], 'train.tsv', { type: 'text/tab-separated-values' }) } },
          validation: { source: { file: new g.File([a.validationTsv], 'validation.tsv', { type: 'text/tab-separated-values' }) } },
          options: a.options,
          baseModel: a.repo,
        },
        (e) => {
          events.push(e);
          if (e.kind === 'progress' && e.step === a.stopAtStep) client.stop();
        },
      );
    } finally {
      clearInterval(timer);
    }
    const { logits, scores } = await client.predict(a.probe);
    const files = await client.files();
    const zip = zipStore(files.map((f) => ({ path: `${a.zipName}/${f.path}`, bytes: f.bytes })));
    // A real download, as the demo offers it: a Blob URL on an <a download> that is clicked.
    const url = g.URL.createObjectURL(new g.Blob([zip], { type: 'application/zip' }));
    const link = g.document.createElement('a');
    link.href = url;
    link.download = `${a.zipName}.zip`;
    g.document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => g.URL.revokeObjectURL(url), 10_000);
    return { info, events, outcome, logits, scores, maxTimerGapMs, files: files.map((f) => ({ path: f.path, size: f.bytes.length })), zipBytes: zip.length };
  } finally {
    client.terminate();
  }
}

/** A data error raised in the worker, as the page receives it (class name and message). */
async function badDataError(a: Pick<WorkerRunArgs, 'endpoint' | 'wasmPaths' | 'repo'>, name: string, text: string): Promise<string> {
  const client = new ModelWorkerClient(new g.Worker('/worker.js', { type: 'module' }));
  try {
    await client.init({ backend: 'wasm', wasmPaths: a.wasmPaths, hub: { endpoint: a.endpoint } });
    await client.load({ hub: a.repo });
    await client.train({ train: { source: { file: new g.File([text], name, { type: 'text/plain' }) } } });
    return 'no error';
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  } finally {
    client.terminate();
  }
}

const api = { trainStopDownload, badDataError };
(globalThis as { xworker?: typeof api }).xworker = api;
export type WorkerPageApi = typeof api;
