import { dense, layerNorm } from '../../kernels/index.js';
import { tf } from '../../tf.js';
import { Module } from './module.js';

/** torch.nn.Linear. Stored [in, out] (HF stores [out, in]; the loader transposes). bias=false: no bias parameter (ModernBERT). */
export class Linear extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | undefined;
  constructor(name: string, inDim: number, private readonly outDim: number, bias = true) {
    super(name);
    this.weight = this.param('weight', [inDim, outDim], 'transposed', 'normal');
    this.bias = bias ? this.param('bias', [outDim], 'same', 'zeros') : undefined;
  }
  forward(x: tf.Tensor): tf.Tensor {
    // Without a bias the fused product gets a zero one: same values, and one dense kernel for both cases.
    return dense(x, this.weight as tf.Tensor2D, (this.bias ?? tf.zeros([this.outDim])) as tf.Tensor1D);
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return this.forward(Array.isArray(inputs) ? inputs[0] : inputs);
  }
}

/** torch.nn.LayerNorm over the last axis; bias=false as nn.LayerNorm(bias=False) (ModernBERT). */
export class LayerNorm extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | undefined;
  constructor(
    name: string,
    private readonly dim: number,
    private readonly eps: number,
    bias = true,
  ) {
    super(name);
    this.weight = this.param('weight', [dim], 'same', 'ones');
    this.bias = bias ? this.param('bias', [dim], 'same', 'zeros') : undefined;
  }
  forward(x: tf.Tensor): tf.Tensor {
    return layerNorm(x, this.weight as tf.Tensor1D, (this.bias ?? tf.zeros([this.dim])) as tf.Tensor1D, this.eps);
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return this.forward(Array.isArray(inputs) ? inputs[0] : inputs);
  }
}

/** Per-forward context: training switches dropout on; `nextSeed` makes dropout masks reproducible per run. */
export interface ForwardContext {
  training: boolean;
  nextSeed: () => number;
}

export function dropout(x: tf.Tensor, rate: number, ctx: ForwardContext): tf.Tensor {
  if (!ctx.training || rate <= 0) return x;
  return tf.dropout(x, rate, undefined, ctx.nextSeed());
}
