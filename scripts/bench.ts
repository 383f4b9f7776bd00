#!/usr/bin/env node
/**
 * `npm run bench`: training and inference throughput, peak RSS and tensor drift of this library on every available
 * TF.js backend, beside PyTorch on the very same tokenised batches, for three model shapes.
 *
 *   npm run bench                                   # tiny, minilm, distilroberta; wasm (+ cpu for tiny) + PyTorch
 *   npm run bench -- --quick                        # tiny only, few steps (~2 min): a smoke test
 *   npm run bench -- --shapes minilm --backends wasm --steps 5
 *   npm run bench -- --shapes distilroberta --micro-batch 8
 *
 * Flags: --shapes tiny,minilm,distilroberta  --backends wasm,cpu,tensorflow  --steps N (timed training steps; default
 * 20 tiny / 10 others)  --warmup N (3)  --infer-pairs N (256)  --infer-batch N (32)  --micro-batch N  --freeze-embeddings
 * --padded (dense layers on padded rows too, the stock formulation)  --stock-kernels (tfjs' own batched matmul/gather)
 * --gemm ours,xnnpack (wasm dense products on our GEMM, lib/wasm-gemm, or on tfjs' XNNPACK matMul; default ours)
 * --threads 1,2 (our runs: the library's `threads` option; default 1 and every count up to the core count, at most 2)
 * --no-torch  --torch-threads 2,1 (one PyTorch run per count; the ratio uses the fastest)  --timeout S (per child, 1200)  --out DIR (bench/results)  --quick
 *
 * Every (shape, backend) runs in its own child process (scripts/bench/child.ts), one after the other, so each peak RSS
 * is that run's own; PyTorch (bench/torch_bench.py) runs after the TF.js children of a shape, on the batches the first
 * child wrote. Results: a Markdown table on stdout, and bench/results/bench-<date>.{md,json}.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { loadStsbFromDir } from '../lib/data/index.js';
import { epochPermutation } from '../lib/training/rng.js';
import { markdownReport, type BenchRow, type BenchRun } from './bench/report.js';
import { ROOT, SHAPES, SHARED, ensureModel, type ShapeName } from './bench/shapes.js';
import type { ChildJob, ChildResult, TorchResult } from './bench/types.js';

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
    'stock-kernels': { type: 'boolean', default: false },
    'no-torch': { type: 'boolean', default: false },
    'torch-threads': { type: 'string', default: '2,1' },
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
const explicitBackends = values.backends?.split(',').map((s) => s.trim());
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
const outDir = path.resolve(values.out ?? path.join(ROOT, 'bench', 'results'));

function backendsFor(shape: ShapeName): string[] {
  if (explicitBackends) return explicitBackends;
  // cpu is ~30× slower than wasm: only the tiny shape by default.
  return ['wasm', ...(shape === 'tiny' ? ['cpu'] : []), ...(hasTfjsNode ? ['tensorflow'] : [])];
}

function findPython(): { python?: string; note: string } {
  const candidates = [path.join(ROOT, 'bench', '.venv', 'bin', 'python'), '/usr/bin/python3'];
  for (const py of candidates) {
    if (!existsSync(py)) continue;
    const r = spawnSync(py, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python: py, note: `${path.relative(ROOT, py) || py} (torch ${r.stdout.trim()})` };
  }
  return { note: 'PyTorch column unavailable: neither bench/.venv/bin/python nor /usr/bin/python3 imports torch. Set it up with `bash bench/setup.sh` (Debian python3-torch + pinned transformers).' };
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

const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);

// ---- data: the same STSb pairs for every run
const stsb = path.join(SHARED, 'data', 'stsb');
const trainAll = (await loadStsbFromDir(stsb, 'train')).examples;
const testAll = (await loadStsbFromDir(stsb, 'test')).examples;
const perm = epochPermutation(trainAll.length, 12, 0);
const inferSet = testAll.slice(0, inferPairs).map(({ sentence1, sentence2, label }) => ({ sentence1, sentence2, label }));

const py = values['no-torch'] ? { note: 'PyTorch column skipped (--no-torch)' } : findPython();
const work = await fsp.mkdtemp(path.join(os.tmpdir(), 'xenc-bench-run-'));
const startedAt = new Date();
const load0 = os.loadavg();
const rows: BenchRow[] = [];
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
  for (const backend of backendsFor(shapeName))
  for (const gemm of (backend === 'wasm' ? gemms : ['ours']) as Array<'ours' | 'xnnpack'>)
  for (const threads of oursThreads) {
    const tag = `${shapeName}-${backend}-${gemm}-${threads}`;
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
      stock: values['stock-kernels'],
      threads,
      gemm,
      resultFile: path.join(work, `result-${tag}.json`),
      batchesFile: existsSync(batchesFile) ? undefined : batchesFile,
    };
    const jobFile = path.join(work, `job-${tag}.json`);
    await fsp.writeFile(jobFile, JSON.stringify(job));
    log(`${shape.label} on ${backend}${gemm === 'xnnpack' ? ' (XNNPACK matMul)' : ''}, ${threads} thread${threads > 1 ? 's' : ''}: ${warmup} warm-up + ${steps} timed steps of ${batchSize}, then ${inferSet.length} pairs of inference`);
    const r = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'bench', 'child.ts'), jobFile], timeoutS * 1000, { TFJS_CROSS_ENCODER_GEMM: gemm });
    let res: ChildResult;
    try {
      res = JSON.parse(await fsp.readFile(job.resultFile, 'utf8')) as ChildResult;
    } catch {
      const tail = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ');
      res = { shape: shapeName, backend, threads, ok: false, error: `child ${r.signal ? `killed by ${r.signal}${r.signal === 'SIGKILL' ? ` (timeout ${timeoutS}s?)` : ''}` : `exited with ${r.code}`}: ${tail || 'no output'}` };
    }
    if (res.error) log(`  failed: ${res.error}`);
    else log(`  train ${res.train?.pairsPerSec.toFixed(2)} pairs/s, infer ${res.infer?.pairsPerSec.toFixed(1)} pairs/s, peak RSS ${((res.maxRssKB ?? 0) / 1024).toFixed(0)} MB (${(r.ms / 1000).toFixed(0)} s)`);
    results.push(res);
  }
  const torch: TorchResult[] = [];
  if (py.python && existsSync(batchesFile)) {
    for (const threads of torchThreads) {
      log(`${shape.label} in PyTorch (${threads} thread${threads > 1 ? 's' : ''})`);
      // torch.set_num_threads sets its OpenMP pool; OpenBLAS (Debian's pthread build) has its own, set by env.
      // OMP_WAIT_POLICY=PASSIVE: with the default spin-waiting, 2-thread torch ran 5× slower than 1 thread here
      // whenever other processes used the cores (measured: MiniLM forward 1240 ms vs 260 ms).
      const env = { OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads), OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' };
      const r = await run(py.python, [path.join(ROOT, 'bench', 'torch_bench.py'), '--config', path.join(modelDir, 'config.json'), '--batches', batchesFile, '--threads', String(threads)], timeoutS * 1000, env);
      let t: TorchResult;
      try {
        t = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as TorchResult;
      } catch {
        t = { ok: false, threads, error: `python exited with ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}` };
      }
      if (t.ok) log(`  train ${t.train?.pairsPerSec.toFixed(2)} pairs/s, infer ${t.infer?.pairsPerSec.toFixed(1)} pairs/s, peak RSS ${((t.maxRssKB ?? 0) / 1024).toFixed(0)} MB`);
      else log(`  failed: ${t.error}`);
      torch.push(t);
    }
  } else if (py.python) {
    torch.push({ ok: false, error: 'no TF.js child wrote the batches file' });
  }
  for (const res of results) rows.push({ shape: shapeName, label: shape.label, result: res, torch });
}

const runInfo: BenchRun = {
  date: startedAt.toISOString(),
  finished: new Date().toISOString(),
  machine: { cpu: cpuModel(), cores: os.cpus().length, memGB: Math.round(os.totalmem() / 2 ** 30), loadavgStart: load0, loadavgEnd: os.loadavg() },
  node: process.version,
  tfjs: rows.find((r) => r.result.tfjsVersion)?.result.tfjsVersion,
  tfjsNode: hasTfjsNode ? 'installed' : 'not installed (its install downloads libtensorflow from storage.googleapis.com)',
  torchNote: py.note,
  settings: {
    batchSize,
    warmup,
    steps: Object.fromEntries(shapeNames.map((s) => [s, stepsFlag ?? (quick ? 5 : SHAPES[s].steps)])),
    inferPairs: inferSet.length,
    inferBatch,
    microBatchSize: microBatch ?? null,
    freezeEmbeddings: values['freeze-embeddings'],
    unpaddedTraining: !values.padded,
    wasmKernels: !values['stock-kernels'],
    gemm: gemms,
    torchThreads,
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
