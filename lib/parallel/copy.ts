/**
 * Copy a float32 tensor's values into a (shared) Float32Array with one memcpy. On wasm, dataSync() first copies
 * the tensor out of the wasm heap into a fresh array; for a 330 MB model that extra copy, every step, was about a
 * third of a weight sync. Here we read the heap in place (tfjs-backend-wasm 4.x internals, checked at run time;
 * anything else falls back to dataSync()).
 */
import { tf } from '../tf.js';
import { asWasmBackend } from '../kernels/wasm/internals.js';

/** t's values as a view into the wasm heap, or undefined (not wasm, not float32, internals not as expected). */
function heapView(t: tf.Tensor): Float32Array | undefined {
  if (t.dtype !== 'float32' || tf.getBackend() !== 'wasm') return undefined;
  const b = asWasmBackend(tf.backend());
  const heap = b?.wasm.HEAPF32;
  const entry = b?.dataIdMap.get(t.dataId);
  if (!(heap instanceof Float32Array) || !entry || entry.memoryOffset % 4 !== 0) return undefined;
  const start = entry.memoryOffset / 4;
  if (start + t.size > heap.length) return undefined;
  return heap.subarray(start, start + t.size);
}

/** target[offset ..] = values of t (float32). */
export function copyTensorInto(target: Float32Array, offset: number, t: tf.Tensor): void {
  target.set(heapView(t) ?? (t.dataSync() as Float32Array), offset);
}

/**
 * A float32 tensor holding source[offset .. offset + size). On wasm, tf.tensor copies the values into the heap at
 * once, so the view can be passed as is; the cpu backend would keep the array itself, so it gets a private copy.
 */
export function tensorFrom(source: Float32Array, offset: number, shape: number[]): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const view = source.subarray(offset, offset + size);
  return tf.tensor(tf.getBackend() === 'wasm' ? view : view.slice(), shape, 'float32');
}

/** What a replica sends back of a training step: its summed loss and gradients, laid out by `slots`. */
export interface GradientShare {
  /** Σ weight · loss over the micro-batches this worker computed (NaN where the caller computes the loss). */
  loss: number;
  grads: Float32Array;
  slots: ReadonlyArray<{ name: string; shape: number[]; offset: number }>;
}

/**
 * Add the workers' shares into the calling thread's gradients (in place; `addLoss` false when the caller computed
 * the whole loss itself, as GradCache does). On failure the caller's gradients are freed and the error rethrown.
 */
export async function addGradientShares(g: { loss: number; grads: Map<string, tf.Tensor> }, remote: ReadonlyArray<Promise<GradientShare | undefined>>, addLoss = true): Promise<void> {
  try {
    for (const share of await Promise.all(remote)) {
      if (!share) continue;
      if (addLoss) g.loss += share.loss;
      for (const s of share.slots) {
        const prev = g.grads.get(s.name);
        g.grads.set(s.name, tf.tidy(() => (prev ? tf.add(prev, tensorFrom(share.grads, s.offset, s.shape)) : tensorFrom(share.grads, s.offset, s.shape))));
        prev?.dispose();
      }
    }
  } catch (e) {
    tf.dispose([...g.grads.values()]);
    throw e;
  }
}
