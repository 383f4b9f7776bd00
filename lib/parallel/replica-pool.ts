/**
 * Data parallelism over worker_threads. tfjs runs wasm on one thread in Node (its threaded build is disabled there),
 * so one process uses one core. A pool holds `threads − 1` worker threads, each with its own backend and a replica
 * of the model; the calling thread is the remaining replica. Scoring: every replica claims whole batches from a
 * shared counter, so each batch is computed exactly as it would be in one thread (identical logits). Training: the
 * step's micro-batches are shared out; gradients are summed as micro-batching sums them (equal up to float
 * rounding). Replicas get the caller's weights through one SharedArrayBuffer, re-sent only when a parameter changed.
 */
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { activeBackend } from '../backend/state.js';
import { UsageError } from '../errors.js';
import { tf } from '../tf.js';
import type { BatchEncoding } from '../tokenizer/index.js';
import type { EmbedJob, ReplayJob } from '../sentence-transformer/embed-jobs.js';
import type { LossSpec } from '../cross-encoder/losses/index.js';
import { getLogLevel } from '../util/log.js';
import { copyTensorInto, type GradientShare } from './copy.js';
import type { MicroBatchJob } from '../training/micro-batch.js';
import { layoutSlots, type ReplicaBuild, type Reply, type Request, type Slot } from './protocol.js';
import type { ReplicaModel } from './threads.js';

/**
 * A worker running replica-worker beside this file: the .js from dist/, or the .ts when running from source under
 * tsx, whose loader workers do not inherit (so the worker registers it first).
 */
function spawnReplica(): Worker {
  if (path.extname(fileURLToPath(import.meta.url)) !== '.ts') return new Worker(new URL('./replica-worker.js', import.meta.url));
  // tsx's ESM api (index.mjs) beside the CommonJS entry that require.resolve finds.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const script = new URL('./replica-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(script)}); })`;
  return new Worker(boot, { eval: true });
}

// The option itself lives in threads.ts (platform-neutral); re-exported for existing importers.
export { checkThreads, MAX_AUTO_THREADS, type Threads } from './threads.js';
import { checkThreads } from './threads.js';

class ReplicaWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (r: Reply & { ok: true }) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private failure: Error | undefined;
  /** Version of the shared weights this replica holds (see ReplicaPool.sync). */
  version = 0;

  constructor(readonly index: number) {
    this.worker = spawnReplica();
    this.worker.unref(); // an idle pool never keeps the process alive
    this.worker.on('message', (reply: Reply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.worker.unref();
      if (reply.ok) p.resolve(reply);
      else p.reject(Object.assign(new Error(`replica thread ${this.index}: ${reply.message}`), { workerStack: reply.stack }));
    });
    this.worker.on('error', (e) => this.fail(new Error(`replica thread ${this.index} crashed: ${e.message}`)));
    this.worker.on('exit', (code) => this.fail(new Error(`replica thread ${this.index} exited (code ${code})`)));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }

  request(req: Request): Promise<Reply & { ok: true }> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    this.worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, req });
    });
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  terminate(): Promise<number> {
    this.fail(new Error(`replica thread ${this.index} was disposed`));
    return this.worker.terminate();
  }
}

export class ReplicaPool {
  private readonly weights: Float32Array;
  /** Each parameter's dataId at the last sync: tfjs gives a variable a new dataId on every assign. */
  private readonly synced = new Map<string, object>();
  private gradBuffers: { key: string; slots: Slot[]; buffers: SharedArrayBuffer[] } | undefined;
  private disposed = false;
  /** Bumped whenever the shared weights buffer changes; each worker remembers the version it loaded. */
  private version = 0;

  private constructor(
    private readonly model: ReplicaModel,
    private readonly workers: ReplicaWorker[],
    private readonly slots: Slot[],
    weights: SharedArrayBuffer,
  ) {
    this.weights = new Float32Array(weights);
  }

