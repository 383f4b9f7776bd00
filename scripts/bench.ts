#!/usr/bin/env node
/**
 * `npm run bench`: training and inference throughput, peak RSS and tensor drift of this library on every available
 * TF.js backend, beside PyTorch on the very same tokenised batches, for three model shapes.
 *
 *   npm run bench                                   # tiny, minilm, distilroberta; wasm (+ cpu for tiny, + tensorflow
 *                                                   # when @tensorflow/tfjs-node is installed) + every PyTorch build
 *   npm run bench -- --quick                        # tiny only, few steps (~2 min): a smoke test
 *   npm run bench -- --backends wasm,tensorflow,webgpu --shapes tiny
 *   npm run bench -- --shapes minilm --backends wasm --steps 5 --stock
 *   npm run bench -- --shapes distilroberta --micro-batch 8
 *
 * Flags: --shapes tiny,minilm,distilroberta  --backends wasm,cpu,tensorflow,webgpu (default: wasm, cpu for tiny,
 * tensorflow when @tensorflow/tfjs-node resolves; webgpu only when named)  --steps N (timed training steps; default
 * 20 tiny / 10 others)  --warmup N (3)  --infer-pairs N (256)  --infer-batch N (32)  --micro-batch N  --freeze-embeddings
 * --padded (dense layers on padded rows too)  --stock (one more row per backend: the stock tfjs formulation, i.e.
 * stock kernels and gradients, padded rows, all rows in the last block; 1 thread, as replica workers do not take the
 * switch)  --gemm ours,xnnpack (wasm dense products on our GEMM, lib/wasm-gemm, or on tfjs' XNNPACK matMul; default ours)
 * --threads 1,2 (our runs: the library's `threads` option; default 1 and every count up to the core count, at most 2;
 * webgpu and tensorflow rows run 1 thread only: one GPU device; TensorFlow's kernels use every core already)  --webgpu-software / --no-webgpu-software (run webgpu on SwiftShader, the CPU Vulkan
 * driver: TFJS_CROSS_ENCODER_WEBGPU=swiftshader in the child; default on when there is no /dev/dri and no /dev/nvidia*;
 * such rows say "on SwiftShader" and are correctness runs, not speed)
 * --no-torch  --torch-threads 2,1 (one PyTorch run per build and count)  --torch-builds debian,pypi (default: every
 * build found: Debian torch 1.13 in bench/.venv, PyPI torch 2.x in bench/.venv-torch2 from bash bench/setup.sh --torch2)
 * --torch-attn eager|sdpa (transformers' attention; default eager, the one torch 1.13 can run)  --torch-device cpu|cuda
 * (cuda: the GPU run, bench/gpu/run.sh; also finds python3 on PATH, where the GPU machine has its CUDA torch)
 * --timeout S (per child, 1200)  --out DIR (bench/results)  --quick
 *
 * Every (shape, backend) runs in its own child process (scripts/bench/child.ts), one after the other, so each peak RSS
 * is that run's own; a backend that cannot start gives a row with its error. PyTorch (bench/torch_bench.py) runs after
 * the TF.js children of a shape, on the batches the first child wrote, once per build × thread count; each ratio is
 * against the fastest of those PyTorch runs (the table names it). A PyTorch build whose matmul kernel is a fallback
 * for this CPU (e.g. Debian OpenBLAS on Prescott kernels on an AVX-512 Intel CPU, see bench/blas_kernel.py) is refused
 * and not measured: its cells say "refused", and the run goes on with the other builds.
 * Results: a Markdown table on stdout, and bench/results/bench-<date>.{md,json}.
 */
// Installs the Node platform (files, environment, Hub cache) before any library call.
import '../lib/platform/node.js';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { mayHaveGpu } from '../lib/backend/webgpu-node.js';
import { loadStsbFromDir } from '../lib/data/index.js';
import { epochPermutation } from '../lib/training/rng.js';
import { markdownReport, type BenchRow, type BenchRun } from './bench/report.js';
import { ROOT, SHAPES, SHARED, ensureModel, type ShapeName } from './bench/shapes.js';
import type { ChildJob, ChildResult, TorchBuild, TorchResult } from './bench/types.js';

