/**
 * The model worker: a Web Worker that holds one CrossEncoder and loads, scores, ranks, fine-tunes and exports it,
 * so a page stays responsive while TF.js computes. The page talks to it through client.ts. A worker script is two
 * lines (the GPU backends are opt-in, as in a page):
 *
 *   import '@tensorflow/tfjs-backend-webgl';
 *   import { serveModelWorker } from 'tfjs-cross-encoder';
 *   serveModelWorker();
 *
 * Training is the library's Trainer, unchanged. Its log.jsonl (in the worker's in-memory file system) is read after
 * every step and turned into loss and evaluation events, and a stop request aborts the Trainer's stopSignal, so the
 * run ends after the step in progress; the best model so far is then kept (see TrainOutcome.kept).
 */
import { activateRow } from '../activation.js';
import { initBrowserBackend, setWasmPaths } from '../backend/browser.js';
import { activeBackend, describeBackend } from '../backend/state.js';
import { CrossEncoder } from '../cross-encoder/model.js';
import { loadPairs, readPairsFile } from '../data/index.js';
import type { PairExample, ReadPairsOptions } from '../data/types.js';
import { TrainingInterruptedError, UsageError } from '../errors.js';
import { CrossEncoderCorrelationEvaluator } from '../cross-encoder/evaluation/correlation-evaluator.js';
import { browserPlatform, hubSettings, memoryFs } from '../platform/browser.js';
import { mountFiles, readFolder } from '../platform/files.js';
import { installPlatform } from '../platform/index.js';
import { posixPath as path } from '../platform/posix-path.js';
import { renderModelCard } from '../training/model-card.js';
import { Trainer } from '../cross-encoder/trainer.js';
import { cardHyperparameters, resolveTrainingArgs } from '../training/training-args.js';
import type { LogRow } from '../training/training-log.js';
import type { DataSpec, EvalPoint, ModelFile, ModelInfo, Ops, PredictResult, Request, Response, TrainEvent, TrainOutcome, TrainRequest, WireModelSource } from './protocol.js';

/** The part of DedicatedWorkerGlobalScope used here (lib.dom / lib.webworker are not loaded). */
export interface WorkerScopeLike {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  addEventListener(type: 'message', listener: (e: { data: unknown }) => void): void;
}

/** A macrotask: lets the worker take a stop message between steps (promise continuations alone never do). */
const turn = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

class ModelWorker {
  private model: CrossEncoder | undefined;
  private source = '';
  /** The folder of the trained model (with its card) while the held model is that one. */
  private trainedDir: string | undefined;
  private training: { id: number; stop: AbortController } | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private runs = 0;

  constructor(private readonly scope: WorkerScopeLike) {
    // Log lines of a training run go to the page as events, and to the worker's console as always.
    installPlatform({
      ...browserPlatform,
      stderr: {
        write: (text: string) => {
          browserPlatform.stderr.write(text);
          const line = text.replace(/^\[cross-encoder\] /, '').trim();
          if (line && this.training) this.event(this.training.id, { kind: 'log', text: line });
          return true;
        },
        isTTY: false,
      },
    });
    scope.addEventListener('message', (e) => this.onMessage(e.data as Request));
  }

  private post(r: Response, transfer: ArrayBuffer[] = []): void {
    this.scope.postMessage(r, transfer);
  }

  private event(id: number, event: TrainEvent): void {
    this.post({ id, type: 'event', event });
  }

  private onMessage(req: Request): void {
    if (req.op === 'stop') {
      // Not queued: it must reach the run in progress.
      if (this.training && !this.training.stop.signal.aborted) this.training.stop.abort();
      return this.post({ id: req.id, type: 'result', value: Boolean(this.training) });
    }
    // One operation at a time: a predict sent during training waits for it (both use the one model).
    this.queue = this.queue.then(async () => {
      try {
        const { value, transfer } = await this.run(req);
        this.post({ id: req.id, type: 'result', value }, transfer);
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        this.post({ id: req.id, type: 'error', error: { name: err.name, message: err.message } });
      }
    });
  }

  private async run(req: Exclude<Request, { op: 'stop' }>): Promise<{ value: unknown; transfer?: ArrayBuffer[] }> {
    switch (req.op) {
      case 'init': {
        const a = req.args;
        if (a.wasmPaths) setWasmPaths(a.wasmPaths);
        if (a.hub) Object.assign(hubSettings, a.hub);
        return { value: await initBrowserBackend(a.backend) };
      }
      case 'load':
        return { value: await this.load(req.args.source, req.args.options) };
      case 'predict':
        return { value: await this.predict(req.args.pairs) };
      case 'rank': {
        const { query, documents, topK } = req.args;
        return { value: await this.need().rank(query, documents, { topK, returnDocuments: true, showProgress: false }) };
      }
      case 'train':
        return { value: await this.train(req.id, req.args) };
      case 'files': {
        const files = await this.files();
        return { value: files, transfer: files.map((f) => f.bytes.buffer as ArrayBuffer) };
      }
    }
  }

