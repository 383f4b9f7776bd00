/**
 * The demo page: every TF.js computation runs in the model worker (src/model.worker.ts, the library's
 * serveModelWorker); this page only drives it through ModelWorkerClient and draws. URL parameters `endpoint`,
 * `model` and `dataset` prefill the form (the demo spec points them at a local Hub-shaped server).
 */
import './style.css';
import { ModelWorkerClient, type DataSpec, type ModelFile, type ModelSource, type TrainEvent, type TrainOutcome } from 'tfjs-cross-encoder/web';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { renderChart, type ChartData } from './chart';
import { canSaveToFolder, downloadZip, saveToFolder } from './download';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} is missing from index.html`);
  return e as T;
};
const input = (id: string): HTMLInputElement => $<HTMLInputElement>(id);
const num = (id: string): number | undefined => (input(id).value.trim() === '' ? undefined : Number(input(id).value));

const params = new URLSearchParams(location.search);
for (const [p, id] of [['endpoint', 'endpoint'], ['model', 'model-id'], ['dataset', 'dataset']] as const) {
  const v = params.get(p);
  if (v) input(id).value = v;
}

/** The wasm files as Vite serves them, as absolute URLs: the worker resolves relative ones against itself. */
const wasmPaths = Object.fromEntries(
  Object.entries({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded }).map(([k, v]) => [k, new URL(v, location.href).href]),
);

type State = 'empty' | 'loading' | 'ready' | 'training' | 'trained';
let client: ModelWorkerClient | undefined;
/** The backend and endpoint the current worker was started with: another choice starts a fresh worker. */
let clientKey = '';
let state: State = 'empty';
let trainedOnce = false;

function setState(s: State): void {
  state = s;
  document.body.dataset.state = s;
  const has = s === 'ready' || s === 'trained';
  for (const id of ['score', 'rank', 'train', 'download', 'save-folder']) $<HTMLButtonElement>(id).disabled = !has;
  $<HTMLButtonElement>('load').disabled = s === 'loading' || s === 'training';
  input('model-folder').disabled = s === 'loading' || s === 'training';
  $<HTMLButtonElement>('stop').disabled = s !== 'training';
}

function showError(e: unknown): void {
  const err = e instanceof Error ? e : new Error(String(e));
  const box = $('error');
  box.textContent = `${err.name}: ${err.message}`;
  box.hidden = false;
}
const clearError = (): void => void ($('error').hidden = true);

/** Run a button's action, showing any error in the page (not only in the console). */
function action(id: string, f: () => Promise<void>): void {
  $(id).addEventListener('click', () => {
    clearError();
    f().catch((e: unknown) => {
      showError(e);
      if (state === 'loading' || state === 'training') setState(trainedOnce ? 'trained' : client ? 'ready' : 'empty');
    });
  });
}

async function worker(): Promise<ModelWorkerClient> {
  const backend = $<HTMLSelectElement>('backend-choice').value;
  const endpoint = input('endpoint').value.trim().replace(/\/+$/, '');
  const key = `${backend}|${endpoint}`;
  if (client && key === clientKey) return client;
  client?.terminate();
  client = new ModelWorkerClient(new Worker(new URL('./model.worker.ts', import.meta.url), { type: 'module' }));
  clientKey = key;
  const info = await client.init({ backend: backend || undefined, wasmPaths, hub: { endpoint } });
  $('backend').textContent = `${info.name}${info.device ? ` · ${info.device}` : ''}`;
  $('backend').title = info.reason;
  return client;
}

async function load(source: ModelSource): Promise<void> {
  setState('loading');
  $('model-status').textContent = 'Loading…';
  const c = await worker();
  const m = await c.load(source);
  trainedOnce = false;
  $('model-status').textContent = `${m.source}: ${m.architecture}, ${m.layers} layers × ${m.hidden}, ${m.numLabels} label${m.numLabels === 1 ? '' : 's'}, max length ${m.maxLength}${m.initialised.length ? ' (fresh head)' : ''}.`;
  setState('ready');
}

action('load', () => load({ hub: input('model-id').value.trim() }));
input('model-folder').addEventListener('change', () => {
  const files = input('model-folder').files;
  if (!files?.length) return;
  clearError();
  load({ files }).catch((e: unknown) => {
    showError(e);
    setState(client && state !== 'loading' ? state : 'empty');
  });
});

action('score', async () => {
  const r = await (await worker()).predict([[$<HTMLTextAreaElement>('sent-a').value, $<HTMLTextAreaElement>('sent-b').value]]);
  const out = $('score-out');
  out.textContent = r.scores[0].toFixed(4);
  out.dataset.score = String(r.scores[0]);
});

action('rank', async () => {
  const docs = $<HTMLTextAreaElement>('docs').value.split('\n').map((s) => s.trim()).filter(Boolean);
  const ranked = await (await worker()).rank(input('query').value, docs);
  const top = Math.max(...ranked.map((r) => r.score), 1e-9);
  $('rank-out').replaceChildren(
    ...ranked.map((r) => {
      const li = document.createElement('li');
      li.dataset.score = String(r.score);
      li.dataset.corpusId = String(r.corpus_id);
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.width = `${Math.max(2, (100 * r.score) / top)}%`;
      const text = document.createElement('span');
      text.className = 'text';
      text.textContent = r.text ?? docs[r.corpus_id];
      const val = document.createElement('span');
      val.className = 'val';
      val.textContent = r.score.toFixed(4);
      li.append(bar, text, val);
      return li;
    }),
  );
});

for (const radio of document.querySelectorAll<HTMLInputElement>('input[name=data]')) {
  radio.addEventListener('change', () => {
    $('data-hub').hidden = radio.value !== 'hub' || !radio.checked;
    $('data-files').hidden = radio.value !== 'files' || !radio.checked;
  });
}

function dataSpecs(): { train: DataSpec; validation?: DataSpec; test?: DataSpec } {
  if (document.querySelector<HTMLInputElement>('input[name=data]:checked')?.value === 'hub') {
    const ds = input('dataset').value.trim();
    return {
      train: { source: { hub: `${ds}:train` }, limit: num('n-train') },
      validation: { source: { hub: `${ds}:validation` }, limit: num('n-validation') },
      test: { source: { hub: `${ds}:test` }, limit: num('n-test') },
    };
  }
  const scoreScale = num('score-scale');
  const file = (id: string): DataSpec | undefined => {
    const f = input(id).files?.[0];
    return f ? { source: { file: f }, scoreScale } : undefined;
  };
  const train = file('file-train');
  if (!train) throw new Error('pick a training file (CSV, TSV, JSONL or parquet with sentence1, sentence2 and score or label columns)');
  return { train, validation: file('file-validation'), test: file('file-test') };
}

const fmt = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(4));

function showOutcome(o: TrainOutcome): void {
  const kept = { final: 'the final model', best: `the best model so far (step ${o.keptStep})`, stopped: `the model at step ${o.keptStep}`, start: 'the loaded model (no step had finished)' }[o.kept];
  $('train-status').textContent = `${o.stopped ? 'Stopped' : 'Finished'} after ${o.steps} of ${o.totalSteps} steps in ${o.trainSeconds.toFixed(1)} s (${o.msPerStep.toFixed(0)} ms per step with evaluations). Kept ${kept}.`;
  const v = o.kept === 'best' ? o.best : o.evals[o.evals.length - 1];
  $('val-pearson').textContent = fmt(v?.pearson);
  $('val-spearman').textContent = fmt(v?.spearman);
  $('test-pearson').textContent = fmt(o.test?.pearson);
  $('test-spearman').textContent = fmt(o.test?.spearman);
  $('metrics').hidden = false;
}

action('train', async () => {
  const request = { ...dataSpecs(), options: { epochs: num('epochs'), batchSize: num('batch'), lr: num('lr'), evalSteps: num('eval-steps'), loggingSteps: 1 }, baseModel: input('model-id').value.trim() };
  const c = await worker();
  setState('training');
  $('metrics').hidden = true;
  $('log').textContent = '';
  const chart: ChartData = { totalSteps: 1, loss: [], spearman: [] };
  const svg = $('chart') as unknown as SVGSVGElement;
  renderChart(svg, chart);
  const t0 = performance.now();
  let redraw = 0;
  const onEvent = (e: TrainEvent): void => {
    if (e.kind === 'data') $('train-status').textContent = `Data: ${e.train} training pairs, ${e.validation} validation, ${e.test} test.`;
    else if (e.kind === 'start') chart.totalSteps = e.totalSteps;
    else if (e.kind === 'loss') chart.loss.push([e.step, e.loss]);
    else if (e.kind === 'eval') chart.spearman.push([e.step, e.spearman]);
    else if (e.kind === 'log') $('log').textContent += `${e.text}\n`;
    else if (e.kind === 'progress') {
      $('progress-bar').style.width = `${(100 * e.step) / e.totalSteps}%`;
      const eta = (e.seconds / e.step) * (e.totalSteps - e.step);
      const lastLoss = chart.loss[chart.loss.length - 1]?.[1];
      $('train-status').textContent = `Step ${e.step} / ${e.totalSteps} · loss ${fmt(lastLoss)} · ${((performance.now() - t0) / 1000).toFixed(0)} s, about ${eta.toFixed(0)} s left`;
    } else if (e.kind === 'stopping') $('train-status').textContent = `Stopping after step ${e.step}…`;
    // One redraw per frame at most, however fast the events come.
    if (!redraw) redraw = requestAnimationFrame(() => ((redraw = 0), renderChart(svg, chart)));
  };
  const outcome = await c.train(request, onEvent);
  renderChart(svg, chart);
  $('progress-bar').style.width = `${(100 * outcome.steps) / outcome.totalSteps}%`;
  trainedOnce = true;
  showOutcome(outcome);
  setState('trained');
});

$('stop').addEventListener('click', () => {
  client?.stop();
  $<HTMLButtonElement>('stop').disabled = true;
  $('train-status').textContent = 'Stopping after the current step…';
});

async function modelFiles(): Promise<{ files: ModelFile[]; name: string }> {
  const name = input('out-name').value.trim().replace(/[^\w.-]+/g, '-') || 'my-cross-encoder';
  return { files: await (await worker()).files(), name };
}
action('download', async () => {
  const { files, name } = await modelFiles();
  downloadZip(files, name);
});
if (canSaveToFolder()) {
  $('save-folder').hidden = false;
  action('save-folder', async () => {
    const { files, name } = await modelFiles();
    await saveToFolder(files, name);
  });
}

setState('empty');
renderChart($('chart') as unknown as SVGSVGElement, { totalSteps: 100, loss: [], spearman: [] });
