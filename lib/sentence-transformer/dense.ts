/**
 * sentence-transformers' Dense module: activation(linear(embedding)). Its weights live in <path>/model.safetensors as
 * "linear.weight" [out, in] and "linear.bias", its shape and activation in <path>/config.json.
 */
import { ConfigError } from '../errors.js';
import { Linear } from '../models/layers/basic.js';
import { Module } from '../models/layers/module.js';
import { tf } from '../tf.js';

/** torch activations a Dense config may name (its fully qualified class name), and what they compute. */
const ACTIVATIONS = {
  'torch.nn.modules.activation.Tanh': (x: tf.Tensor) => tf.tanh(x),
  'torch.nn.modules.linear.Identity': (x: tf.Tensor) => x,
  'torch.nn.modules.activation.ReLU': (x: tf.Tensor) => tf.relu(x),
  'torch.nn.modules.activation.Sigmoid': (x: tf.Tensor) => tf.sigmoid(x),
} as const;
export type DenseActivation = keyof typeof ACTIVATIONS;

export interface DenseConfig {
  inFeatures: number;
  outFeatures: number;
  bias: boolean;
  activation: DenseActivation;
}

export function parseDenseConfig(c: Record<string, unknown>, file: string): DenseConfig {
  for (const k of ['in_features', 'out_features'] as const) {
    if (!Number.isInteger(c[k]) || (c[k] as number) < 1) throw new ConfigError(file, `${k} must be a positive integer, got ${JSON.stringify(c[k])}`);
  }
  const act = c.activation_function ?? 'torch.nn.modules.activation.Tanh';
  // Older versions wrote the short module path too (torch.nn.Tanh); both name the same class.
  const full = typeof act === 'string' ? act.replace(/^torch\.nn\.(Tanh|ReLU|Sigmoid)$/, 'torch.nn.modules.activation.$1').replace(/^torch\.nn\.Identity$/, 'torch.nn.modules.linear.Identity') : act;
  if (typeof full !== 'string' || !(full in ACTIVATIONS)) throw new ConfigError(file, `activation_function ${JSON.stringify(act)} is not supported; supported: ${Object.keys(ACTIVATIONS).join(', ')}`);
  if (c.bias === false) throw new ConfigError(file, 'Dense without bias ("bias": false) is not supported');
  return { inFeatures: c.in_features as number, outFeatures: c.out_features as number, bias: true, activation: full as DenseActivation };
}

export function denseConfigJson(cfg: DenseConfig): Record<string, unknown> {
  return { in_features: cfg.inFeatures, out_features: cfg.outFeatures, bias: cfg.bias, activation_function: cfg.activation };
}

export class Dense extends Module {
  readonly linear: Linear;
  constructor(name: string, readonly cfg: DenseConfig) {
    super(name);
    this.linear = this.child('linear', new Linear(`${name}_linear`, cfg.inFeatures, cfg.outFeatures));
  }
  forward(x: tf.Tensor2D): tf.Tensor2D {
    return ACTIVATIONS[this.cfg.activation](this.linear.forward(x)) as tf.Tensor2D;
  }
}
