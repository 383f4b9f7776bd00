/**
 * AdamW exactly as torch.optim.AdamW (decoupled weight decay, bias-corrected moments, eps added after the
 * square root), updating and freeing one variable at a time. tf.train.adam wraps all variables in one tidy, which
 * keeps ~11 temporaries per parameter alive until the end: ~44 bytes per parameter, too much for the 4 GB wasm heap.
 */
import { tf } from '../backend.js';

export interface AdamWOptions {
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  /** Parameters exempt from weight decay. Default: HF Trainer's rule (biases and LayerNorm weights). */
  noDecay?: (name: string) => boolean;
}

/** HF Trainer: no decay for biases and LayerNorm parameters (any module named *LayerNorm / *layer_norm). */
export function defaultNoDecay(name: string): boolean {
  return /(^|\.)bias$/.test(name) || /(LayerNorm|layer_norm)\.(weight|bias)$/.test(name);
}

export interface AdamWState {
  step: number;
  /** name → first and second moments, flattened. */
  moments: Record<string, { m: Float32Array; v: Float32Array }>;
}

export class AdamW {
  private t = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private readonly noDecay: (name: string) => boolean;

  constructor(opts: AdamWOptions = {}) {
    [this.beta1, this.beta2] = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0.01;
    this.noDecay = opts.noDecay ?? defaultNoDecay;
  }

  get step(): number {
    return this.t;
  }

  /** One optimizer step with learning rate `lr`. `grads` must hold one gradient per named parameter. */
  apply(params: ReadonlyArray<readonly [string, tf.Variable]>, grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    this.t++;
    const bc1 = 1 - this.beta1 ** this.t;
    const bc2Sqrt = Math.sqrt(1 - this.beta2 ** this.t);
    for (const [name, p] of params) {
      const g = grads.get(name);
      if (!g) continue; // frozen or unused parameter: torch skips params whose grad is None
      let m = this.m.get(name);
      let v = this.v.get(name);
      if (!m || !v) {
        // Inside tidy so the zeros are freed; variables survive tidy.
        m = tf.tidy(() => tf.variable(tf.zerosLike(p), false));
        v = tf.tidy(() => tf.variable(tf.zerosLike(p), false));
        this.m.set(name, m);
        this.v.set(name, v);
      }
      const decay = this.weightDecay > 0 && !this.noDecay(name);
      const [mv, vv] = [m, v];
      tf.tidy(() => {
        const decayed = decay ? tf.mul(p, 1 - lr * this.weightDecay) : p;
        const mNew = tf.add(tf.mul(mv, this.beta1), tf.mul(g, 1 - this.beta1));
        const vNew = tf.add(tf.mul(vv, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        const denom = tf.add(tf.div(tf.sqrt(vNew), bc2Sqrt), this.eps);
        mv.assign(mNew);
        vv.assign(vNew);
        p.assign(tf.sub(decayed, tf.mul(tf.div(mNew, denom), lr / bc1)));
      });
    }
  }

  getState(): AdamWState {
    const moments: AdamWState['moments'] = {};
    for (const [name, m] of this.m) {
      moments[name] = { m: m.dataSync() as Float32Array, v: this.v.get(name)!.dataSync() as Float32Array };
    }
    return { step: this.t, moments };
  }

  setState(state: AdamWState, shapes: ReadonlyMap<string, number[]>): void {
    this.dispose();
    this.t = state.step;
    for (const [name, { m, v }] of Object.entries(state.moments)) {
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
