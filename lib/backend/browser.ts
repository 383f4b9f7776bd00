/**
 * Choosing the TF.js backend in a page. The GPU backends register themselves when their package is imported, so a
 * page opts into them with `import '@tensorflow/tfjs-backend-webgpu'` / `'@tensorflow/tfjs-backend-webgl'` and pays
 * for no GPU code it does not use; wasm (a dependency) and the pure-JS cpu backend are always there.
 *
 * Automatic order: webgpu on a hardware adapter, webgl, wasm, cpu. A software WebGPU adapter (SwiftShader,
 * `isFallbackAdapter`) is used only when asked for by name, as in Node.
 */
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { BackendError } from '../errors.js';
import { tf } from '../tf.js';
import { activateBackend, activeBackend, type BackendInfo, type BackendName } from './state.js';

const NAMES: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** The part of navigator.gpu used here (lib.dom is not loaded: the library also compiles for Node). */
interface GpuLike {
  requestAdapter(): Promise<{ isFallbackAdapter?: boolean; info?: { vendor?: string; architecture?: string; description?: string } } | null>;
}

const registered = (name: BackendName): boolean => tf.findBackendFactory(name) !== null && tf.findBackendFactory(name) !== undefined;

/** Where tfjs-backend-wasm finds its .wasm files: a folder URL (ending in /) or a map file name → URL. */
export function setWasmPaths(prefixOrMap: string | Record<string, string>): void {
  wasm.setWasmPaths(prefixOrMap);
}

async function gpuAdapter(): Promise<{ device: string; software: boolean } | undefined> {
  const gpu = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
  const adapter = await gpu?.requestAdapter().catch(() => null);
  if (!adapter) return undefined;
  const i = adapter.info ?? {};
  const device = [i.vendor, i.architecture, i.description].filter(Boolean).join(' ') || 'a WebGPU adapter';
  return { device, software: Boolean(adapter.isFallbackAdapter) || /swiftshader/i.test(device) };
}

async function start(name: BackendName, reason: string): Promise<BackendInfo | string> {
  if (!registered(name)) return name === 'webgpu' || name === 'webgl' ? `not registered: import '@tensorflow/tfjs-backend-${name}' in the page` : 'not registered';
  let device: string | undefined;
  let softwareAdapter: boolean | undefined;
  if (name === 'webgpu') {
    const a = await gpuAdapter();
    if (!a) return 'navigator.gpu gave no adapter (WebGPU is off in this browser, or needs --enable-unsafe-webgpu)';
    device = a.device;
    softwareAdapter = a.software;
  }
  try {
    if (!(await tf.setBackend(name))) return 'did not initialise';
  } catch (e) {
    return `failed to start: ${(e as Error).message.split('\n')[0]}`;
  }
  if (name === 'wasm') device = `the CPU, ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD'}`;
  if (name === 'cpu') device = 'the CPU, plain JavaScript';
  return { name, source: name === 'cpu' ? '@tensorflow/tfjs-backend-cpu' : `@tensorflow/tfjs-backend-${name}`, reason, device, softwareAdapter };
}

let pending: Promise<BackendInfo> | undefined;
let pendingKey: string | undefined;

/** Start a backend once (idempotent); `requested` names one of webgpu, webgl, wasm, cpu. */
export function initBrowserBackend(requested?: string): Promise<BackendInfo> {
  const key = (requested ?? '').toLowerCase();
  const current = activeBackend();
  if (current && (!key || current.name === key) && tf.getBackend() === current.name) return Promise.resolve(current);
  if (!pending || pendingKey !== key) {
    pendingKey = key;
    tf.env().set('PROD', true);
    pending = (async (): Promise<BackendInfo> => {
      let info: BackendInfo | undefined;
      if (key) {
        if (!(NAMES as readonly string[]).includes(key)) throw new BackendError(`backend "${requested}" is not one of ${NAMES.join(', ')}`);
        const r = await start(key as BackendName, `asked for ${key}`);
        if (typeof r === 'string') throw new BackendError(`backend ${key} was asked for, but it cannot run here: ${r}`);
        info = r;
      } else {
        const passed: string[] = [];
        for (const name of NAMES) {
          if (name === 'webgpu') {
            const a = registered('webgpu') ? await gpuAdapter() : undefined;
            if (a?.software) {
              passed.push(`webgpu: a software adapter (${a.device}), used only when asked for`);
              continue;
            }
          }
          const r = await start(name, `the fastest backend available in this page${passed.length ? ` (${passed.join('; ')})` : ''}`);
          if (typeof r !== 'string') {
            info = r;
            break;
          }
          passed.push(`${name}: ${r}`);
        }
        if (!info) throw new BackendError(`no backend could start: ${passed.join('; ')}`);
      }
      return activateBackend(info);
    })();
    pending.catch(() => {
      pending = undefined;
    });
  }
  return pending;
}
