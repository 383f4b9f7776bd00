/**
 * Where an AdamW step computes, per backend. The maths is one: torch.optim.AdamW's, in float32, in the order
 * lib/kernels/wasm/adamw.ts documents; every engine gives the same bits on a backend whose float ops are IEEE
 * (spec/parity/formulations.spec.ts checks the engine of the active backend against the tfjs-op one).
 * - 'ops' (tensorflow, webgpu, webgl, cpu): 14 tfjs ops per parameter, each freed as soon as the next exists; the
 *   moments are tfjs variables on the device. On tensorflow each op is one multi-threaded pass (8 ms over MiniLM's
 *   47 MB embedding, near memory bandwidth, with the BFC allocator lib/backend/node.ts turns on). Moving the
 *   moments to the host and running our kernel there was tried and measured slower: reading a gradient out of
 *   TensorFlow (dataSync: a fresh 47 MB ArrayBuffer) costs as much as six of those ops.
 * - 'wasm-heap' (wasm): one pass of our SIMD kernel inside the wasm heap, the moments updated in place and the new
 *   parameter written to a fresh tensor (so replica threads still see a changed dataId): 290 → 45 ms a MiniLM step.
 */
import { currentBackendName } from '../backend/state.js';
import { tf } from '../tf.js';
import { log } from '../util/log.js';
import { adamwScalarRange, createAdamWKernel, SCALAR_BYTES, type AdamWKernel, type AdamWScalars } from './wasm/adamw.js';
import { isPlainWasmMemory } from './wasm/gemm/module.js';
import { asWasmBackend } from './wasm/internals.js';

export type { AdamWScalars };

export interface Moments {
  m: Float32Array;
  v: Float32Array;
}

export interface AdamWEngine {
  readonly kind: 'ops' | 'wasm-heap';
  /** One step for parameter `name`: assigns p its new value and updates its moments (created as zeros first). */
  update(name: string, p: tf.Variable, g: tf.Tensor, s: AdamWScalars): void;
  /** Copies of every parameter's moments. */
  moments(): Promise<Record<string, Moments>>;
  /** Replace the moments (a resumed run); shapes name the parameters. */
  setMoments(moments: Record<string, Moments>, shapes: ReadonlyMap<string, number[]>): void;
  dispose(): void;
}

/** Apply ops one after another, freeing each input as soon as its successor exists. */
function chain(first: tf.Tensor, ...ops: Array<(t: tf.Tensor) => tf.Tensor>): tf.Tensor {
  let t = first;
  for (const op of ops) {
    const next = op(t);
    t.dispose();
    t = next;
  }
  return t;
}

/** Variable.assign shares the tensor's data; drop our handle so only the variable holds it. */
function assignOwned(variable: tf.Variable, value: tf.Tensor): void {
  variable.assign(value);
  value.dispose();
}

/** Moments as tfjs variables on the active backend (the 'ops' and 'wasm-heap' engines). */
class TensorMoments {
  readonly m = new Map<string, tf.Variable>();
  readonly v = new Map<string, tf.Variable>();

  of(name: string, p: tf.Variable): [tf.Variable, tf.Variable] {
    let m = this.m.get(name);
    let v = this.v.get(name);
    if (!m || !v) {
      // Inside tidy so the zeros are freed; variables survive tidy.
      m = tf.tidy(() => tf.variable(tf.zerosLike(p), false));
      v = tf.tidy(() => tf.variable(tf.zerosLike(p), false));
      this.m.set(name, m);
      this.v.set(name, v);
    }
    return [m, v];
  }

  async read(): Promise<Record<string, Moments>> {
    const out: Record<string, Moments> = {};
    for (const [name, m] of this.m) out[name] = { m: (await m.data()) as Float32Array, v: (await this.v.get(name)!.data()) as Float32Array };
    return out;
  }

  set(moments: Record<string, Moments>, shapes: ReadonlyMap<string, number[]>): void {
    this.dispose();
    for (const [name, { m, v }] of Object.entries(moments)) {
      const shape = shapes.get(name);
      if (!shape) throw new Error(`optimizer state names unknown parameter ${name}`);
      this.m.set(name, tf.tidy(() => tf.variable(tf.tensor(m, shape, 'float32'), false)));
      this.v.set(name, tf.tidy(() => tf.variable(tf.tensor(v, shape, 'float32'), false)));
    }
  }

  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
    this.m.clear();
    this.v.clear();
  }
}

/**
 * The step as tfjs ops, at most ~3 temporaries alive at once: each intermediate is freed as soon as the next one
 * exists (a single tidy would keep all ~10 until the end, 1.5 GB for a 50k × 768 embedding table).
 */