  /** False once disposed or once any worker crashed or exited: such a pool only throws, start a new one. */
  get usable(): boolean {
    return !this.disposed && !this.workers.some((w) => w.failed);
  }

  /** Threads scoring or training at once: the caller plus the workers. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** Start `threads − 1` replica workers on the active backend, each building `build` with the model's current weights. */
  static async start(model: ReplicaModel, threads: number, build: ReplicaBuild = { kind: 'sequence-classifier' }): Promise<ReplicaPool> {
    checkThreads(threads);
    if (threads < 2) throw new UsageError('a replica pool needs threads ≥ 2 (1 is the calling thread alone)');
    const backend = activeBackend()?.name ?? tf.getBackend();
    const vars = model.trainableVariables();
    const { slots, total } = layoutSlots(vars.map(([name, v]) => ({ name, shape: v.shape })));
    const sab = new SharedArrayBuffer(4 * total);
    const workers = Array.from({ length: threads - 1 }, (_, i) => new ReplicaWorker(i + 1));
    const pool = new ReplicaPool(model, workers, slots, sab);
    try {
      pool.writeWeights();
      await Promise.all(workers.map((w) => w.request({ type: 'init', backend, logLevel: getLogLevel(), config: model.config, build, slots, weights: sab })));
      for (const w of workers) w.version = pool.version;
    } catch (e) {
      await pool.dispose();
      throw e;
    }
    return pool;
  }

  /** Copy the caller's changed parameters into the shared buffer (bumping its version when any changed). */
  private writeWeights(): void {
    const vars = new Map(this.model.trainableVariables());
    const stale = this.slots.filter((s) => this.synced.get(s.name) !== vars.get(s.name)!.dataId);
    for (const s of stale) {
      const v = vars.get(s.name)!;
      copyTensorInto(this.weights, s.offset, v);
      this.synced.set(s.name, v.dataId);
    }
    if (stale.length) this.version++;
  }

  /**
   * Bring the first `threads − 1` workers up to the caller's current weights (those already current, and the
   * workers beyond, are left alone: a worker reloads when it is next used).
   */
  async sync(threads = this.threads): Promise<void> {
    this.alive();
    this.writeWeights();
    const behind = this.workers.slice(0, threads - 1).filter((w) => w.version !== this.version);
    await Promise.all(
      behind.map(async (w) => {
        await w.request({ type: 'sync' });
        w.version = this.version;
      }),
    );
  }

  private alive(): void {
    if (this.disposed) throw new UsageError('this replica pool was disposed');
  }

  /**
   * Logits of every batch ([batchSize × numLabels] each, in batch order). `local` scores a batch on the calling
   * thread; `onProgress` gets the number of batches finished so far; `threads` (≤ the pool's) limits the workers used.
   */
  logits(batches: BatchEncoding[], local: (b: BatchEncoding) => Promise<Float32Array>, onProgress?: (batchesDone: number) => void, threads = this.threads): Promise<Float32Array[]> {
    const L = this.model.config.numLabels;
    return this.claimed(
      batches.map((b) => b.batchSize * L),
      (shared) => ({ type: 'logits', batches, ...shared }),
      (i) => local(batches[i]),
      onProgress,
      threads,
    );
  }

  /**
   * Embeddings of every job ([rows × width] each, in job order), an embedding-model pool's counterpart of logits():
   * `local` computes job i on the calling thread. A training job's dropout seed travels with it, so which thread
   * computes it does not change the result.
   */
  embeddings(jobs: EmbedJob[], width: number, local: (i: number) => Promise<Float32Array>, onProgress?: (jobsDone: number) => void, threads = this.threads): Promise<Float32Array[]> {
    return this.claimed(
      jobs.map((j) => j.batch.batchSize * width),
      (shared) => ({ type: 'embed', jobs, ...shared }),
      local,
      onProgress,
      threads,
    );
  }

