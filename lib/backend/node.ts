/**
 * Choosing the TF.js backend in Node. Every native or GPU backend is optional and detected at run time.
 *
 * Automatic order, fastest first:
 *   1. tfjs-node-gpu on a CUDA device (TensorFlow's CUDA kernels);
 *   2. webgpu, only on a hardware GPU adapter: a GPU's memory bandwidth and FLOP/s are one to two orders of magnitude
 *      above two CPU cores', which outweighs WebGPU's per-op dispatch cost at these batch sizes (unmeasured on a real
 *      GPU so far: bench/gpu/ measures it). A software adapter (SwiftShader) is never chosen automatically;
 *   3. tfjs-node (TensorFlow's CPU kernels: oneDNN matmuls on every core, 1.5-3× wasm here);
 *   4. wasm (SIMD; our GEMM), ~30× the pure-JS cpu backend;
 *   5. cpu.
 * `TFJS_BACKEND=tensorflow|tfjs-node|tfjs-node-gpu|webgpu|wasm|cpu` overrides the order. WebGPU on SwiftShader, for
 * tests on a machine without a GPU: `TFJS_BACKEND=webgpu TFJS_CROSS_ENCODER_WEBGPU=swiftshader`.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { BackendError } from '../errors.js';
import { tf } from '../tf.js';
import { activateBackend, activeBackend, setActiveBackend, type BackendInfo, type BackendName } from './state.js';
import { probeWebgpu, registerWebgpuBackend, webgpuInstalled } from './webgpu-node.js';

const require = createRequire(import.meta.url);

type NativePackage = '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node';

export interface InitBackendOptions {
  /** Accept a software WebGPU adapter (SwiftShader) for `webgpu`. Default: TFJS_CROSS_ENCODER_WEBGPU=swiftshader. */
  webgpuSoftware?: boolean;
}

/** One backend as `doctor` shows it. */
export interface BackendProbe {
  /** The candidate: a package for the native ones, the tfjs backend name otherwise. */
  candidate: 'tfjs-node-gpu' | 'tfjs-node' | 'webgpu' | 'wasm' | 'cpu';
  backend: BackendName;
  state: 'chosen' | 'available' | 'not installed' | 'unusable' | 'skipped';
  device?: string;
  reason: string;
}

interface NativeBackendLike {
  isUsingGpuDevice?: boolean;
  binding?: { TF_Version?: string };
}

type Attempt = { ok: true; info: BackendInfo } | { ok: false; state: BackendProbe['state']; reason: string };

function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

const nativeLoads = new Map<NativePackage, Promise<Attempt>>();

/** Import a tfjs-node package (it registers 'tensorflow' and switches to it as a side effect). */
function tryNative(pkg: NativePackage, reason: string): Promise<Attempt> {
  let p = nativeLoads.get(pkg);
  if (!p) {
    p = (async (): Promise<Attempt> => {
      if (!installed(pkg)) return { ok: false, state: 'not installed', reason: pkg === '@tensorflow/tfjs-node' ? 'npm i @tensorflow/tfjs-node (or npm run setup:tfjs-node in this repository)' : 'npm i @tensorflow/tfjs-node-gpu (needs CUDA 11 and cuDNN 8)' };
      // TensorFlow prints a oneDNN / CPU-feature banner on stderr at load unless told not to.
      process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
      // TensorFlow's CPU allocator is plain malloc by default: every large tensor is a fresh mmap whose pages fault
      // in on first touch. Its BFC allocator keeps and reuses freed blocks; AdamW over MiniLM's 22.7M parameters
      // (14 full passes, each a new tensor) went from 630 to 290 ms a step, the whole step 1.34× faster. Read by
      // TensorFlow when it makes its first allocator, so it must be set before the import.
      process.env.TF_CPU_ALLOCATOR_USE_BFC ??= 'true';
      try {
        await import(pkg);
      } catch (e) {
        return { ok: false, state: 'unusable', reason: `installed but failed to load: ${(e as Error).message.split('\n')[0]}` };
      }
      return { ok: true, info: { name: 'tensorflow', source: pkg, reason, device: '' } };
    })();
    nativeLoads.set(pkg, p);
  }
  return p.then(async (a) => {
    if (!a.ok) return a;
    if (!(await tf.setBackend('tensorflow'))) return { ok: false, state: 'unusable', reason: 'loaded, but the tensorflow backend did not initialise' };
    const b = tf.backend() as NativeBackendLike;
    const device = `TensorFlow ${b.binding?.TF_Version ?? '?'} on ${b.isUsingGpuDevice ? 'a CUDA GPU' : 'the CPU'}`;
    return { ok: true, info: { ...a.info, reason, device } };
  });
}

