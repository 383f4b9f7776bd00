/**
 * AdamW exactly as torch.optim.AdamW (decoupled weight decay, bias-corrected moments, eps added after the
 * square root), one parameter at a time. Where the arithmetic runs is the backend's business (lib/kernels/adamw.ts:
 * tfjs ops, or our SIMD kernel in the wasm heap); the bits are the same. tf.train.adam
 * would wrap all variables in one tidy, keeping ~11 temporaries per parameter alive until the end: ~44 bytes per
 * parameter, too much for the 4 GB wasm heap.
 */
import { createAdamWEngine, type AdamWEngine } from '../kernels/adamw.js';
import type { tf } from '../tf.js';

export interface AdamWOptions {
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  /** Parameters exempt from weight decay. Default: HF Trainer's rule (biases and LayerNorm weights). */
  noDecay?: (name: string) => boolean;
}

/**
 * HF Trainer's get_decay_parameter_names: no decay for biases and for the parameters of LayerNorm modules. HF decides
 * the latter by module type; here by the names those modules have in every supported architecture: *LayerNorm and
 * *layer_norm (BERT family, ELECTRA, DeBERTa), and ModernBERT's `norm`, `attn_norm`, `mlp_norm`, `final_norm`
 * (spec/optimizer-decay.spec.ts checks every fixture architecture against transformers' own list).
 */
export function defaultNoDecay(name: string): boolean {
  return /(^|\.)bias$/.test(name) || /(LayerNorm|layer_norm)\.(weight|bias)$/.test(name) || /(^|\.|_)norm\.(weight|bias)$/.test(name);
}

export interface AdamWState {
  step: number;
  /** name → first and second moments, flattened. */
  moments: Record<string, { m: Float32Array; v: Float32Array }>;
}

export class AdamW {
  private t = 0;
  /** Where the step computes on the active backend (lib/kernels/adamw.ts); made on the first step. */
  private engine: AdamWEngine | undefined;
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

  /** Which engine runs the steps ('ops' or 'wasm-heap'). */
  get engineKind(): AdamWEngine['kind'] {
    return this.engineFor().kind;
  }

  private engineFor(): AdamWEngine {
    this.engine ??= createAdamWEngine();
    return this.engine;
  }

  /** One optimizer step with learning rate `lr`. `grads` must hold one gradient per named parameter. */
  apply(params: ReadonlyArray<readonly [string, tf.Variable]>, grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    this.t++;
    const engine = this.engineFor();
    const scalars = { beta1: this.beta1, beta2: this.beta2, eps: this.eps, bc2Sqrt: Math.sqrt(1 - this.beta2 ** this.t), stepSize: lr / (1 - this.beta1 ** this.t) };
    for (const [name, p] of params) {
      const g = grads.get(name);
      if (!g) continue; // frozen or unused parameter: torch skips params whose grad is None
      const decay = this.weightDecay > 0 && !this.noDecay(name);
      engine.update(name, p, g, { ...scalars, decayFactor: decay ? 1 - lr * this.weightDecay : 1 });
    }
  }

  async getState(): Promise<AdamWState> {
    return { step: this.t, moments: await this.engineFor().moments() };
  }

  setState(state: AdamWState, shapes: ReadonlyMap<string, number[]>): void {
    this.t = state.step;
    this.engineFor().setMoments(state.moments, shapes);
  }

  dispose(): void {
    this.engine?.dispose();
    this.engine = undefined;
  }
}
