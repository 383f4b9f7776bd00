/** The Markdown report of `npm run bench`. */
import type { ShapeName } from './shapes.js';
import type { ChildResult, TorchBuild, TorchResult } from './types.js';

export interface BenchRow {
  shape: ShapeName;
  label: string;
  result: ChildResult;
  /** One PyTorch run per build × thread count (--torch-threads), builds in the order of BenchRun.torchBuilds. */
  torch: TorchResult[];
}

export interface BenchRun {
  date: string;
  finished: string;
  /** isa: the widest vector ISA in /proc/cpuinfo's flags (avx512, avx2, avx, sse). */
  machine: { cpu: string; cores: number; isa?: string; memGB: number; loadavgStart: number[]; loadavgEnd: number[] };
  node: string;
  tfjs?: string;
  tfjsNode: string;
  torchNote: string;
  /** The PyTorch builds measured (Debian torch 1.13, PyPI torch 2.x), in run order. */
  torchBuilds?: TorchBuild[];
  settings: {
    batchSize: number;
    warmup: number;
    steps: Record<string, number>;
    inferPairs: number;
    inferBatch: number;
    microBatchSize: number | null;
    freezeEmbeddings: boolean;
    unpaddedTraining: boolean;
    /** --stock: one more row per backend in the stock tfjs formulation. */
    stockRows: boolean;
    /** webgpu rows on SwiftShader (--webgpu-software, default when the machine has no GPU device node). */
    webgpuSoftware: boolean;
    torchThreads: number[];
    /** transformers' attention implementation asked for (--torch-attn). */
    torchAttn: string;
    /** Where PyTorch ran (--torch-device): cpu, or cuda in the GPU run. */
    torchDevice?: string;
    /** Our thread counts (the library's `threads` option). */
    threads?: number[];
    /** Dense-product kernels compared on wasm (--gemm). */
    gemm?: string[];
    data: string;
  };
  rows: BenchRow[];
}

const f = (x: number | undefined, d = 1) => (x === undefined || !Number.isFinite(x) ? '–' : x >= 100 ? x.toFixed(0) : x.toFixed(d));
const ratio = (a: number | undefined, b: number | undefined) => (a && b ? `${(a / b).toFixed(2)}×` : '–');
const mb = (kb: number | undefined) => (kb ? `${Math.round(kb / 1024)}` : '–');

/** The name of one of our rows: backend, device marker, formulation, GEMM, threads. */
export function rowName(res: ChildResult): string {
  const parts = [res.backend];
  if (res.softwareAdapter) parts[0] += ' on SwiftShader';
  if (res.stock) parts.push('stock tfjs formulation');
  else if (res.gemm === 'xnnpack') parts[0] += ' (XNNPACK matMul)';
  if ((res.threads ?? 1) > 1) parts.push(`${res.threads} threads`);
  return parts.join(', ');
}

const threadWord = (n: number | undefined) => `${n ?? '?'} thr`;
/** "PyPI 2.15.0, 2 thr". */
const torchName = (t: TorchResult) => `${t.build ? `${t.build}, ` : ''}${threadWord(t.threads)}`;

/** The fastest measured (not refused, not failed) PyTorch run by one measure. */
export function fastestTorch(torch: TorchResult[], pick: (t: TorchResult) => number | undefined): TorchResult | undefined {
  return torch.filter((t) => t.ok && !t.refused && (pick(t) ?? 0) > 0).reduce<TorchResult | undefined>((a, t) => (!a || pick(t)! > pick(a)! ? t : a), undefined);
}

/** Why a shape has no PyTorch ratio: every build refused (the first reason), or failed. */
function noRatio(torch: TorchResult[]): string {
  const refused = torch.find((t) => t.refused);
  if (refused) return `refused: ${refused.refused!.split(';')[0]}`;
  return '–';
}