function updateWithOps(p: tf.Variable, g: tf.Tensor, m: tf.Variable, v: tf.Variable, s: AdamWScalars): void {
  const { beta1: b1, beta2: b2, eps } = s;
  assignOwned(m, tf.tidy(() => tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1))));
  assignOwned(v, tf.tidy(() => tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2))));
  // denom = sqrt(v) / sqrt(1 - b2^t) + eps, exactly torch's order of operations.
  const denom = chain(tf.sqrt(v), (t) => tf.div(t, s.bc2Sqrt), (t) => tf.add(t, eps));
  const update = chain(tf.div(m, denom), (t) => tf.mul(t, s.stepSize));
  denom.dispose();
  const decayed = s.decayFactor !== 1 ? tf.mul(p, s.decayFactor) : null;
  const next = tf.sub(decayed ?? p, update);
  update.dispose();
  decayed?.dispose();
  assignOwned(p, next);
}

class OpsEngine implements AdamWEngine {
  readonly kind: AdamWEngine['kind'] = 'ops';
  protected readonly store = new TensorMoments();
  update(name: string, p: tf.Variable, g: tf.Tensor, s: AdamWScalars): void {
    const [m, v] = this.store.of(name, p);
    updateWithOps(p, g, m, v, s);
  }
  /** Whether this engine holds moments for `name`. */
  has(name: string): boolean {
    return this.store.m.has(name);
  }
  moments(): Promise<Record<string, Moments>> {
    return this.store.read();
  }
  setMoments(moments: Record<string, Moments>, shapes: ReadonlyMap<string, number[]>): void {
    this.store.set(moments, shapes);
  }
  dispose(): void {
    this.store.dispose();
  }
}

// ---- wasm: our kernel inside tfjs' heap ------------------------------------------------------------------------

const ADAMW = 'XencAdamW';
const heapKernels = new WeakMap<object, { kernel: AdamWKernel; scratch: number } | null>();

/** Kernel body: inputs p, g, m, v (float32, same size); m and v are updated in place; returns the new p. */
function adamwWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: Record<string, unknown> }): tf.TensorInfo {
  const backend = asWasmBackend(args.backend)!;
  const k = heapKernels.get(backend.wasm)!;
  const { p, g, m, v } = args.inputs as Record<'p' | 'g' | 'm' | 'v', tf.TensorInfo>;
  const out = backend.makeOutput(p.shape, 'float32');
  const at = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
  const n = p.shape.reduce((a, b) => a * b, 1);
  k.kernel.step(at(p), at(g), at(m), at(v), at(out), n, args.attrs as unknown as AdamWScalars, k.scratch);
  return out;
}

let heapRegistered = false;

/** Our kernel on the active wasm backend's heap, or undefined (not wasm, internals not as expected, no SIMD). */
function heapKernel(): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  const b = asWasmBackend(tf.backend());
  if (!b) return false;
  let k = heapKernels.get(b.wasm);
  if (k === undefined) {
    const memory = b.wasm.asm?.memory;
    try {
      const kernel = isPlainWasmMemory(memory) ? createAdamWKernel(memory) : undefined;
      k = kernel ? { kernel, scratch: b.wasm._malloc(SCALAR_BYTES) } : null;
    } catch (e) {
      log.warn(`wasm AdamW kernel unavailable, AdamW uses tfjs ops: ${(e as Error).message}`);
      k = null;
    }
    heapKernels.set(b.wasm, k);
  }
  if (k && !heapRegistered) {
    tf.registerKernel({ kernelName: ADAMW, backendName: 'wasm', kernelFunc: adamwWasm as unknown as tf.KernelFunc });
    heapRegistered = true;
  }
  return k !== null;
}

class WasmHeapEngine extends OpsEngine {
  override readonly kind: AdamWEngine['kind'] = 'wasm-heap';
  override update(name: string, p: tf.Variable, g: tf.Tensor, s: AdamWScalars): void {
    const [m, v] = this.store.of(name, p);
    if (p.dtype !== 'float32' || g.dtype !== 'float32' || g.size !== p.size || !heapKernel()) return updateWithOps(p, g, m, v, s);
    const next = tf.engine().runKernel(ADAMW, { p, g, m, v } as unknown as tf.NamedTensorMap, s as unknown as tf.NamedAttrMap) as tf.Tensor;
    assignOwned(p, next);
  }
}

/** The engine for the active backend: 'wasm-heap' on wasm, 'ops' elsewhere (or the one asked for). */
export function createAdamWEngine(kind?: AdamWEngine['kind']): AdamWEngine {
  const want = kind ?? (currentBackendName() === 'wasm' ? 'wasm-heap' : 'ops');
  return want === 'wasm-heap' ? new WasmHeapEngine() : new OpsEngine();
}

/** The scalar reference (float32 exactly), exported for the specs. */
export { adamwScalarRange };
