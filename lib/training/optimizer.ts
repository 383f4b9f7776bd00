/**
 * AdamW exactly as torch.optim.AdamW (decoupled weight decay, bias-corrected moments, eps added after the
 * square root), updating and freeing one variable at a time. tf.train.adam wraps all variables in one tidy, which
 * keeps ~11 temporaries per parameter alive until the end: ~44 bytes per parameter, too much for the 4 GB wasm heap.
 */
import { tf } from '../tf.js';

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
      this.updateOne(p, g, m, v, decay ? 1 - lr * this.weightDecay : 1, lr / bc1, bc2Sqrt);
    }
  }

  /**
   * One variable's update with at most ~3 temporaries alive at once: each intermediate is freed as soon as the
   * next one exists (a single tidy would keep all ~10 until the end, 1.5 GB for a 50k × 768 embedding table).
   */
  private updateOne(p: tf.Variable, g: tf.Tensor, m: tf.Variable, v: tf.Variable, decayFactor: number, stepSize: number, bc2Sqrt: number): void {
    const { beta1: b1, beta2: b2, eps } = this;
    assignOwned(m, tf.tidy(() => tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1))));
    assignOwned(v, tf.tidy(() => tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2))));
    // denom = sqrt(v) / sqrt(1 - b2^t) + eps, exactly torch's order of operations.
    const denom = chain(tf.sqrt(v), (t) => tf.div(t, bc2Sqrt), (t) => tf.add(t, eps));
    const update = chain(tf.div(m, denom), (t) => tf.mul(t, stepSize));
    denom.dispose();
    const decayed = decayFactor !== 1 ? tf.mul(p, decayFactor) : null;
    const next = tf.sub(decayed ?? p, update);
    update.dispose();
    decayed?.dispose();
    assignOwned(p, next);
  }

  async getState(): Promise<AdamWState> {
    const moments: AdamWState['moments'] = {};
    for (const [name, m] of this.m) {
      moments[name] = { m: (await m.data()) as Float32Array, v: (await this.v.get(name)!.data()) as Float32Array };
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
