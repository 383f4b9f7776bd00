/**
 * Our kernel for tfjs-node's 'tensorflow' backend: a dense layer as TensorFlow's 2-D MatMul then BiasAdd.
 * tfjs-node 4.22 runs tf.fused.matMul as BatchMatMulV2 + a broadcasting AddV2 (its _FusedMatMul kernel says "core
 * TensorFlow does not have a fused BatchMatMul op"); MatMul + BiasAdd is 10-25 % faster on the models' shapes here
 * (2496×384·384×{384, 1536}: 52-63 → 62-86 GFLOP/s, same values bit for bit). We call the ops through the backend's
 * own executeSingleOutput, the way tfjs-node's kernels do; when that is absent the caller keeps tf.fused.matMul.
 */
import { tf } from '../tf.js';

/** The part of tfjs-node's NodeJSKernelBackend used here. */
interface NodeBackendLike {
  binding: { TF_ATTR_BOOL: number; TF_ATTR_TYPE: number; TF_ATTR_STRING: number; TF_FLOAT: number };
  executeSingleOutput: (name: string, attrs: Array<{ name: string; type: number; value: unknown }>, inputs: tf.TensorInfo[]) => tf.Tensor;
}

function asNodeBackend(b: unknown): NodeBackendLike | undefined {
  const n = b as Partial<NodeBackendLike> | undefined;
  if (!n || typeof n.executeSingleOutput !== 'function' || !n.binding || typeof n.binding.TF_ATTR_BOOL !== 'number' || typeof n.binding.TF_FLOAT !== 'number') return undefined;
  return n as NodeBackendLike;
}

const MATMUL_BIAS = 'XencMatMulBiasAdd';

/** Kernel body: a [M, K] · b [K, N] + bias [N], float32. */
function matMulBiasAdd(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const be = asNodeBackend(args.backend)!;
  const { a, b, bias } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo; bias: tf.TensorInfo };
  const B = be.binding;
  const T = { name: 'T', type: B.TF_ATTR_TYPE, value: B.TF_FLOAT };
  const product = be.executeSingleOutput('MatMul', [T, { name: 'transpose_a', type: B.TF_ATTR_BOOL, value: false }, { name: 'transpose_b', type: B.TF_ATTR_BOOL, value: false }], [a, b]);
  try {
    return be.executeSingleOutput('BiasAdd', [T, { name: 'data_format', type: B.TF_ATTR_STRING, value: 'NHWC' }], [product, bias]);
  } finally {
    product.dispose();
  }
}

let state: 'unknown' | 'registered' | 'unavailable' = 'unknown';

/** Whether our tensorflow kernel can run on the active backend. */
function usable(): boolean {
  if (tf.getBackend() !== 'tensorflow') return false;
  if (state === 'unknown') {
    if (asNodeBackend(tf.backend())) {
      tf.registerKernel({ kernelName: MATMUL_BIAS, backendName: 'tensorflow', kernelFunc: matMulBiasAdd as unknown as tf.KernelFunc });
      state = 'registered';
    } else {
      state = 'unavailable';
    }
  }
  return state === 'registered';
}

/** x [M, K] · w [K, N] + b [N] as MatMul + BiasAdd on tfjs-node, or undefined elsewhere (no gradient of its own). */
export function matMulBiasTensorflow(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D | undefined {
  if (x.dtype !== 'float32' || w.dtype !== 'float32' || b.dtype !== 'float32' || !usable()) return undefined;
  return tf.engine().runKernel(MATMUL_BIAS, { a: x, b: w, bias: b } as unknown as tf.NamedTensorMap, {}) as tf.Tensor2D;
}
