/**
 * Loss and gradients for one optimizer step, optionally split into micro-batches. The big-batch gradient of a
 * mean loss equals Σ_i (b_i / B) · ∇ mean-loss(micro-batch i), so we scale each micro-batch's loss by b_i / B and
 * sum the gradients: the same result up to float rounding, with peak memory of one micro-batch.
 */
import { tf } from '../tf.js';

export interface MicroBatch {
  /** Number of examples in this micro-batch. */
  size: number;
  /** Builds the mean loss over this micro-batch (called inside the gradient tape). */
  loss: () => tf.Scalar;
  /** Its share of the step's loss; default size / (sum of sizes in the list). Set when the step is split across threads. */
  weight?: number;
}

export interface StepGradients {
  /** Mean loss over the whole batch. */
  loss: number;
  /** name → gradient (caller disposes). */
  grads: Map<string, tf.Tensor>;
}

/**
 * Sum of the micro-batches' gradients and their (weighted) losses. Async because the loss is read with data(): a
 * synchronous read stalls a GPU pipeline, and tfjs-backend-webgpu in Node cannot read synchronously at all.
 */
export async function computeGradients(params: ReadonlyArray<readonly [string, tf.Variable]>, micro: MicroBatch[]): Promise<StepGradients> {
  const total = micro.reduce((a, m) => a + m.size, 0);
  const byVarName = new Map(params.map(([n, v]) => [v.name, n] as const));
  const vars = params.map(([, v]) => v);
  const grads = new Map<string, tf.Tensor>();
  let loss = 0;
  for (const mb of micro) {
    const weight = mb.weight ?? mb.size / total;
    const { value, grads: g } = tf.variableGrads(() => (weight === 1 ? mb.loss() : tf.mul(mb.loss(), weight)), vars);
    const lossValue = value.data(); // already weighted, so the sum is the big-batch mean
    for (const [varName, grad] of Object.entries(g)) {
      const name = byVarName.get(varName);
      if (!name) {
        grad.dispose();
        continue;
      }
      const prev = grads.get(name);
      if (prev) {
        grads.set(name, tf.add(prev, grad));
        prev.dispose();
        grad.dispose();
      } else {
        grads.set(name, grad);
      }
    }
    try {
      loss += (await lossValue)[0];
    } catch (e) {
      tf.dispose([...grads.values()]);
      throw e;
    } finally {
      value.dispose();
    }
  }
  return { loss, grads };
}

/**
 * Global L2 norm of all gradients, as torch.nn.utils.clip_grad_norm_ computes it (before clipping). Squares are
 * summed per row on the device and the rows in float64 here: wasm's tf.sum adds a whole tensor one float32 at a time,
 * which reads ~1e-4 low on a 590k-element matrix. All rows come back in one read (one GPU round trip).
 */
export async function globalNorm(grads: ReadonlyMap<string, tf.Tensor>): Promise<number> {
  if (grads.size === 0) return 0;
  const partials = tf.tidy(() => tf.concat([...grads.values()].map((g) => tf.reshape(g.rank > 1 ? tf.sum(tf.square(g), -1) : tf.square(g), [-1]))));
  try {
    const rows = await partials.data();
    let total = 0;
    for (let i = 0; i < rows.length; i++) total += rows[i];
    return Math.sqrt(total);
  } finally {
    partials.dispose();
  }
}

/** clip_grad_norm_: scale by max_norm / (norm + 1e-6) when that is below 1. Replaces the map's tensors. */
export function clipGradients(grads: Map<string, tf.Tensor>, norm: number, maxNorm: number): void {
  if (!(maxNorm > 0)) return;
  const coef = maxNorm / (norm + 1e-6);
  if (coef >= 1) return;
  for (const [name, g] of grads) {
    grads.set(name, tf.mul(g, coef));
    g.dispose();
  }
}