export function markdownReport(run: BenchRun): string {
  const s = run.settings;
  const lines: string[] = [];
  const allTorch = run.rows.flatMap((r) => r.torch);
  lines.push(`### Benchmark ${run.date.slice(0, 10)}`);
  lines.push('');
  lines.push(`Machine: ${run.machine.cpu}, ${run.machine.cores} cores${run.machine.isa ? ` (${run.machine.isa})` : ''}, ${run.machine.memGB} GB; load average ${run.machine.loadavgStart.map((x) => x.toFixed(1)).join(' / ')} at start, ${run.machine.loadavgEnd.map((x) => x.toFixed(1)).join(' / ')} at end (1/5/15 min; other work shares these cores).`);
  lines.push(`Node ${run.node}, tfjs ${run.tfjs ?? '?'}; tfjs-node ${run.tfjsNode}.`);
  // Every distinct backend and the device it ran on.
  const seen = new Map<string, ChildResult>();
  for (const r of run.rows) {
    const key = `${r.result.backend}|${r.result.device ?? ''}|${r.result.softwareAdapter ? 1 : 0}`;
    if (!seen.has(key) && (r.result.backendSource || r.result.device)) seen.set(key, r.result);
  }
  if (seen.size) {
    lines.push('Backends and devices:');
    for (const res of seen.values()) {
      lines.push(`- ${res.backend}: ${res.backendSource ?? '?'}${res.device ? `, on ${res.device}` : ''}${res.softwareAdapter ? ' (SwiftShader, a software Vulkan driver on the CPU: these rows check that the backend runs; they are not speed measurements)' : ''}.`);
    }
  }
  const failedStart = new Map<string, BenchRow>();
  for (const r of run.rows) {
    const k = `${r.result.backend}: ${r.result.error}`;
    if (!r.result.backendSource && r.result.error && !failedStart.has(k)) failedStart.set(k, r);
  }
  for (const [, r] of failedStart) lines.push(`- ${r.result.backend}: did not start (${r.shape}): ${r.result.error!.slice(0, 300)}.`);
  // Every PyTorch build, its matmul kernel and whether it was accepted.
  const builds = run.torchBuilds ?? [];
  if (builds.length) {
    if (s.torchDevice === 'cuda') lines.push('PyTorch on CUDA (--torch-device cuda): float32, the same token batches; host-to-device copies and reading the scores back are inside its timed loop, as in ours.');
    lines.push(`PyTorch builds (${s.torchThreads.join(' and ')} thread(s) each, in separate runs: torch.set_num_threads + OMP_NUM_THREADS/OPENBLAS_NUM_THREADS/MKL_NUM_THREADS, OMP_WAIT_POLICY=PASSIVE, as spin-waiting made 2-thread torch 5× slower on a shared machine):`);
    for (const b of builds) {
      const t = allTorch.find((x) => x.build === b.label && (x.kernel || x.ok)) ?? allTorch.find((x) => x.build === b.label);
      const model = t?.impl ? `; ${t.impl}${t.transformers ? ` from transformers ${t.transformers}` : ''}, ${t.attn ?? s.torchAttn} attention${t.dtype ? `, ${t.dtype}` : ''}, random init from the same config.json` : '';
      const kernel = t?.kernel ? `; kernel check: ${t.kernel.refused ? `**refused**: ${t.kernel.refused}` : `accepted (${t.kernel.checks.map((c) => c.why).join('; ') || 'nothing to check'})`}` : '';
      lines.push(`- ${b.label} (${b.python.replace(/^.*\/bench\//, 'bench/')}): ${t?.blas ?? (t?.error ? `failed: ${t.error}` : 'not run')}${kernel}${model}.`);
    }
  } else {
    lines.push(`${run.torchNote}.`);
  }
  lines.push(
    `Settings: batch ${s.batchSize} STSb train pairs (dynamic padding, default max length), trainer defaults (AdamW lr 2e-5, wd 0.01, BCE, clipping 1.0, dropout 0.1), ${s.warmup} warm-up steps then ${Object.entries(s.steps)
      .map(([k, v]) => `${v} timed (${k})`)
      .join(', ')}; inference: CrossEncoder.predict over ${s.inferPairs} STSb test pairs, batch ${s.inferBatch}, length-sorted, second of two calls timed. ` +
      `${s.unpaddedTraining ? 'Training runs dense layers on real tokens only (unpadded, exact; PyTorch computes the padded rows too). ' : 'Training runs dense layers on padded rows too (--padded). '}` +
      `${gemmNote(run)}${s.stockRows ? 'Rows marked "stock tfjs formulation" (--stock) run what a plain tfjs implementation does: stock kernels and gradients, padded rows, all rows in the last block, 1 thread. ' : ''}` +
      `${s.microBatchSize ? `microBatchSize ${s.microBatchSize}. ` : ''}${s.freezeEmbeddings ? 'Embeddings frozen. ' : ''}` +
      `PyTorch trains and scores the identical token batches; each ratio is against the fastest PyTorch build and thread count of the same run (named in the cell); a build whose matmul kernel is a fallback for this CPU is refused, not measured. ` +
      `"N threads": the library's \`threads\` option, this thread plus N − 1 worker threads, each with its own wasm instance and model replica; predict shares out whole batches (identical scores), training splits each batch of 16 into N micro-batches and sums their gradients (same result as micro-batching, same dropout masks).`,
  );
  lines.push('');
  // PyTorch cells: one group per build ("a / b" over thread counts), groups separated by "; ".
  const groups = builds.length ? builds.map((b) => b.label) : [undefined];
  const thr = s.torchThreads.map((t) => `${t}`).join(' / ');
  const torchHead = builds.length ? builds.map((b) => `${b.label}: ${thr} thr`).join('; ') : `${thr} thr`;
  lines.push(`| shape | backend | train pairs/s | PyTorch train pairs/s (${torchHead}) | ratio | infer pairs/s | PyTorch infer pairs/s (${torchHead}) | ratio | peak RSS MB (ours / torch) | numTensors drift (step 1 → last) |`);
  lines.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of run.rows) {
    const res = r.result;
    const inGroup = (g: string | undefined) => r.torch.filter((t) => t.build === g || (g === undefined && !t.build) || (!builds.length));
    const one = (t: TorchResult, pick: (t: TorchResult) => number | undefined, d: number) => (t.refused ? 'refused' : t.ok ? f(pick(t), d) : '✗');
    const cell = (pick: (t: TorchResult) => number | undefined, d: number) =>
      r.torch.length ? groups.map((g) => inGroup(g).map((t) => one(t, pick, d)).join(' / ')).filter(Boolean).join('; ') : '–';
    // Ratios against the fastest PyTorch build and thread count, so a setting that suffers on a busy machine cannot flatter us.
    const bt = fastestTorch(r.torch, (t) => t.train?.pairsPerSec);
    const bi = fastestTorch(r.torch, (t) => t.infer?.pairsPerSec);
    // A software adapter's speed says nothing about the backend's: no ratio for those rows.
    const ratioCell = (ours: number | undefined, best: TorchResult | undefined, pick: (t: TorchResult) => number | undefined) =>
      res.softwareAdapter ? '– (SwiftShader)' : best ? (ours ? `${ratio(ours, pick(best))} (vs ${torchName(best)})` : '–') : noRatio(r.torch);
    const drift = res.train ? `${res.train.numTensorsLast - res.train.numTensorsFirst} (${res.train.numTensorsFirst} → ${res.train.numTensorsLast})` : '–';
    const err = res.error ? ` ⚠ ${res.error.slice(0, 120)}` : '';
    const okTorch = r.torch.filter((t) => t.ok && !t.refused);
    const torchRss = okTorch.length ? groups.map((g) => inGroup(g).filter((t) => t.ok && !t.refused).map((t) => mb(t.maxRssKB)).join(', ')).filter(Boolean).join('; ') : '–';
    lines.push(
      `| ${r.label} | ${rowName(res)}${err} | ${f(res.train?.pairsPerSec, 2)} | ${cell((t) => t.train?.pairsPerSec, 2)} | ${ratioCell(res.train?.pairsPerSec, bt, (t) => t.train?.pairsPerSec)} | ${f(res.infer?.pairsPerSec)} | ${cell((t) => t.infer?.pairsPerSec, 1)} | ${ratioCell(res.infer?.pairsPerSec, bi, (t) => t.infer?.pairsPerSec)} | ${mb(res.maxRssKB)} / ${torchRss} | ${drift} |`,
    );
  }
  lines.push('');
  // The anchor of each shape's ratios.
  const shapes = [...new Set(run.rows.map((r) => r.shape))];
  const anchors = shapes.flatMap((shape) => {
    const torch = run.rows.find((r) => r.shape === shape)?.torch ?? [];
    const bt = fastestTorch(torch, (t) => t.train?.pairsPerSec);
    const bi = fastestTorch(torch, (t) => t.infer?.pairsPerSec);
    if (!bt && !bi) return [];
    return [`${shape}: training ${bt ? `${torchName(bt)} (${f(bt.train?.pairsPerSec, 2)} pairs/s)` : '–'}, inference ${bi ? `${torchName(bi)} (${f(bi.infer?.pairsPerSec)} pairs/s)` : '–'}`];
  });
  if (anchors.length) lines.push(`Fastest PyTorch build and thread count (the ratios' anchor), per shape: ${anchors.join('; ')}.`);
  const key = (r: BenchRow) => `${r.shape}/${r.result.backend}${r.result.softwareAdapter ? '-swiftshader' : ''}${r.result.stock ? '-stock' : r.result.gemm === 'xnnpack' ? '-xnnpack' : ''}×${r.result.threads ?? 1}`;
  const rss = run.rows.filter((r) => r.result.train).map((r) => `${key(r)} ${Math.round(r.result.train!.rssAfterWarmupMB)} → ${Math.round(r.result.train!.rssLastMB)}`);
  if (rss.length) lines.push(`RSS over the timed steps (MB, after warm-up → last step): ${rss.join('; ')}.`);
  const infDrift = run.rows.filter((r) => r.result.infer).map((r) => `${key(r)} ${r.result.infer!.numTensorsDrift}`);
  if (infDrift.length) lines.push(`numTensors drift over the two predict calls: ${infDrift.join('; ')}.`);
  const refused = [...new Map(allTorch.filter((t) => t.refused).map((t) => [t.build, t])).values()];
  for (const t of refused) lines.push(`PyTorch ${t.build ?? ''} refused: ${t.refused}`);
  const failedTorch = [...new Map(allTorch.filter((t) => !t.ok && !t.refused).map((t) => [t.build, t])).values()];
  for (const t of failedTorch) lines.push(`PyTorch ${t.build ?? ''} failed: ${t.error}`);
  lines.push('');
  return lines.join('\n') + '\n';
}

/** What ran the wasm rows' dense products (recorded by each child). */
function gemmNote(run: BenchRun): string {
  const ours = run.rows.find((r) => r.result.backend === 'wasm' && r.result.gemm?.startsWith('ours'))?.result.gemm;
  const parts: string[] = [];
  if (ours) parts.push(`wasm dense products on our GEMM (lib/wasm-gemm${ours.includes('fma') ? ', relaxed-SIMD FMA' : ', SIMD mul + add'})`);
  if (run.rows.some((r) => r.result.gemm === 'xnnpack' && !r.result.stock)) parts.push('rows marked "XNNPACK matMul" use tfjs-backend-wasm\'s own matMul (TFJS_CROSS_ENCODER_GEMM=xnnpack)');
  return parts.length ? `${parts.join('; ')}. ` : '';
}
