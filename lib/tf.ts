/**
 * The one place `tf` comes from: tfjs-core with every gradient registered and the pure-JS cpu backend, the same in
 * Node and in a page. Choosing a backend is a separate, platform-specific step (lib/backend/).
 *
 * We import tfjs-core plus the parts we use, never the `@tensorflow/tfjs` bundle: in Node that bundle registers WebGL,
 * which prints context errors and an "install tfjs-node" banner.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradient functions. tfjs-layers (which our modules subclass anyway) registers
// them all on import; tfjs-core's own register_all_gradients is not loadable as Node ESM (directory imports).
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';

export { tf };