  private need(): CrossEncoder {
    if (!this.model) throw new UsageError('no model is loaded in the worker: call load() first');
    return this.model;
  }

  private async load(source: WireModelSource, options: Ops['load']['args']['options'] = {}): Promise<ModelInfo> {
    const files = 'files' in source ? source.files.map(({ path: p, file }) => ({ name: file.name, size: file.size, webkitRelativePath: p, arrayBuffer: () => file.arrayBuffer() })) : [];
    const where = 'hub' in source ? source.hub : 'url' in source ? source.url : mountFiles(files);
    const label = 'files' in source ? `${(files[0]?.webkitRelativePath ?? 'files').split('/')[0]} (local folder)` : where;
    const model = await CrossEncoder.fromPretrained(where, options);
    this.model?.dispose();
    this.model = model;
    this.source = label;
    this.trainedDir = undefined;
    const c = model.config;
    const backend = activeBackend();
    if (!backend) throw new Error('no active backend after loading');
    return { source: label, architecture: c.architecture, modelType: c.modelType, layers: c.numLayers, hidden: c.hiddenSize, numLabels: c.numLabels, maxLength: model.maxLength, backend, initialised: model.loadReport.initialised };
  }

  private async predict(pairs: Array<[string, string]>): Promise<PredictResult> {
    const model = this.need();
    const logits = (await model.logits(pairs, { showProgress: false })).map((r) => [...r]);
    const act = model.activation === 'softmax' && model.numLabels === 1 ? 'identity' : model.activation;
    return { logits, scores: logits.map((r) => activateRow(r, act)[model.numLabels === 1 ? 0 : r.indexOf(Math.max(...r))]) };
  }

  private async readSplit(spec: DataSpec): Promise<{ examples: PairExample[]; source: string }> {
    const opts: ReadPairsOptions = { limit: spec.limit, scoreScale: spec.scoreScale, columns: spec.columns };
    if ('hub' in spec.source) {
      const d = await loadPairs(spec.source.hub, opts);
      return { examples: d.examples, source: d.source };
    }
    const f = spec.source.file;
    // Its own folder, named as the user's file, so a data error names the file they picked.
    const file = `/data/${++this.runs}/${f.name}`;
    memoryFs.mount(file, async () => new Uint8Array(await f.arrayBuffer()), f.size);
    const d = await readPairsFile(file, opts);
    return { examples: d.examples, source: f.name };
  }

