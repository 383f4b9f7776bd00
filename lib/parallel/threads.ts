/**
 * The `threads` option, platform-neutral: how many replicas to run. The replicas themselves are the platform's
 * (worker_threads in Node, lib/parallel/replica-pool.ts); this module only counts and checks.
 */
import { activeBackend } from '../backend/state.js';
import { UsageError } from '../errors.js';
import { platform } from '../platform/index.js';
import { tf } from '../tf.js';
import type { EncoderConfig } from '../models/config.js';
import type { ReplicaPool } from './replica-pool.js';

/**
 * A `threads` option: a count, or 'auto' for one per core (at most 4) on wasm/cpu, and 1 elsewhere: tfjs-node is
 * multi-threaded already, and a GPU backend has one device (replicas would only queue on it).
 */
export type Threads = number | 'auto';

export const MAX_AUTO_THREADS = 4;

/** With threads 'auto', replica threads are started for a call of at least this many batches (fewer: not worth a start). */
export const AUTO_MIN_BATCHES = 4;

/** What the model and the trainer use of a running pool (a type only: the pool class is Node's). */
export type Replicas = Pick<ReplicaPool, 'usable' | 'threads' | 'sync' | 'logits' | 'gradients' | 'embeddings' | 'replay' | 'dispose'>;

/** What a pool replicates: a model's config and its trainable variables (a SequenceClassifier or an EmbeddingModel). */
export interface ReplicaModel {
  readonly config: EncoderConfig;
  trainableVariables(): Array<[string, tf.Variable]>;
}

/** Resolve and check a `threads` option (after the backend is initialised, for 'auto'). */
export function checkThreads(threads: Threads): number {
  const backend = activeBackend()?.name ?? tf.getBackend();
  if (threads === 'auto') return backend === 'wasm' || backend === 'cpu' ? Math.min(platform().cpuCount(), MAX_AUTO_THREADS) : 1;
  if (!Number.isInteger(threads) || threads < 1) throw new UsageError(`threads must be a positive integer or 'auto', got ${String(threads)}`);
  if (threads > 1 && (backend === 'webgpu' || backend === 'webgl')) throw new UsageError(`threads ${threads}: replica threads run on wasm or cpu; the ${backend} backend has one GPU device (use threads 1)`);
  return threads;
}
