/**
 * WebGPU in Node: @tensorflow/tfjs-backend-webgpu on the `webgpu` npm package (dawn.node, Dawn's Node binding).
 * Both are optional: `npm i webgpu @tensorflow/tfjs-backend-webgpu`. tfjs-backend-webgpu registers itself only if
 * `navigator.gpu` exists when it is imported, so we install dawn's globals and a `navigator.gpu` first.
 *
 * With no GPU, Dawn can run on SwiftShader, the CPU Vulkan driver Chromium ships: TFJS_CROSS_ENCODER_WEBGPU=swiftshader
 * (or `initBackend('webgpu', { webgpuSoftware: true })`) points the Vulkan loader at it and accepts the software
 * adapter. That is for correctness tests; automatic selection never takes a software adapter.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import { describeAdapter, isSoftwareAdapter, type AdapterInfoLike } from './webgpu-adapter.js';

const require = createRequire(import.meta.url);

/** Where Chromium packages put SwiftShader's Vulkan ICD (Debian/Ubuntu, Fedora, Arch, Google Chrome). */
const SWIFTSHADER_ICDS = [
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
  '/usr/lib64/chromium-browser/vk_swiftshader_icd.json',
  '/opt/google/chrome/vk_swiftshader_icd.json',
];

interface GpuAdapterLike {
  info?: AdapterInfoLike;
  isFallbackAdapter?: boolean;
  limits?: { maxBufferSize?: number };
}
interface GpuLike {
  requestAdapter: (opts?: { powerPreference?: 'high-performance' | 'low-power' }) => Promise<GpuAdapterLike | null>;
}
interface DawnModule {
  create: (flags: string[]) => GpuLike;
  globals: Record<string, unknown>;
}

export type WebgpuProbe =
  | { ok: true; device: string; software: boolean; gpu: GpuLike }
  | { ok: false; state: 'not installed' | 'unusable' | 'skipped'; reason: string };

/** Whether dawn.node is installed (tfjs-backend-webgpu's absence shows when it is imported: it may be bundled). */
export function webgpuInstalled(): boolean {
  try {
    require.resolve('webgpu');
    return true;
  } catch {
    return false;
  }
}

/** The SwiftShader ICD to use: $TFJS_CROSS_ENCODER_SWIFTSHADER_ICD, else the first Chromium location that exists. */
export function findSwiftShaderIcd(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const own = env.TFJS_CROSS_ENCODER_SWIFTSHADER_ICD;
  if (own) return existsSync(own) ? own : undefined;
  return SWIFTSHADER_ICDS.find((p) => existsSync(p));
}

/**
 * A Linux machine with no GPU device node cannot have a hardware Vulkan adapter; skip loading Dawn there (it would
 * print the Vulkan loader's "Found no drivers!" warnings on every start). Elsewhere we cannot tell without asking.
 */
export function mayHaveGpu(): boolean {
  if (os.platform() !== 'linux') return true;
  const nodes = ['/dev/dri', '/dev/nvidia0', '/dev/nvidiactl', '/dev/dxg', '/dev/kfd'];
  return nodes.some((p) => existsSync(p));
}

let dawn: Promise<DawnModule> | undefined;

/** Load dawn.node once per process. Its Vulkan loader reads VK_ICD_FILENAMES when the first instance is created. */
function loadDawn(): Promise<DawnModule> {
  dawn ??= import('webgpu' as string).then((m) => m as DawnModule);
  return dawn;
}

let probed: Promise<WebgpuProbe> | undefined;

/**
 * Find a WebGPU adapter. `allowSoftware` (the SwiftShader switch) points the Vulkan loader at SwiftShader, unless
 * VK_ICD_FILENAMES already names a driver, and accepts a software adapter. Probed once per process: Dawn's
 * instance, once created, keeps the drivers it found.
 */
export function probeWebgpu(allowSoftware: boolean): Promise<WebgpuProbe> {
  probed ??= probe(allowSoftware);
  return probed;
}

async function probe(allowSoftware: boolean): Promise<WebgpuProbe> {
  if (!webgpuInstalled()) return { ok: false, state: 'not installed', reason: 'npm i webgpu @tensorflow/tfjs-backend-webgpu to use it' };
  const env = process.env;
  if (allowSoftware && !env.VK_ICD_FILENAMES) {
    const icd = findSwiftShaderIcd(env);
    if (!icd) {
      return { ok: false, state: 'unusable', reason: `the SwiftShader switch is on but no SwiftShader Vulkan ICD was found (looked in ${SWIFTSHADER_ICDS.join(', ')}; install Debian's chromium, or set TFJS_CROSS_ENCODER_SWIFTSHADER_ICD)` };
    }
    env.VK_ICD_FILENAMES = icd;
  }
  if (!allowSoftware && !env.VK_ICD_FILENAMES && !mayHaveGpu()) {
    return { ok: false, state: 'skipped', reason: 'no GPU device node (/dev/dri, /dev/nvidia*), so no hardware adapter; TFJS_CROSS_ENCODER_WEBGPU=swiftshader runs it on SwiftShader for tests' };
  }
  // dawn.node complains on stderr when this is unset; any writable folder will do.
  env.XDG_RUNTIME_DIR ??= os.tmpdir();
  let gpu: GpuLike;
  let adapter: GpuAdapterLike | null;
  try {
    const { create } = await loadDawn();
    gpu = create([]);
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { ok: false, state: 'unusable', reason: `dawn.node failed to start: ${(e as Error).message.split('\n')[0]}` };
  }
  if (!adapter) {
    return { ok: false, state: 'unusable', reason: 'Dawn found no WebGPU adapter (no Vulkan driver; on Linux the Vulkan loader libvulkan.so.1 and a driver ICD are needed)' };
  }
  const info = adapter.info ?? {};
  const device = describeAdapter(info);
  const software = isSoftwareAdapter(info, adapter.isFallbackAdapter);
  if (software && !allowSoftware) {
    return { ok: false, state: 'skipped', reason: `only a software adapter, ${device}: it runs shaders on the CPU, slower than wasm; TFJS_CROSS_ENCODER_WEBGPU=swiftshader uses it anyway (for tests)` };
  }
  return { ok: true, device, software, gpu };
}

/**
 * Make `navigator.gpu` and Dawn's GPU* globals visible, then import tfjs-backend-webgpu so it registers 'webgpu'.
 * Node 21+ has a `navigator` of its own: there we add the property instead of replacing the object.
 */
export async function registerWebgpuBackend(gpu: GpuLike): Promise<void> {
  const { globals } = await loadDawn();
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(globals)) if (!(k in g)) g[k] = v;
  const nav = g.navigator as Record<string, unknown> | undefined;
  if (nav && typeof nav === 'object') {
    if (!nav.gpu) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  } else {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  }
  try {
    await import('@tensorflow/tfjs-backend-webgpu');
  } catch (e) {
    throw new Error(`@tensorflow/tfjs-backend-webgpu could not be loaded (npm i @tensorflow/tfjs-backend-webgpu): ${(e as Error).message.split('\n')[0]}`);
  }
}