  /**
   * Run `sizes.length` items on the caller and the first `threads − 1` workers at once: every thread claims whole
   * items from one shared counter, item i's output (sizes[i] floats) lands at its own offset of one shared buffer.
   */
  private async claimed(
    sizes: number[],
    request: (shared: { counter: SharedArrayBuffer; out: SharedArrayBuffer; outOffsets: number[] }) => Request,
    local: (i: number) => Promise<Float32Array>,
    onProgress: ((done: number) => void) | undefined,
    threads: number,
  ): Promise<Float32Array[]> {
    await this.sync(threads);
    const outOffsets: number[] = [];
    let total = 0;
    for (const n of sizes) {
      outOffsets.push(total);
      total += n;
    }
    const counterBuf = new SharedArrayBuffer(8);
    const counter = new Int32Array(counterBuf);
    const outBuf = new SharedArrayBuffer(4 * total);
    const out = new Float32Array(outBuf);
    const req = request({ counter: counterBuf, out: outBuf, outOffsets });
    const remote = this.workers.slice(0, threads - 1).map((w) => w.request(req));
    // Settle every worker before returning or throwing, so none is still writing into `out` afterwards.
    const settled = Promise.allSettled(remote);
    let localError: unknown;
    try {
      for (;;) {
        const i = Atomics.add(counter, 0, 1);
        if (i >= sizes.length) break;
        out.set(await local(i), outOffsets[i]);
        Atomics.add(counter, 1, 1);
        onProgress?.(Atomics.load(counter, 1));
        await new Promise<void>((r) => setImmediate(r)); // progress, signals and worker replies get through
      }
    } catch (e) {
      localError = e;
      Atomics.store(counter, 0, sizes.length); // workers stop claiming
    }
    let last = -1;
    const ticker = onProgress
      ? setInterval(() => {
          const done = Atomics.load(counter, 1);
          if (done !== last) onProgress((last = done));
        }, 200)
      : undefined;
    const results = await settled.finally(() => clearInterval(ticker));
    if (localError) throw localError;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    onProgress?.(sizes.length);
    return sizes.map((n, i) => out.slice(outOffsets[i], outOffsets[i] + n));
  }

  /**
   * Start computing gradients on the workers: jobs[w] goes to worker w (an empty list costs nothing). Call after
   * sync(jobs.length + 1); await the result after doing the calling thread's share, which then runs at the same time.
   */
  gradients(params: ReadonlyArray<readonly [string, tf.Variable]>, jobs: MicroBatchJob[][], loss: LossSpec): Promise<GradientShare | undefined>[] {
    return this.shares(params, jobs, (micro, slots, grads) => ({ type: 'grads', micro, loss, slots, grads }));
  }

  /** GradCache's replay on the workers (embedding-model pools): jobs[w] goes to worker w, as in gradients(). */
  replay(params: ReadonlyArray<readonly [string, tf.Variable]>, jobs: ReplayJob[][]): Promise<GradientShare | undefined>[] {
    return this.shares(params, jobs, (chunks, slots, grads) => ({ type: 'replay', jobs: chunks, slots, grads }));
  }

  /** jobs[w] to worker w, each summing its gradients into its own shared buffer laid out by the params' slots. */
  private shares<J>(params: ReadonlyArray<readonly [string, tf.Variable]>, jobs: J[][], request: (jobs: J[], slots: Slot[], grads: SharedArrayBuffer) => Request): Promise<GradientShare | undefined>[] {
    this.alive();
    const key = params.map(([n]) => n).join('\n');
    if (this.gradBuffers?.key !== key) {
      const { slots, total } = layoutSlots(params.map(([name, v]) => ({ name, shape: v.shape })));
      this.gradBuffers = { key, slots, buffers: this.workers.map(() => new SharedArrayBuffer(4 * total)) };
    }
    const { slots, buffers } = this.gradBuffers;
    return this.workers.map(async (w, i) => {
      const mine = jobs[i] ?? [];
      if (mine.length === 0) return undefined;
      const reply = await w.request(request(mine, slots, buffers[i]));
      return { loss: reply.loss ?? NaN, grads: new Float32Array(buffers[i]), slots };
    });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
