/** Reading a computed tensor back to the host, the one way the library does it. */
import { tf } from '../tf.js';

/**
 * The float32 values of the tensor `f` computes (inside tf.tidy, so its intermediates are freed), read with data():
 * a synchronous read stalls a GPU pipeline, and tfjs-backend-webgpu in Node cannot read synchronously at all.
 */
export async function readTidy(f: () => tf.Tensor): Promise<Float32Array> {
  const t = tf.tidy(f);
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}
