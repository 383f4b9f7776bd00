/**
 * The page's side of the model worker (worker.ts): typed calls that resolve with the worker's answer, training
 * events to a callback, and a stop request that ends the run after the step in progress.
 *
 *   const worker = new ModelWorkerClient(new Worker(new URL('./model.worker.ts', import.meta.url), { type: 'module' }));
 *   await worker.init({ backend: 'wasm', wasmPaths: new URL('/tfjs-wasm/', location.href).href });
 *   await worker.load({ hub: 'cross-encoder/stsb-TinyBERT-L4' });
 *   const outcome = await worker.train({ train: { source: { hub: 'sentence-transformers/stsb:train' } } }, (e) => ...);
 *   const zip = zipStore(await worker.files());
 */
import type { LoadOptions, ModelSource, OpName, Ops, Request, Response, TrainEvent, TrainRequest, WorkerSetup } from './protocol.js';

/** The part of the DOM's Worker used here (lib.dom is not loaded: the library also compiles for Node). */
export interface WorkerLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (e: { data: unknown }) => void): void;
  addEventListener(type: 'error', listener: (e: { message?: string }) => void): void;
  terminate(): void;
}

/** An error the worker threw, with its class name (DataError, SafetensorsError, ...) and message as they were there. */
export class WorkerError extends Error {
  constructor(
    readonly errorName: string,
    message: string,
  ) {
    super(message);
    this.name = errorName;
  }
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  onEvent?: (e: TrainEvent) => void;
}

export class ModelWorkerClient {
  private next = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly worker: WorkerLike) {
    worker.addEventListener('message', (e) => this.onMessage(e.data as Response));
    // A worker that fails to start (a bad script URL, a syntax error) says so only through this event.
    worker.addEventListener('error', (e) => {
      const err = new WorkerError('WorkerError', `the model worker failed: ${e.message ?? 'no message (see the console)'}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
  }

  private onMessage(r: Response): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    if (r.type === 'event') return p.onEvent?.(r.event);
    this.pending.delete(r.id);
    if (r.type === 'result') p.resolve(r.value);
    else p.reject(new WorkerError(r.error.name, r.error.message));
  }

  private call<K extends OpName>(op: K, args: Ops[K]['args'], onEvent?: (e: TrainEvent) => void): Promise<Ops[K]['result']> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onEvent });
      this.worker.postMessage({ id, op, args } as Request);
    });
  }

  /** Pick the backend (and the wasm files' folder, the Hub endpoint) in the worker. */
  init(setup: WorkerSetup = {}): Promise<Ops['init']['result']> {
    return this.call('init', setup);
  }

  load(source: ModelSource, options?: LoadOptions): Promise<Ops['load']['result']> {
    const wire = 'files' in source ? { files: Array.from(source.files, (file) => ({ path: file.webkitRelativePath || file.name, file })) } : source;
    return this.call('load', { source: wire, options });
  }

  predict(pairs: Array<[string, string]>): Promise<Ops['predict']['result']> {
    return this.call('predict', { pairs });
  }

  rank(query: string, documents: string[], topK?: number): Promise<Ops['rank']['result']> {
    return this.call('rank', { query, documents, topK });
  }

  /** Fine-tune the loaded model; resolves when the run ends (finished or stopped). */
  train(request: TrainRequest, onEvent?: (e: TrainEvent) => void): Promise<Ops['train']['result']> {
    return this.call('train', request, onEvent);
  }

  /** Ask the run in progress to stop after its current step; train() then resolves with `stopped: true`. */
  stop(): void {
    this.worker.postMessage({ id: this.next++, op: 'stop' } as Request);
  }

  /** The held model as Hugging Face files (with the model card once trained). */
  files(): Promise<Ops['files']['result']> {
    return this.call('files', {});
  }

  terminate(): void {
    this.worker.terminate();
    const err = new WorkerError('WorkerError', 'the model worker was terminated');
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