async function tryWebgpu(allowSoftware: boolean, reason: string): Promise<Attempt> {
  const probe = await probeWebgpu(allowSoftware);
  if (!probe.ok) return probe;
  try {
    await registerWebgpuBackend(probe.gpu);
    if (!(await tf.setBackend('webgpu'))) return { ok: false, state: 'unusable', reason: `the webgpu backend did not initialise on ${probe.device}` };
  } catch (e) {
    return { ok: false, state: 'unusable', reason: `failed to start: ${(e as Error).message.split('\n')[0]}` };
  }
  const why = probe.software ? `${reason}; a software adapter (the SwiftShader switch is on): for correctness tests, not speed` : reason;
  return { ok: true, info: { name: 'webgpu', source: '@tensorflow/tfjs-backend-webgpu on webgpu (dawn.node)', reason: why, device: probe.device, softwareAdapter: probe.software } };
}

async function tryWasm(reason: string): Promise<Attempt> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // Point at the package's dist/ folder, where the three .wasm binaries live.
    wasm.setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
    if (await tf.setBackend('wasm')) {
      const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
      return { ok: true, info: { name: 'wasm', source: '@tensorflow/tfjs-backend-wasm', reason, device: `the CPU, ${simd ? 'SIMD' : 'no SIMD'}, one thread per replica` } };
    }
    return { ok: false, state: 'unusable', reason: 'the wasm backend did not initialise' };
  } catch (e) {
    return { ok: false, state: 'unusable', reason: `failed to start: ${(e as Error).message.split('\n')[0]}` };
  }
}

async function useCpu(reason: string): Promise<Attempt> {
  await tf.setBackend('cpu');
  return { ok: true, info: { name: 'cpu', source: '@tensorflow/tfjs-backend-cpu', reason, device: 'the CPU, plain JavaScript' } };
}

function softwareSwitch(opts: InitBackendOptions): boolean {
  return opts.webgpuSoftware ?? (process.env.TFJS_CROSS_ENCODER_WEBGPU ?? '').toLowerCase() === 'swiftshader';
}

async function selectRequested(requested: string, opts: InitBackendOptions): Promise<BackendInfo> {
  const want = requested.toLowerCase();
  const why = `TFJS_BACKEND=${requested}`;
  let attempt: Attempt;
  if (want === 'wasm') attempt = await tryWasm(why);
  else if (want === 'cpu') attempt = await useCpu(why);
  else if (want === 'webgpu') attempt = await tryWebgpu(softwareSwitch(opts), why);
  else if (want === 'tensorflow' || want === 'node' || want === 'tfjs-node' || want === 'tfjs-node-gpu') {
    const order: NativePackage[] = want === 'tfjs-node' ? ['@tensorflow/tfjs-node'] : want === 'tfjs-node-gpu' ? ['@tensorflow/tfjs-node-gpu'] : ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];
    const failures: string[] = [];
    attempt = { ok: false, state: 'not installed', reason: '' };
    for (const pkg of order) {
      attempt = await tryNative(pkg, why);
      if (attempt.ok) break;
      failures.push(`${pkg}: ${attempt.reason}`);
    }
    if (!attempt.ok) attempt = { ...attempt, reason: failures.join('; ') };
  } else {
    throw new BackendError(`TFJS_BACKEND=${requested} is not one of tensorflow, tfjs-node, tfjs-node-gpu, webgpu, wasm, cpu.`);
  }
  if (!attempt.ok) throw new BackendError(`${why}, but it cannot run here: ${attempt.reason}`);
  return attempt.info;
}