  private async train(id: number, req: TrainRequest): Promise<TrainOutcome> {
    let model = this.need();
    const args = resolveTrainingArgs({ threads: 1, evalThreads: 1, ...req.options });
    const out = `/runs/${++this.runs}`;
    const train = await this.readSplit(req.train);
    const validation = req.validation ? await this.readSplit(req.validation) : undefined;
    const test = req.test ? await this.readSplit(req.test) : undefined;
    this.event(id, { kind: 'data', train: train.examples.length, validation: validation?.examples.length ?? 0, test: test?.examples.length ?? 0, sources: [train.source, validation?.source ?? '', test?.source ?? ''] });
    const devEval = validation ? CrossEncoderCorrelationEvaluator.fromExamples(validation.examples, 'validation') : undefined;
    const score = (m: CrossEncoder) => (p: Array<[string, string]>) => m.predict(p, { showProgress: false, batchSize: 32, threads: 1 });
    const stop = new AbortController();
    this.training = { id, stop };
    const evals: EvalPoint[] = [];
    const logFile = path.join(out, 'log.jsonl');
    let logBytes = 0;
    const trainer = new Trainer(model, train.examples, { ...args, outputDir: out, showProgress: false, stopSignal: stop.signal, onStep: (step) => onStep(step) }, devEval);
    const total = trainer.totalSteps;
    const t0 = performance.now();
    /** The log rows written since the last call, as events (the Trainer appends whole lines). */
    const drainLog = async (): Promise<void> => {
      if (!memoryFs.existsSync(logFile)) return;
      const bytes = await memoryFs.readFile(logFile);
      if (bytes.length < logBytes) logBytes = 0; // the Trainer starts a fresh log
      const text = new TextDecoder().decode(bytes.subarray(logBytes));
      const end = text.lastIndexOf('\n') + 1;
      logBytes += new TextEncoder().encode(text.slice(0, end)).length;
      for (const line of text.slice(0, end).split('\n')) {
        if (!line) continue;
        const r = JSON.parse(line) as LogRow;
        if (r.type === 'train') this.event(id, { kind: 'loss', step: r.step, epoch: r.epoch, loss: r.loss, lr: r.lr, gradNorm: r.grad_norm, pairsPerSecond: r.pairs_per_s });
        else {
          const p = { step: r.step, epoch: r.epoch, pearson: r.pearson, spearman: r.spearman };
          evals.push(p);
          this.event(id, { kind: 'eval', ...p });
        }
      }
    };
    const onStep = async (step: number): Promise<void> => {
      await drainLog();
      this.event(id, { kind: 'progress', step, totalSteps: total, seconds: (performance.now() - t0) / 1000 });
      await turn();
      if (stop.signal.aborted) this.event(id, { kind: 'stopping', step });
    };
    let stopped = false;
    let steps = 0;
    let trainMs = 0;
    try {
      this.event(id, { kind: 'start', totalSteps: total, stepsPerEpoch: trainer.stepsPerEpoch });
      if (devEval && (req.evaluateBefore ?? true)) {
        const r = await devEval.evaluate(score(model), { outputDir: out, epoch: -1, steps: -1 });
        this.event(id, { kind: 'eval', step: 0, epoch: 0, pearson: r.pearson, spearman: r.spearman });
      }
      const t1 = performance.now();
      try {
        steps = (await trainer.run()).globalStep;
      } catch (e) {
        if (!(e instanceof TrainingInterruptedError)) throw e;
        stopped = true;
        steps = e.step;
      }
      trainMs = performance.now() - t1;
      await drainLog();
    } finally {
      trainer.dispose();
      this.training = undefined;
    }
    // What to keep: the run's end; on a stop, the best evaluation so far, else the weights at the stop.
    const metric = args.metricForBest;
    const best = evals.reduce<EvalPoint | undefined>((b, e) => (Number.isFinite(e[metric]) && (!b || e[metric] > b[metric]) ? e : b), undefined);
    let kept: TrainOutcome['kept'] = stopped ? (steps === 0 ? 'start' : 'stopped') : 'final';
    let keptDir = path.join(out, 'final');
    if (stopped && best && memoryFs.existsSync(path.join(out, 'best'))) {
      kept = 'best';
      keptDir = path.join(out, 'best');
      model = await CrossEncoder.fromPretrained(keptDir, { maxLength: model.maxLength });
      this.model?.dispose();
      this.model = model;
    } else {
      await model.save(keptDir);
    }
    // Checkpoints hold the optimizer's moments (3× the weights): nothing in a page resumes from them here.
    await memoryFs.rm(path.join(out, 'checkpoints'), { recursive: true, force: true });
    const keptStep = kept === 'best' && best ? best.step : steps;
    let testResult: TrainOutcome['test'];
    if (test) {
      const r = await CrossEncoderCorrelationEvaluator.fromExamples(test.examples, 'test').evaluate(score(model), { outputDir: out });
      testResult = { pearson: r.pearson, spearman: r.spearman };
    }
    const lastEval = kept === 'best' ? best : evals[evals.length - 1];
    const backend = activeBackend();
    const card = renderModelCard({
      baseModel: req.baseModel ?? this.source,
      modelType: model.config.modelType,
      outputDir: 'path/to/this/folder',
      datasets: { train: train.source, validation: validation?.source, test: test?.source },
      hyperparameters: cardHyperparameters(args, { dropout: undefined, maxLength: model.maxLength }),
      metrics: [...(lastEval ? [{ split: 'validation', pearson: lastEval.pearson, spearman: lastEval.spearman }] : []), ...(testResult ? [{ split: 'test', ...testResult }] : [])],
      trainingTime: { seconds: trainMs / 1000, pairsPerSecond: trainMs > 0 ? (Math.min(steps, total) * args.batchSize * 1000) / trainMs : 0 },
      backend: backend ? describeBackend(backend) : 'unknown',
      date: new Date().toISOString(),
    });
    await memoryFs.writeFile(path.join(keptDir, 'README.md'), card);
    this.trainedDir = keptDir;
    return { stopped, steps, totalSteps: total, kept, keptStep, evals, best, test: testResult, trainSeconds: trainMs / 1000, msPerStep: steps > 0 ? trainMs / steps : 0 };
  }

  private async files(): Promise<ModelFile[]> {
    let dir = this.trainedDir;
    if (!dir) {
      dir = `/export/${++this.runs}`;
      await this.need().save(dir);
    }
    // Fresh copies: their buffers are transferred to the page, and the worker keeps its own.
    return (await readFolder(dir)).map((f) => ({ path: f.path, bytes: f.bytes.slice() }));
  }
}

/** Serve the model worker's protocol on this worker (`self`). */
export function serveModelWorker(scope: WorkerScopeLike = globalThis as unknown as WorkerScopeLike): void {
  new ModelWorker(scope);
}
