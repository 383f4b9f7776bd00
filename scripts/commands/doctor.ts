import { createRequire } from 'node:module';
import * as os from 'node:os';
import { initBackend, probeBackends, tf } from '../../lib/backend.js';
import { formulation, wasmGemmInfo } from '../../lib/kernels/index.js';
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

/** Print what runs and why, every backend this machine can see, and the versions a bug report needs. */
export async function doctorCommand(): Promise<void> {
  const info = await initBackend();
  const lines = [
    `tfjs-cross-encoder ${VERSION}`,
    `node ${process.version} on ${os.platform()} ${os.arch()}, ${os.cpus().length} CPU(s) (${os.cpus()[0]?.model ?? 'unknown'})`,
    `backend: ${info.name} from ${info.source}${info.device ? ` on ${info.device}` : ''}`,
    `  why: ${info.reason}`,
    `  formulation: ${formulation()} (lib/kernels)`,
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
  if (info.softwareAdapter) lines.push('  note: a software GPU adapter computes on the CPU, far slower than wasm or tfjs-node: for correctness tests');
  lines.push('every backend (automatic order, fastest first):');
  const probes = await probeBackends();
  const width = Math.max(...probes.map((p) => p.candidate.length));
  for (const p of probes) lines.push(`  ${p.candidate.padEnd(width)}  ${p.state.padEnd(13)} ${p.device ? `${p.device}: ` : ''}${p.reason}`);
  lines.push(
    `packages: @tensorflow/tfjs-core ${pkgVersion('@tensorflow/tfjs-core')}, -backend-wasm ${pkgVersion('@tensorflow/tfjs-backend-wasm')}, -backend-cpu ${pkgVersion('@tensorflow/tfjs-backend-cpu')}, ` +
      `-backend-webgpu ${pkgVersion('@tensorflow/tfjs-backend-webgpu')}, webgpu (dawn.node) ${pkgVersion('webgpu')}, ` +
      `@tensorflow/tfjs-node ${pkgVersion('@tensorflow/tfjs-node')}, @tensorflow/tfjs-node-gpu ${pkgVersion('@tensorflow/tfjs-node-gpu')}`,
  );
  lines.push(
    `override with TFJS_BACKEND=tensorflow|tfjs-node|tfjs-node-gpu|webgpu|wasm|cpu (TFJS_CROSS_ENCODER_WEBGPU=swiftshader lets webgpu use SwiftShader); ` +
      `HF cache: ${process.env.HF_HUB_CACHE ?? process.env.HF_HOME ?? '~/.cache/huggingface/hub'}`,
  );
  process.stdout.write(lines.join('\n') + '\n');
}
