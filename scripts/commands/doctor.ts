import { createRequire } from 'node:module';
import * as os from 'node:os';
import { initBackend, tf } from '../../lib/backend.js';
import { wasmGemmInfo } from '../../lib/models/layers/ops.js';
import { checkThreads } from '../../lib/parallel/replica-pool.js';
import { VERSION } from '../../lib/version.js';

const require = createRequire(import.meta.url);

function pkgVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** Print what runs and why, with the versions a bug report needs. */
export async function doctorCommand(): Promise<void> {
  const info = await initBackend();
  const lines = [
    `tfjs-cross-encoder ${VERSION}`,
    `node ${process.version} on ${os.platform()} ${os.arch()}, ${os.cpus().length} CPU(s) (${os.cpus()[0]?.model ?? 'unknown'})`,
    `backend: ${info.name} from ${info.source}`,
    `  why: ${info.reason}`,
    `@tensorflow/tfjs-core ${pkgVersion('@tensorflow/tfjs-core')}, -backend-wasm ${pkgVersion('@tensorflow/tfjs-backend-wasm')}, -backend-cpu ${pkgVersion('@tensorflow/tfjs-backend-cpu')}`,
    `@tensorflow/tfjs-node ${pkgVersion('@tensorflow/tfjs-node')}, @tensorflow/tfjs-node-gpu ${pkgVersion('@tensorflow/tfjs-node-gpu')}`,
  ];
  if (info.name === 'wasm') {
    const flags = tf.env().getFlags();
    const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as { getThreadsCount?: () => number };
    lines.push(`  wasm SIMD: ${String(flags.WASM_HAS_SIMD_SUPPORT ?? 'unknown')}, threads: ${wasm.getThreadsCount?.() ?? 1} (tfjs disables wasm threads in Node)`);
    const gemm = wasmGemmInfo();
    lines.push(
      gemm.active
        ? `  matmul: our GEMM (lib/wasm-gemm), ${gemm.fma ? 'relaxed-SIMD FMA' : 'SIMD mul + add (no relaxed SIMD in this engine, or TFJS_CROSS_ENCODER_RELAXED_SIMD=0)'}`
        : "  matmul: tfjs' XNNPACK matMul (TFJS_CROSS_ENCODER_GEMM=xnnpack, or our GEMM could not load)",
    );
    lines.push(`  more cores: --threads N|auto runs model replicas on worker threads (auto here: ${checkThreads('auto')})`);
    lines.push('  memory: the wasm heap is capped at 4 GB; use --micro-batch-size or --freeze-embeddings for large models');
  }
  if (pkgVersion('@tensorflow/tfjs-node-gpu') !== 'not installed' && info.source !== '@tensorflow/tfjs-node-gpu') {
    lines.push('tfjs-node-gpu is installed but not in use: it needs CUDA 11.2 and cuDNN 8.1 libraries on the library path (LD_LIBRARY_PATH) and an NVIDIA driver.');
  }
  if (info.source === '@tensorflow/tfjs-node-gpu') {
    lines.push('tfjs-node-gpu: GPU kernels need CUDA 11.2 and cuDNN 8.1; if TensorFlow logs that no GPU was found, check those libraries and the driver.');
  }
  lines.push(`override with TFJS_BACKEND=wasm|cpu|tfjs-node|tfjs-node-gpu; HF cache: ${process.env.HF_HUB_CACHE ?? process.env.HF_HOME ?? '~/.cache/huggingface/hub'}`);
  process.stdout.write(lines.join('\n') + '\n');
}
