/** The Markdown report of `npm run bench`. */
import type { ShapeName } from './shapes.js';
import type { ChildResult, TorchResult } from './types.js';

export interface BenchRow {
  shape: ShapeName;
  label: string;
  result: ChildResult;
  /** One PyTorch run per thread count (--torch-threads), in that order. */
  torch: TorchResult[];
}

export interface BenchRun {
  date: string;
  finished: string;
  machine: { cpu: string; cores: number; memGB: number; loadavgStart: number[]; loadavgEnd: number[] };
  node: string;
  tfjs?: string;
  tfjsNode: string;
  torchNote: string;
  settings: {
    batchSize: number;
    warmup: number;
    steps: Record<string, number>;
    inferPairs: number;
    inferBatch: number;
    microBatchSize: number | null;
    freezeEmbeddings: boolean;
    unpaddedTraining: boolean;
    wasmKernels: boolean;
    torchThreads: number[];
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

export function markdownReport(run: BenchRun): string {
  const s = run.settings;
  const torch = run.rows.flatMap((r) => r.torch).find((t) => t.ok);
  const lines: string[] = [];
  lines.push(`### Benchmark ${run.date.slice(0, 10)}`);
  lines.push('');
  lines.push(`Machine: ${run.machine.cpu}, ${run.machine.cores} cores, ${run.machine.memGB} GB; load average ${run.machine.loadavgStart.map((x) => x.toFixed(1)).join(' / ')} at start, ${run.machine.loadavgEnd.map((x) => x.toFixed(1)).join(' / ')} at end (1/5/15 min; other work shares these cores).`);
  lines.push(`Node ${run.node}, tfjs ${run.tfjs ?? '?'} (wasm: SIMD, 1 thread as shipped for Node); tfjs-node ${run.tfjsNode}.`);
  lines.push(
    torch
      ? `PyTorch ${torch.torch}, ${s.torchThreads.join(' and ')} thread(s) in separate runs (torch.set_num_threads + OMP_NUM_THREADS/OPENBLAS_NUM_THREADS, OMP_WAIT_POLICY=PASSIVE: spin-waiting made 2-thread torch 5× slower on this shared machine), ${torch.impl}${torch.transformers ? ` from transformers ${torch.transformers}` : ''}, random init from the same config.json${torch.blas ? `; BLAS: ${torch.blas}` : ''}. Python: ${run.torchNote}.`
      : `${run.torchNote}.`,
  );
  lines.push(
    `Settings: batch ${s.batchSize} STSb train pairs (dynamic padding, default max length), trainer defaults (AdamW lr 2e-5, wd 0.01, BCE, clipping 1.0, dropout 0.1), ${s.warmup} warm-up steps then ${Object.entries(s.steps)
      .map(([k, v]) => `${v} timed (${k})`)
      .join(', ')}; inference: CrossEncoder.predict over ${s.inferPairs} STSb test pairs, batch ${s.inferBatch}, length-sorted, second of two calls timed. ` +
      `${s.unpaddedTraining ? 'Training runs dense layers on real tokens only (unpadded, exact; PyTorch computes the padded rows too). ' : 'Training runs dense layers on padded rows too (--padded). '}` +
      `${gemmNote(run)}${s.wasmKernels ? '' : 'Stock tfjs kernels (--stock-kernels). '}${s.microBatchSize ? `microBatchSize ${s.microBatchSize}. ` : ''}${s.freezeEmbeddings ? 'Embeddings frozen. ' : ''}` +
      `PyTorch trains and scores the identical token batches. ` +
      `"N threads": the library's \`threads\` option, this thread plus N − 1 worker threads, each with its own wasm instance and model replica; predict shares out whole batches (identical scores), training splits each batch of 16 into N micro-batches and sums their gradients (same result as micro-batching, same dropout masks).`,
  );
  lines.push('');
  const thr = s.torchThreads.map((t) => `${t} thr`).join(' / ');
  lines.push(`| shape | backend | train pairs/s | PyTorch train pairs/s (${thr}) | ratio | infer pairs/s | PyTorch infer pairs/s (${thr}) | ratio | peak RSS MB (ours / torch) | numTensors drift (step 1 → last) |`);
  lines.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of run.rows) {
    const res = r.result;
    const ok = r.torch.filter((t) => t.ok);
    const cell = (pick: (t: TorchResult) => number | undefined, d: number) => (r.torch.length ? r.torch.map((t) => (t.ok ? f(pick(t), d) : '✗')).join(' / ') : '–');
    // Ratios against the faster PyTorch configuration, so a thread setting that suffers on a busy machine cannot flatter us.
    const best = (pick: (t: TorchResult) => number | undefined) => ok.reduce<TorchResult | undefined>((a, t) => ((pick(t) ?? 0) > (a ? (pick(a) ?? 0) : -1) ? t : a), undefined);
    const bt = best((t) => t.train?.pairsPerSec);
    const bi = best((t) => t.infer?.pairsPerSec);
    const vs = (t: TorchResult | undefined) => (t && ok.length > 1 ? ` (vs ${t.threads} thr)` : '');
    const drift = res.train ? `${res.train.numTensorsLast - res.train.numTensorsFirst} (${res.train.numTensorsFirst} → ${res.train.numTensorsLast})` : '–';
    const err = res.error ? ` ⚠ ${res.error.slice(0, 120)}` : '';
    const torchRss = ok.length ? ok.map((t) => mb(t.maxRssKB)).join(', ') : '–';
    lines.push(
      `| ${r.label} | ${res.backend}${res.gemm === 'xnnpack' ? ' (XNNPACK matMul)' : ''}${(res.threads ?? 1) > 1 ? `, ${res.threads} threads` : ''}${err} | ${f(res.train?.pairsPerSec, 2)} | ${cell((t) => t.train?.pairsPerSec, 2)} | ${ratio(res.train?.pairsPerSec, bt?.train?.pairsPerSec)}${vs(bt)} | ${f(res.infer?.pairsPerSec)} | ${cell((t) => t.infer?.pairsPerSec, 1)} | ${ratio(res.infer?.pairsPerSec, bi?.infer?.pairsPerSec)}${vs(bi)} | ${mb(res.maxRssKB)} / ${torchRss} | ${drift} |`,
    );
  }
  lines.push('');
  const rss = run.rows.filter((r) => r.result.train).map((r) => `${r.shape}/${r.result.backend}${r.result.gemm === 'xnnpack' ? '-xnnpack' : ''}×${r.result.threads ?? 1} ${Math.round(r.result.train!.rssAfterWarmupMB)} → ${Math.round(r.result.train!.rssLastMB)}`);
  if (rss.length) lines.push(`RSS over the timed steps (MB, after warm-up → last step): ${rss.join('; ')}.`);
  const infDrift = run.rows.filter((r) => r.result.infer).map((r) => `${r.shape}/${r.result.backend}${r.result.gemm === 'xnnpack' ? '-xnnpack' : ''}×${r.result.threads ?? 1} ${r.result.infer!.numTensorsDrift}`);
  if (infDrift.length) lines.push(`numTensors drift over the two predict calls: ${infDrift.join('; ')}.`);
  const failedTorch = run.rows.flatMap((r) => r.torch).find((t) => !t.ok);
  if (failedTorch) lines.push(`PyTorch failed: ${failedTorch.error}`);
  lines.push('');
  return lines.join('\n') + '\n';
}

/** What ran the wasm rows' dense products (recorded by each child). */
function gemmNote(run: BenchRun): string {
  const ours = run.rows.find((r) => r.result.backend === 'wasm' && r.result.gemm?.startsWith('ours'))?.result.gemm;
  const parts: string[] = [];
  if (ours) parts.push(`wasm dense products on our GEMM (lib/wasm-gemm${ours.includes('fma') ? ', relaxed-SIMD FMA' : ', SIMD mul + add'})`);
  if (run.rows.some((r) => r.result.gemm === 'xnnpack')) parts.push('rows marked "XNNPACK matMul" use tfjs-backend-wasm\'s own matMul (TFJS_CROSS_ENCODER_GEMM=xnnpack)');
  return parts.length ? `${parts.join('; ')}. ` : '';
}