async function selectAutomatically(): Promise<BackendInfo> {
  const passed: string[] = [];
  const gpu = await tryNative('@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node-gpu is installed and runs on a CUDA GPU');
  if (gpu.ok && gpu.info.device?.includes('CUDA')) return gpu.info;
  if (gpu.ok) passed.push('tfjs-node-gpu found no CUDA device');
  const webgpu = await tryWebgpu(false, 'a hardware GPU adapter; WebGPU is faster there than any CPU backend');
  if (webgpu.ok) return webgpu.info;
  if (gpu.ok) {
    await tf.setBackend('tensorflow');
    return { ...gpu.info, reason: '@tensorflow/tfjs-node-gpu is installed (no CUDA device: TensorFlow runs on the CPU)' };
  }
  const native = await tryNative('@tensorflow/tfjs-node', '@tensorflow/tfjs-node is installed: native TensorFlow kernels on every core');
  if (native.ok) return native.info;
  if (webgpuInstalled()) passed.push(`webgpu ${webgpu.reason}`);
  const wasm = await tryWasm(`no tfjs-node installed; wasm (SIMD) is the fastest pure-npm backend${passed.length ? ` (${passed.join('; ')})` : ''}`);
  if (wasm.ok) return wasm.info;
  const cpu = await useCpu(`wasm could not start (${wasm.reason}); pure-JS cpu (about 30× slower)`);
  if (!cpu.ok) throw new BackendError(`no backend could start: ${cpu.reason}`);
  return cpu.info;
}

let pending: Promise<BackendInfo> | undefined;
let pendingKey: string | undefined;

/**
 * Initialise the backend once per process (idempotent, concurrency-safe). `requested` (default TFJS_BACKEND) names
 * one; otherwise the automatic order above. Logs which backend runs and why at debug level.
 */
export function initBackend(requested: string | undefined = process.env.TFJS_BACKEND, opts: InitBackendOptions = {}): Promise<BackendInfo> {
  const key = (requested ?? '').toLowerCase();
  const current = activeBackend();
  if (current && (!key || sameBackend(current, key)) && tf.getBackend() === current.name) return Promise.resolve(current);
  if (!pending || pendingKey !== key) {
    pendingKey = key;
    tf.env().set('PROD', true); // skip per-op NaN checks and debug bookkeeping
    pending = (key ? selectRequested(requested!, opts) : selectAutomatically()).then(activateBackend);
    pending.catch(() => {
      pending = undefined;
    });
  }
  return pending;
}

function sameBackend(info: BackendInfo, requested: string): boolean {
  if (requested === info.name) return true;
  if (info.name !== 'tensorflow') return false;
  return requested === 'node' || requested === 'tfjs-node' || requested === 'tfjs-node-gpu';
}

/**
 * Every backend this process can see, with its state and device, and why it was or was not chosen. Loads each
 * optional backend to find out (doctor calls it), then switches back to the active one.
 */
export async function probeBackends(opts: InitBackendOptions = {}): Promise<BackendProbe[]> {
  const chosen = await initBackend(undefined, opts);
  const out: BackendProbe[] = [];
  const add = (candidate: BackendProbe['candidate'], backend: BackendName, a: Attempt, isChosen: boolean, availableWhy: string) => {
    if (a.ok) out.push({ candidate, backend, state: isChosen ? 'chosen' : 'available', device: a.info.device, reason: isChosen ? chosen.reason : availableWhy });
    else out.push({ candidate, backend, state: a.state, reason: a.reason });
  };
  const pkgChosen = (pkg: string) => chosen.name === 'tensorflow' && chosen.source === pkg;
  const notChosen = chosen.reason.startsWith('TFJS_BACKEND=') ? `not chosen: ${chosen.reason.split(';')[0]} asks for ${chosen.name}` : `not chosen: ${chosen.name} ranks higher here`;
  add('tfjs-node-gpu', 'tensorflow', await tryNative('@tensorflow/tfjs-node-gpu', ''), pkgChosen('@tensorflow/tfjs-node-gpu'), notChosen);
  add('tfjs-node', 'tensorflow', await tryNative('@tensorflow/tfjs-node', ''), pkgChosen('@tensorflow/tfjs-node'), notChosen);
  const webgpu = chosen.name === 'webgpu' ? ({ ok: true, info: chosen } as Attempt) : await probeWebgpu(softwareSwitch(opts)).then((p): Attempt => (p.ok ? { ok: true, info: { name: 'webgpu', source: '', reason: '', device: p.device } } : p));
  add('webgpu', 'webgpu', webgpu, chosen.name === 'webgpu', webgpu.ok && webgpu.info.device && /swiftshader/i.test(webgpu.info.device) ? 'a software adapter: used only when TFJS_BACKEND=webgpu asks for it' : notChosen);
  add('wasm', 'wasm', await tryWasm(''), chosen.name === 'wasm', notChosen);
  add('cpu', 'cpu', await useCpu(''), chosen.name === 'cpu', 'pure JavaScript: the last resort');
  await tf.setBackend(chosen.name);
  setActiveBackend(chosen);
  return out;
}
