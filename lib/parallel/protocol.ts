/**
 * Messages between the calling thread and its replica workers (lib/parallel/replica-worker.ts). Everything here is
 * plain data (structured clone); weights, gradients, a work counter and outputs travel through SharedArrayBuffers,
 * so a sync or a gradient hand-over is one memcpy per side and no message per batch.
 */
import type { EncoderConfig } from '../models/config.js';
import type { BatchEncoding } from '../tokenizer/index.js';
import type { LossSpec } from '../cross-encoder/losses/index.js';
import type { MicroBatchJob } from '../training/micro-batch.js';
import type { ModuleSpec } from '../sentence-transformer/config.js';
import type { EmbedJob, ReplayJob } from '../sentence-transformer/embed-jobs.js';
import type { LogLevel } from '../util/log.js';

/** Where one parameter lives in a flat float32 buffer (offset and length in elements). */
export interface Slot {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

/** Slots for `params` laid end to end; returns them with the total element count. */
export function layoutSlots(params: ReadonlyArray<{ name: string; shape: number[] }>): { slots: Slot[]; total: number } {
  let offset = 0;
  const slots = params.map(({ name, shape }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const slot = { name, shape: [...shape], offset, size };
    offset += size;
    return slot;
  });
  return { slots, total: offset };
}

/** What a replica builds: a cross-encoder's classifier, or a bi-encoder's embedding model (its module pipeline). */
export type ReplicaBuild = { kind: 'sequence-classifier' } | { kind: 'embedding-model'; modules: ModuleSpec[] };

export interface InitRequest {
  type: 'init';
  backend: string;
  logLevel: LogLevel;
  config: EncoderConfig;
  build: ReplicaBuild;
  /** Every parameter of the model, in `weights`. */
  slots: Slot[];
  weights: SharedArrayBuffer;
}

/** Reload every parameter from the shared weights buffer (the caller has rewritten it). */
export interface SyncRequest {
  type: 'sync';
}

/**
 * Score batches until none is left. Batches are claimed by Atomics.add on counter[0] (the calling thread claims from
 * the same counter), each finished batch adds 1 to counter[1], and batch i's logits go to out[outOffsets[i] ...].
 */
export interface LogitsRequest {
  type: 'logits';
  batches: BatchEncoding[];
  counter: SharedArrayBuffer;
  out: SharedArrayBuffer;
  outOffsets: number[];
}

/** Embed jobs until none is left, claimed from `counter` as LogitsRequest's batches are; job i's rows go to out[outOffsets[i] ...]. */
export interface EmbedRequest {
  type: 'embed';
  jobs: EmbedJob[];
  counter: SharedArrayBuffer;
  out: SharedArrayBuffer;
  outOffsets: number[];
}

/** Gradients of the GradCache chunks `jobs` replayed (embedding-model replicas), summed into `grads` by `slots`. */
export interface ReplayRequest {
  type: 'replay';
  jobs: ReplayJob[];
  slots: Slot[];
  grads: SharedArrayBuffer;
}

/** Gradients of Σ weight · loss(micro-batch) for `slots` (the trainable parameters), summed into `grads`. */
export interface GradientsRequest {
  type: 'grads';
  micro: MicroBatchJob[];
  loss: LossSpec;
  slots: Slot[];
  grads: SharedArrayBuffer;
}

export type Request = InitRequest | SyncRequest | LogitsRequest | GradientsRequest | EmbedRequest | ReplayRequest;

export type Reply =
  | { id: number; ok: true; loss?: number }
  | { id: number; ok: false; message: string; stack?: string };
