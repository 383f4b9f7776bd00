/**
 * A model's replica pool as the model holds it: started on first use, restarted only to grow or after a worker
 * died, stopped with the model. Concurrent callers share one start. Platform-neutral: the pool itself is the
 * platform's (platform().startReplicas).
 */
import { platform } from '../platform/index.js';
import type { ReplicaBuild } from './protocol.js';
import type { ReplicaModel, Replicas } from './threads.js';

export class ReplicaHandle {
  private pool: Promise<Replicas> | undefined;
  /** Threads of the running pool (0: none). */
  liveThreads = 0;

  constructor(
    private readonly model: ReplicaModel,
    private readonly build?: ReplicaBuild,
  ) {}

  /** A pool with at least `threads` threads. */
  get(threads: number): Promise<Replicas> {
    const current = this.pool;
    this.pool = (async () => {
      const pool = await current?.catch(() => undefined);
      if (pool?.usable && pool.threads >= threads) return pool;
      await pool?.dispose();
      this.liveThreads = 0;
      const started = await platform().startReplicas(this.model, threads, this.build);
      this.liveThreads = threads;
      return started;
    })();
    return this.pool;
  }

  /** Stop the workers (if any); a later get() starts new ones. */
  dispose(): void {
    void this.pool?.then((p) => p.dispose()).catch(() => undefined);
    this.pool = undefined;
    this.liveThreads = 0;
  }
}
