/**
 * One AdamW step for one parameter as a single pass of f32x4 SIMD over p, g, m, v: the same float32 operations in
 * the same order as the tfjs-op version in lib/training/optimizer.ts (no fused multiply-add), so the results are
 * bitwise the same, in a seventh of the memory traffic and with no temporaries:
 *   m ← m·β1 + g·(1−β1);  v ← v·β2 + (g·g)·(1−β2);  out ← p·decay − (m / (√v / √(1−β2ᵗ) + ε)) · lr/(1−β1ᵗ)
 * m and v are updated in place; `out` may be p itself or another buffer. The scalars come through memory (the
 * writer's functions take i32 parameters only), the last n mod 4 elements through JavaScript, where Math.fround of
 * each double result is exactly the float32 operation (doubles carry more than twice float32's precision).
 */
import { encodeModule, FunctionBuilder } from './gemm/wasm-writer.js';
import { wasmApi, type WasmMemory } from './gemm/module.js';

/** The step's scalars, as the tfjs-op version uses them (each rounded to float32 when stored). */
export interface AdamWScalars {
  beta1: number;
  beta2: number;
  /** √(1 − β2ᵗ) */
  bc2Sqrt: number;
  eps: number;
  /** lr / (1 − β1ᵗ) */
  stepSize: number;
  /** 1 − lr · weight decay, or 1 for parameters without decay. */
  decayFactor: number;
}

/** Bytes of the scalar block the kernel reads. */
export const SCALAR_BYTES = 32;

export function adamwModuleBytes(): Uint8Array {
  const f = new FunctionBuilder(['p', 'g', 'm', 'v', 'out', 'n', 'scalars']);
  for (const name of ['b1', 'omb1', 'b2', 'omb2', 'bc2', 'eps', 'step', 'decay', 'gv', 'mv', 'vv']) f.v128Local(name);
  ['b1', 'omb1', 'b2', 'omb2', 'bc2', 'eps', 'step', 'decay'].forEach((name, i) => f.get('scalars').simd('v128.load32_splat', 4 * i).set(name));
  const advance = (ptr: string) => f.get(ptr).i32(16).op('i32.add').set(ptr);
  f.get('n').if(() => {
    f.loop(() => {
      f.get('g').simd('v128.load').set('gv');
      // m = m·β1 + g·(1−β1)
      f.get('m').get('m').simd('v128.load').get('b1').simd('f32x4.mul').get('gv').get('omb1').simd('f32x4.mul').simd('f32x4.add').set('mv').get('mv').simd('v128.store');
      // v = v·β2 + (g·g)·(1−β2)
      f.get('v').get('v').simd('v128.load').get('b2').simd('f32x4.mul').get('gv').get('gv').simd('f32x4.mul').get('omb2').simd('f32x4.mul').simd('f32x4.add').set('vv').get('vv').simd('v128.store');
      // out = p·decay − (m / (√v / bc2 + ε)) · step
      f.get('out').get('p').simd('v128.load').get('decay').simd('f32x4.mul');
      f.get('mv').get('vv').simd('f32x4.sqrt').get('bc2').simd('f32x4.div').get('eps').simd('f32x4.add').simd('f32x4.div').get('step').simd('f32x4.mul');
      f.simd('f32x4.sub').simd('v128.store');
      for (const ptr of ['p', 'g', 'm', 'v', 'out']) advance(ptr);
      f.get('n').i32(4).op('i32.sub').set('n').get('n').brIf(0);
    });
  });
  return encodeModule([f], { adamw: 0 });
}

export function scalarBlock(s: AdamWScalars): Float32Array {
  const b1 = s.beta1;
  const b2 = s.beta2;
  return Float32Array.from([b1, 1 - b1, b2, 1 - b2, s.bc2Sqrt, s.eps, s.stepSize, s.decayFactor]);
}

/** Elements [from, to) in JavaScript, float32 exactly (the kernel's tail, and its reference). */
export function adamwScalarRange(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, out: Float32Array, from: number, to: number, s: AdamWScalars): void {
  const f = Math.fround;
  const [b1, omb1, b2, omb2, bc2, eps, step, decay] = scalarBlock(s);
  for (let i = from; i < to; i++) {
    const mi = f(f(m[i] * b1) + f(g[i] * omb1));
    const vi = f(f(v[i] * b2) + f(f(g[i] * g[i]) * omb2));
    m[i] = mi;
    v[i] = vi;
    const denom = f(f(f(Math.sqrt(vi)) / bc2) + eps);
    out[i] = f(f(p[i] * decay) - f(f(mi / denom) * step));
  }
}

export interface AdamWKernel {
  /**
   * One step over n float32s at byte offsets p, g, m, v, out of the memory (16-byte alignment not needed); the
   * scalar block goes to `scratch` (SCALAR_BYTES, in the same memory).
   */
  step(p: number, g: number, m: number, v: number, out: number, n: number, s: AdamWScalars, scratch: number): void;
}

let compiled: object | undefined;

/** The kernel against `memory`, or undefined when this engine has no wasm SIMD. */
export function createAdamWKernel(memory: WasmMemory): AdamWKernel | undefined {
  if (!compiled) {
    const bytes = adamwModuleBytes();
    if (!wasmApi.validate(bytes)) return undefined;
    compiled = new wasmApi.Module(bytes);
  }
  const instance = new wasmApi.Instance(compiled, { env: { memory } });
  const adamw = (instance.exports as { adamw: (...a: number[]) => void }).adamw;
  return {
    step(p, g, m, v, out, n, s, scratch) {
      const n4 = n - (n % 4);
      new Float32Array(memory.buffer, scratch, 8).set(scalarBlock(s));
      adamw(p, g, m, v, out, n4, scratch);
      if (n4 < n) {
        const view = (at: number) => new Float32Array(memory.buffer, at, n);
        adamwScalarRange(view(p), view(g), view(m), view(v), view(out), n4, n, s);
      }
    },
  };
}
