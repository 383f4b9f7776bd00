/** Score activations applied in JS on the logits read back from the device (cheap: B × numLabels numbers). */
export type Activation = 'sigmoid' | 'identity' | 'softmax';

export const ACTIVATIONS: readonly Activation[] = ['sigmoid', 'identity', 'softmax'];

/** sentence-transformers stores the activation as a torch class path in config.json. */
const TORCH_NAMES: Record<Activation, string> = {
  sigmoid: 'torch.nn.modules.activation.Sigmoid',
  identity: 'torch.nn.modules.linear.Identity',
  softmax: 'torch.nn.modules.activation.Softmax',
};

export function activationToTorch(a: Activation): string {
  return TORCH_NAMES[a];
}

export function activationFromTorch(name: unknown): Activation | undefined {
  if (typeof name !== 'string') return undefined;
  const last = name.split('.').pop()?.toLowerCase();
  if (last === 'sigmoid') return 'sigmoid';
  if (last === 'identity') return 'identity';
  if (last === 'softmax') return 'softmax';
  return undefined;
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/**
 * A one-label score as PyTorch computes it in float32, which is what sentence-transformers' rank() sorts: the sigmoid
 * as 1 / (1 + exp(-x)) with every step rounded to float32, so every logit above ~16.6 gives exactly 1 and those
 * documents tie. Identity (and softmax, which predict() treats as identity for one label) is the float32 logit.
 */
export function float32Score(logit: number, a: Activation): number {
  if (a === 'sigmoid') return Math.fround(1 / Math.fround(1 + Math.fround(Math.exp(-logit))));
  return Math.fround(logit);
}

/** Apply an activation to one row of logits. */
export function activateRow(row: ArrayLike<number>, a: Activation): number[] {
  const out = Array.from(row);
  if (a === 'sigmoid') return out.map(sigmoid);
  if (a === 'softmax') {
    const m = Math.max(...out);
    const e = out.map((v) => Math.exp(v - m));
    const s = e.reduce((x, y) => x + y, 0);
    return e.map((v) => v / s);
  }
  return out;
}