if (process.argv.includes('--stock-kernels')) {
  process.stderr.write('bench: --stock-kernels is now --stock (one more row per backend in the stock tfjs formulation)\n');
  process.exit(2);
}
const { values } = parseArgs({
  options: {
    shapes: { type: 'string' },
    backends: { type: 'string' },
    steps: { type: 'string' },
    warmup: { type: 'string' },
    'infer-pairs': { type: 'string' },
    'infer-batch': { type: 'string' },
    'micro-batch': { type: 'string' },
    'freeze-embeddings': { type: 'boolean', default: false },
    padded: { type: 'boolean', default: false },
    stock: { type: 'boolean', default: false },
    'webgpu-software': { type: 'boolean' },
    'no-webgpu-software': { type: 'boolean', default: false },
    'no-torch': { type: 'boolean', default: false },
    'torch-threads': { type: 'string', default: '2,1' },
    'torch-builds': { type: 'string' },
    'torch-attn': { type: 'string', default: 'eager' },
    'torch-device': { type: 'string', default: 'cpu' },
    threads: { type: 'string' },
    gemm: { type: 'string', default: 'ours' },
    timeout: { type: 'string', default: '1200' },
    out: { type: 'string' },
    quick: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(readFileSync(new URL(import.meta.url), 'utf8').split('*/')[0].replace(/^#!.*\n\/\*\*\n/, '').replace(/^ \* ?/gm, '') + '\n');
  process.exit(0);
}

const require = createRequire(import.meta.url);
const int = (v: string | undefined, name: string, min = 1): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${v}`);
  return n;
};

const quick = values.quick;
const shapeNames = (values.shapes ?? (quick ? 'tiny' : 'tiny,minilm,distilroberta')).split(',').map((s) => s.trim()) as ShapeName[];
for (const s of shapeNames) if (!SHAPES[s]) throw new Error(`unknown shape ${s}; use tiny, minilm, distilroberta`);
const hasTfjsNode = (() => {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
})();
const explicitBackends = values.backends?.split(',').map((s) => s.trim()).filter(Boolean);
const KNOWN_BACKENDS = ['wasm', 'cpu', 'tensorflow', 'tfjs-node', 'tfjs-node-gpu', 'webgpu'];
for (const b of explicitBackends ?? []) if (!KNOWN_BACKENDS.includes(b)) throw new Error(`unknown backend ${b}; use ${KNOWN_BACKENDS.join(', ')}`);
/** No GPU device node (/dev/dri, /dev/nvidia*, ...): a webgpu run can only be on SwiftShader (the library's own test). */
const noGpuNode = !mayHaveGpu();
if (values['webgpu-software'] && values['no-webgpu-software']) throw new Error('--webgpu-software and --no-webgpu-software contradict each other');
const webgpuSoftware = values['webgpu-software'] ?? (values['no-webgpu-software'] ? false : noGpuNode);
const torchAttn = values['torch-attn']!;
if (torchAttn !== 'eager' && torchAttn !== 'sdpa') throw new Error(`--torch-attn takes eager or sdpa, got ${torchAttn}`);
const torchDevice = values['torch-device']!;
if (torchDevice !== 'cpu' && torchDevice !== 'cuda') throw new Error(`--torch-device takes cpu or cuda, got ${torchDevice}`);
const torchBuildFilter = values['torch-builds']?.split(',').map((s) => s.trim()).filter(Boolean);
const stepsFlag = int(values.steps, 'steps');
const warmup = int(values.warmup, 'warmup', 1) ?? (quick ? 2 : 3);
const inferPairs = int(values['infer-pairs'], 'infer-pairs') ?? (quick ? 64 : 256);
const inferBatch = int(values['infer-batch'], 'infer-batch') ?? 32;
const microBatch = int(values['micro-batch'], 'micro-batch');
const torchThreads = values['torch-threads']!.split(',').map((t) => int(t.trim(), 'torch-threads')!);
const timeoutS = int(values.timeout, 'timeout')!;
const oursThreads = (values.threads ?? Array.from({ length: Math.min(2, os.availableParallelism()) }, (_, i) => i + 1).join(',')).split(',').map((t) => int(t.trim(), 'threads')!);
const gemms = values.gemm!.split(',').map((g) => g.trim());
for (const g of gemms) if (g !== 'ours' && g !== 'xnnpack') throw new Error(`--gemm takes ours and/or xnnpack, got ${g}`);
const batchSize = 16;
/** The child's entry: its esbuild bundle where the bench itself runs bundled (bench/gpu/run.sh), else tsx. */
const bundledScripts = process.env.XENC_BUNDLED_SCRIPTS;
const childEntry = bundledScripts ? [path.join(bundledScripts, 'bench', 'child.mjs')] : ['--import', 'tsx', path.join(ROOT, 'scripts', 'bench', 'child.ts')];
const outDir = path.resolve(values.out ?? path.join(ROOT, 'bench', 'results'));

/** Backends the `threads` option does not multiply: one GPU device, or TensorFlow's own multi-threaded kernels. */
function oneThreadOnly(backend: string): boolean {
  return backend === 'webgpu' || backend === 'tensorflow' || backend.startsWith('tfjs-node');
}

function backendsFor(shape: ShapeName): string[] {
  if (explicitBackends) return explicitBackends;
  // cpu is ~30× slower than wasm: only the tiny shape by default.
  return ['wasm', ...(shape === 'tiny' ? ['cpu'] : []), ...(hasTfjsNode ? ['tensorflow'] : [])];
}

/**
 * Every PyTorch build to measure: Debian's torch 1.13 (bench/.venv, else /usr/bin/python3) and PyPI's torch 2.x
 * (bench/.venv-torch2), each the first interpreter found that imports it.
 */
function findTorchBuilds(): { builds: TorchBuild[]; note: string } {
  const candidates = [path.join(ROOT, 'bench', '.venv', 'bin', 'python'), path.join(ROOT, 'bench', '.venv-torch2', 'bin', 'python'), '/usr/bin/python3'];
  // The GPU machine's CUDA torch is in whatever python3 its PATH gives (no harness venv travels there).
  if (torchDevice === 'cuda') candidates.push('python3');
  const builds: TorchBuild[] = [];
  for (const py of candidates) {
    if (py.includes('/') && !existsSync(py)) continue;
    const r = spawnSync(py, ['-c', 'import torch; print(torch.__version__); print(torch.__file__)'], { encoding: 'utf8' });
    if (r.status !== 0) continue;
    const [version, file] = r.stdout.trim().split('\n');
    const id = file.startsWith('/usr/lib/python3/') ? 'debian' : 'pypi';
    if (builds.some((b) => b.id === id)) continue;
    if (torchBuildFilter && !torchBuildFilter.includes(id)) continue;
    builds.push({ id, label: `${id === 'debian' ? 'Debian' : 'PyPI'} ${version}`, python: py, torch: version });
  }
  if (!builds.length) {
    return {
      builds,
      note: torchBuildFilter
        ? `PyTorch column unavailable: no build among ${torchBuildFilter.join(', ')} found (bench/.venv: Debian, bench/.venv-torch2: PyPI)`
        : 'PyTorch column unavailable: neither bench/.venv/bin/python, bench/.venv-torch2/bin/python nor /usr/bin/python3 imports torch. Set it up with `bash bench/setup.sh` (Debian python3-torch + pinned transformers) and `bash bench/setup.sh --torch2` (PyPI torch 2.x)',
    };
  }
  return { builds, note: builds.map((b) => `${b.label}: ${path.relative(ROOT, b.python) || b.python}`).join('; ') };
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch {
    /* not Linux */
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

function run(cmd: string, args: string[], timeoutMs: number, env?: NodeJS.ProcessEnv): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve) => {
    const t = Date.now();
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t });
    });
  });
}

/** The widest x86 vector ISA in /proc/cpuinfo's flags (the same rule as bench/blas_kernel.py's cpu_isa). */
function cpuIsa(): string | undefined {
  try {
    const m = /^flags\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (!m) return undefined;
    const flags = new Set(m[1].split(/\s+/));
    return flags.has('avx512f') ? 'avx512' : flags.has('avx2') && flags.has('fma') ? 'avx2' : flags.has('avx') ? 'avx' : 'sse';
  } catch {
    return undefined;
  }
}

const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);

// ---- data: the same STSb pairs for every run
const stsb = path.join(SHARED, 'data', 'stsb');
const trainAll = (await loadStsbFromDir(stsb, 'train')).examples;
const testAll = (await loadStsbFromDir(stsb, 'test')).examples;
const perm = epochPermutation(trainAll.length, 12, 0);
const inferSet = testAll.slice(0, inferPairs).map(({ sentence1, sentence2, label }) => ({ sentence1, sentence2, label }));

const py: { builds: TorchBuild[]; note: string } = values['no-torch'] ? { builds: [], note: 'PyTorch column skipped (--no-torch)' } : findTorchBuilds();
const work = await fsp.mkdtemp(path.join(os.tmpdir(), 'xenc-bench-run-'));
const startedAt = new Date();
const load0 = os.loadavg();
const rows: BenchRow[] = [];
/** Backends whose child could not start them: later shapes get the same error row without another try. */
const unstartable = new Map<string, ChildResult>();
log(`shapes ${shapeNames.join(', ')}; ${py.note}; work dir ${work}`);

for (const shapeName of shapeNames) {
  const shape = SHAPES[shapeName];
  const steps = stepsFlag ?? (quick ? 5 : shape.steps);
  const n = (warmup + steps) * batchSize;
  const train = Array.from({ length: n }, (_, i) => trainAll[perm[i % perm.length]]).map(({ sentence1, sentence2, label }) => ({ sentence1, sentence2, label }));
  log(`${shape.label}: preparing model`);
  const modelDir = await ensureModel(shape);
  const batchesFile = path.join(work, `batches-${shapeName}.json`);
  const results: ChildResult[] = [];
  for (const backend of backendsFor(shapeName)) {
    const failed = unstartable.get(backend);
    if (failed) {
      log(`${shape.label} on ${backend}: skipped, it did not start for an earlier shape`);
      results.push({ ...failed, shape: shapeName });
      continue;
    }
    // Our tuned formulation (per GEMM on wasm, per thread count), then the stock one (1 thread) with --stock.
    const variants: Array<{ gemm: 'ours' | 'xnnpack'; threads: number; stock: boolean }> = [];
    for (const gemm of (backend === 'wasm' ? gemms : ['ours']) as Array<'ours' | 'xnnpack'>)
      for (const threads of oursThreads) if (threads === 1 || !oneThreadOnly(backend)) variants.push({ gemm, threads, stock: false });
    if (oneThreadOnly(backend) && oursThreads.some((t) => t > 1))
      log(`${shape.label} on ${backend}: 1 thread only (${backend === 'webgpu' ? 'replica threads run on wasm or cpu' : "TensorFlow's own thread pool uses every core"})`);
    // The stock cpu row ran past the 1200 s timeout on the tiny shape here (stock embedding gradient: a loop over the
    // whole vocabulary on cpu): only when --backends names cpu.
    if (values.stock && backend === 'cpu' && !explicitBackends) log(`${shape.label} on cpu: no stock row (it takes > 20 min; name cpu in --backends to run it)`);
    else if (values.stock) variants.push({ gemm: 'ours', threads: 1, stock: true });
    let started = true;
    for (const { gemm, threads, stock } of variants) {
      if (!started) break;
      const software = backend === 'webgpu' && webgpuSoftware;
      const tag = `${shapeName}-${backend}-${stock ? 'stock' : gemm}-${threads}`;
      const job: ChildJob = {
        shape: shapeName,
        backend,
        modelDir,
        batchSize,
        warmup,
        steps,
        inferBatchSize: inferBatch,
        train,
        infer: inferSet,
        microBatchSize: microBatch,
        freezeEmbeddings: values['freeze-embeddings'],
        padded: values.padded,
        stock,
        webgpuSoftware: software,
        threads,
        gemm,
        resultFile: path.join(work, `result-${tag}.json`),
        batchesFile: existsSync(batchesFile) ? undefined : batchesFile,
      };
      const jobFile = path.join(work, `job-${tag}.json`);
      await fsp.writeFile(jobFile, JSON.stringify(job));
      const what = `${backend}${software ? ' on SwiftShader' : ''}${stock ? ', stock tfjs formulation' : gemm === 'xnnpack' ? ' (XNNPACK matMul)' : ''}`;
      log(`${shape.label} on ${what}, ${threads} thread${threads > 1 ? 's' : ''}: ${warmup} warm-up + ${steps} timed steps of ${batchSize}, then ${inferSet.length} pairs of inference`);
      const env: NodeJS.ProcessEnv = { TFJS_CROSS_ENCODER_GEMM: gemm };
      if (software) env.TFJS_CROSS_ENCODER_WEBGPU = 'swiftshader';
      const r = await run(process.execPath, [...childEntry, jobFile], timeoutS * 1000, env);
      let res: ChildResult;
      let reported = false;
      try {
        res = JSON.parse(await fsp.readFile(job.resultFile, 'utf8')) as ChildResult;
        reported = true;
      } catch {
        // The last lines of its output, each cut short (tfjs-backend-wasm can rethrow from a 40 KB one-line file).
        const tail = (r.stderr || r.stdout).trim().split('\n').slice(-3).map((l) => l.slice(0, 300)).join(' | ');
        res = { shape: shapeName, backend, threads, ok: false, error: `child ${r.signal ? `killed by ${r.signal}${r.signal === 'SIGKILL' ? ` (timeout ${timeoutS}s?)` : ''}` : `exited with ${r.code}`}: ${tail || 'no output'}` };
      }
      res.stock = stock;
      if (software && res.softwareAdapter === undefined) res.softwareAdapter = true;
      // A backend that could not start (the child says so) gives one row with its error; its other variants, and
      // later shapes, would only repeat it. A crash or timeout is not that: the next variant still runs.
      if (reported && !res.backendSource) {
        started = false;
        unstartable.set(backend, res);
      }
      if (res.error) log(`  failed: ${res.error}${started ? '' : ` (skipping ${backend}'s other rows)`}`);
      else log(`  train ${res.train?.pairsPerSec.toFixed(2)} pairs/s, infer ${res.infer?.pairsPerSec.toFixed(1)} pairs/s, peak RSS ${((res.maxRssKB ?? 0) / 1024).toFixed(0)} MB (${(r.ms / 1000).toFixed(0)} s)`);
      results.push(res);
    }
  }
  const torch: TorchResult[] = [];
  if (py.builds.length && existsSync(batchesFile)) {
    for (const build of py.builds)
    for (const threads of torchThreads) {
      log(`${shape.label} in PyTorch ${build.label} (${threads} thread${threads > 1 ? 's' : ''})`);
      // torch.set_num_threads sets its OpenMP pool; OpenBLAS (Debian's pthread build) and MKL have their own, set by env.
      // OMP_WAIT_POLICY=PASSIVE: with the default spin-waiting, 2-thread torch ran 5× slower than 1 thread here
      // whenever other processes used the cores (measured: MiniLM forward 1240 ms vs 260 ms).
      const n = String(threads);
      const env = { OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE', HF_HUB_OFFLINE: '1' };
      const args = [path.join(ROOT, 'bench', 'torch_bench.py'), '--config', path.join(modelDir, 'config.json'), '--batches', batchesFile, '--threads', n, '--attn', torchAttn, '--device', torchDevice];
      const r = await run(build.python, args, timeoutS * 1000, env);
      let t: TorchResult;
      try {
        t = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as TorchResult;
      } catch {
        t = { ok: false, threads, error: `python exited with ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' | ').slice(0, 500)}` };
      }
      t.build = build.label;
      t.threads ??= threads;
      if (t.ok) log(`  train ${t.train?.pairsPerSec.toFixed(2)} pairs/s, infer ${t.infer?.pairsPerSec.toFixed(1)} pairs/s, peak RSS ${((t.maxRssKB ?? 0) / 1024).toFixed(0)} MB; ${t.blas}`);
      else if (t.refused) log(`  refused: ${t.refused}`);
      else log(`  failed: ${t.error}`);
      torch.push(t);
    }
  } else if (py.builds.length) {
    torch.push({ ok: false, error: 'no TF.js child wrote the batches file' });
  }
  for (const res of results) rows.push({ shape: shapeName, label: shape.label, result: res, torch });
}

const runInfo: BenchRun = {
  date: startedAt.toISOString(),
  finished: new Date().toISOString(),
  machine: { cpu: cpuModel(), cores: os.cpus().length, isa: cpuIsa(), memGB: Math.round(os.totalmem() / 2 ** 30), loadavgStart: load0, loadavgEnd: os.loadavg() },
  node: process.version,
  tfjs: rows.find((r) => r.result.tfjsVersion)?.result.tfjsVersion,
  tfjsNode: hasTfjsNode ? 'installed' : 'not installed (npm run setup:tfjs-node builds it from PyPI\'s TensorFlow)',
  torchNote: py.note,
  torchBuilds: py.builds,
  settings: {
    batchSize,
    warmup,
    steps: Object.fromEntries(shapeNames.map((s) => [s, stepsFlag ?? (quick ? 5 : SHAPES[s].steps)])),
    inferPairs: inferSet.length,
    inferBatch,
    microBatchSize: microBatch ?? null,
    freezeEmbeddings: values['freeze-embeddings'],
    unpaddedTraining: !values.padded,
    stockRows: values.stock,
    webgpuSoftware,
    gemm: gemms,
    torchThreads,
    torchAttn,
    torchDevice,
    threads: oursThreads,
    data: 'STSb train (seeded permutation, seed 12) for training, first test pairs for inference; dynamic padding; default max length',
  },
  rows,
};
await fsp.mkdir(outDir, { recursive: true });
const stamp = startedAt.toISOString().replace(/[:]/g, '-').replace(/\..*$/, '');
const md = markdownReport(runInfo);
await fsp.writeFile(path.join(outDir, `bench-${stamp}.md`), md);
await fsp.writeFile(path.join(outDir, `bench-${stamp}.json`), JSON.stringify(runInfo, null, 2) + '\n');
await fsp.rm(work, { recursive: true, force: true });
process.stdout.write(md);
log(`wrote ${path.relative(ROOT, path.join(outDir, `bench-${stamp}.md`))} and .json`);
