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
