/**
 * Backend selection. We import tfjs-core plus the backends we use, never the `@tensorflow/tfjs` bundle:
 * in Node that bundle registers WebGL, which prints context errors and an "install tfjs-node" banner.
 *
 * Order: TFJS_BACKEND override, else tfjs-node-gpu, else tfjs-node (both optional, detected at run time),
 * else wasm (SIMD; ~30x faster than pure-JS cpu on this workload), else cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradient functions. tfjs-layers (which our modules subclass anyway) registers
// them all on import; tfjs-core's own register_all_gradients is not loadable as Node ESM (directory imports).
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { BackendError } from './errors.js';
import { log } from './util/log.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  name: BackendName;
  /** Which package provided it: '@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', ... */
  source: string;
  reason: string;
}

const require = createRequire(import.meta.url);
let active: BackendInfo | undefined;
let pending: Promise<BackendInfo> | undefined;

async function tryNative(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Promise<string | undefined> {
  try {
    require.resolve(pkg);
  } catch {
    return undefined; // not installed: the normal case
  }
  try {
    await import(pkg);
    if (await tf.setBackend('tensorflow')) return pkg;
    return undefined;
  } catch (e) {
    log.warn(`${pkg} is installed but failed to load (${(e as Error).message.split('\n')[0]}); falling back.`);
    return undefined;
  }
}

async function setupWasm(): Promise<boolean> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // Point at the package's dist/ folder, where the three .wasm binaries live.
    wasm.setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
    return await tf.setBackend('wasm');
  } catch (e) {
    log.warn(`wasm backend unavailable (${(e as Error).message}); falling back to cpu.`);
    return false;
  }
}

async function select(requested: string | undefined): Promise<BackendInfo> {
  tf.env().set('PROD', true); // skip per-op NaN checks and debug bookkeeping
  if (requested) {
    const want = requested.toLowerCase();
    if (want === 'wasm') {
      if (await setupWasm()) return { name: 'wasm', source: '@tensorflow/tfjs-backend-wasm', reason: 'TFJS_BACKEND=wasm' };
      throw new BackendError('TFJS_BACKEND=wasm but the wasm backend could not start.');
    }
    if (want === 'cpu') {
      await tf.setBackend('cpu');
      return { name: 'cpu', source: '@tensorflow/tfjs-backend-cpu', reason: 'TFJS_BACKEND=cpu' };
    }
    if (want === 'tensorflow' || want === 'node' || want === 'tfjs-node' || want === 'tfjs-node-gpu') {
      const order = want === 'tfjs-node' ? (['@tensorflow/tfjs-node'] as const) : (['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const);
      for (const pkg of order) {
        const got = await tryNative(pkg);
        if (got) return { name: 'tensorflow', source: got, reason: `TFJS_BACKEND=${requested}` };
      }
      throw new BackendError(`TFJS_BACKEND=${requested} but neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed and loadable.`);
    }
    throw new BackendError(`TFJS_BACKEND=${requested} is not one of wasm, cpu, tensorflow, tfjs-node, tfjs-node-gpu.`);
  }
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const) {
    const got = await tryNative(pkg);
    if (got) return { name: 'tensorflow', source: got, reason: `${pkg} is installed` };
  }
  if (await setupWasm()) {
    return { name: 'wasm', source: '@tensorflow/tfjs-backend-wasm', reason: 'no tfjs-node installed; wasm (SIMD) is the fastest pure-npm backend' };
  }
  await tf.setBackend('cpu');
  return { name: 'cpu', source: '@tensorflow/tfjs-backend-cpu', reason: 'wasm failed to start; pure-JS cpu (about 30x slower)' };
}

/**
 * Initialise the backend once per process (idempotent, concurrency-safe). `TFJS_BACKEND` overrides the choice.
 * Logs which backend runs and why at debug level; `describeBackend()` gives the same text.
 */
export function initBackend(requested: string | undefined = process.env.TFJS_BACKEND): Promise<BackendInfo> {
  if (active && (!requested || sameBackend(active, requested))) return Promise.resolve(active);
  if (!pending || requested) {
    pending = select(requested || undefined).then(async (info) => {
      await tf.ready();
      active = info;
      log.debug(`backend: ${info.name} (${info.source}) because ${info.reason}`);
      return info;
    });
  }
  return pending;
}

function sameBackend(info: BackendInfo, requested: string): boolean {
  const r = requested.toLowerCase();
  return r === info.name || (info.name === 'tensorflow' && r.startsWith('tfjs-node'));
}

export function activeBackend(): BackendInfo | undefined {
  return active;
}

export function describeBackend(info: BackendInfo): string {
  return `${info.name} (${info.source}): ${info.reason}`;
}

export { tf };
