/**
 * The user-facing model, mirroring sentence-transformers' CrossEncoder: fromPretrained, predict, rank, save, dispose.
 */
import { activateRow, activationFromTorch, activationToTorch, float32Score, type Activation } from '../activation.js';
import { ConfigError, ModelDisposedError, UsageError } from '../errors.js';
import { WeightsFolder } from '../io/weights.js';
import type { HubOptions } from '../io/hub-options.js';
import { classificationClassName, readConfig, withNumLabels, type EncoderConfig } from '../models/config.js';
import { stringifyConfig } from '../models/config-json.js';
import { loadWeights, type LoadReport } from '../models/load-weights.js';
import { saveWeights } from '../models/save-weights.js';
import { batchLogits, SequenceClassifier } from '../models/sequence-classifier.js';
import { AUTO_MIN_BATCHES, checkThreads, type Replicas, type Threads } from '../parallel/threads.js';
import { ReplicaHandle } from '../parallel/replica-handle.js';
import { fsp, path, platform } from '../platform/index.js';
import { PairTokenizer, type BatchEncoding, type EncodedPair } from '../tokenizer/index.js';
import { makeDir, writeFileAtomic } from '../util/fs.js';
import { ProgressBar } from '../util/progress.js';
import { sentenceTransformersBlock } from '../version.js';

export type Pair = readonly [string, string];

export interface FromPretrainedOptions extends HubOptions {
  /** Truncate pairs to this many tokens. Default: min(model_max_length, max positions, 512). */
  maxLength?: number;
  /** Number of outputs; a value other than the checkpoint's gives a fresh head. */
  numLabels?: number;
  /** Default activation for predict(). */
  activation?: Activation;
  /** Seed for a freshly initialised head. */
  seed?: number;
  /** Override every dropout probability (hidden, attention, classifier); 0 makes training deterministic. */
  dropout?: number;
}

export interface PredictOptions {
  batchSize?: number;
  activation?: Activation;
  showProgress?: boolean;
  /**
   * Threads scoring at once: this one plus `threads − 1` worker threads, each with its own backend and copy of the
   * model (started on first use, kept until dispose(), re-synced when the weights change). Every batch is computed
   * exactly as in one thread, so the scores are identical whatever the count. Default 'auto': one per core (at most
   * 4; 1 on tfjs-node, which is multi-threaded itself), used once there are at least 4 batches or the threads are
   * already running (starting them costs about one batch). 1 keeps everything on this thread.
   */
  threads?: Threads;
}

export interface RankOptions extends PredictOptions {
  /** Keep the best topK (0 keeps none, as sentence-transformers' `results[:0]`); default: every document. */
  topK?: number;
  /** Add each document's `text` to its result. Default false, as sentence-transformers' return_documents. */
  returnDocuments?: boolean;
}

export interface RankResult {
  /** The document's index in the list given to rank(). */
  corpus_id: number;
  /** The activated score (the model's activation unless `activation` is given), in float32 as PyTorch's. */
  score: number;
  /** The document, with returnDocuments. */
  text?: string;
}


export class CrossEncoder {
  private readonly pool: ReplicaHandle;
  private disposed = false;

  private constructor(
    readonly model: SequenceClassifier,
    readonly tokenizer: PairTokenizer,
    readonly maxLength: number,
    /** Activation predict() applies when none is given. */
    public activation: Activation,
    readonly loadReport: LoadReport,
  ) {
    this.pool = new ReplicaHandle(model);
  }

  get config(): EncoderConfig {
    return this.model.config;
  }

  get numLabels(): number {
    return this.model.config.numLabels;
  }

  static async fromPretrained(idOrPath: string, opts: FromPretrainedOptions = {}): Promise<CrossEncoder> {
    // Both steps are the platform's: Node's backend order and file cache, or a page's (lib/platform/).
    await platform().initBackend();
    const dir = await platform().hub.resolveModelDir(idOrPath, opts);
    let config = await readConfig(dir);
    const freshHead = opts.numLabels !== undefined && opts.numLabels !== config.numLabels;
    if (opts.numLabels !== undefined) {
      if (!Number.isInteger(opts.numLabels) || opts.numLabels < 1) throw new UsageError(`numLabels must be a positive integer, got ${opts.numLabels}`);
      config = withNumLabels(config, opts.numLabels);
    }
    if (opts.dropout !== undefined) {
      if (!(opts.dropout >= 0 && opts.dropout < 1)) throw new UsageError(`dropout must be in [0, 1), got ${opts.dropout}`);
      config = { ...config, hiddenDropout: opts.dropout, attentionDropout: opts.dropout, classifierDropout: opts.dropout };
    }
    const tokenizer = await PairTokenizer.fromDir(dir, {
      maxLength: opts.maxLength,
      maxPositionEmbeddings: config.maxPositionEmbeddings,
      positionOffset: config.positionOffset,
    });
    // The lower bound (the special tokens of a pair) is the tokenizer's rule, checked once, there.
    const limit = config.maxPositionEmbeddings - config.positionOffset;
    if (opts.maxLength !== undefined && opts.maxLength > limit) {
      throw new UsageError(`maxLength ${opts.maxLength} exceeds what the model's position embeddings allow (${limit})`);
    }
    const weights = await WeightsFolder.fromDir(dir);
    const model = new SequenceClassifier(config);
    let report: LoadReport;
    try {
      report = loadWeights(model, weights, { seed: opts.seed, freshHead });
    } catch (e) {
      model.disposeAll();
      throw e;
    }
    const activation = opts.activation ?? (await savedStActivation(dir)) ?? defaultActivation(config);
    return new CrossEncoder(model, tokenizer, tokenizer.modelMaxLength, activation, report);
  }

  /** Throw ModelDisposedError once dispose() ran: the weights are gone, and tfjs would fail with a bare TypeError. */
  private alive(what: string): void {
    if (this.disposed) throw new ModelDisposedError(what);
  }

  /** Tokenise pairs with this model's truncation. */
  encode(pairs: readonly Pair[]): EncodedPair[] {
    return pairs.map(([a, b], i) => {
      if (typeof a !== 'string' || typeof b !== 'string') throw new UsageError(`pair ${i} is not two strings`);
      return this.tokenizer.encodePair(a, b, this.maxLength);
    });
  }

  /** Raw logits [pairs × numLabels], in input order. Batches are formed by sorted length to minimise padding. */
  async logits(pairs: readonly Pair[], opts: Omit<PredictOptions, 'activation'> = {}): Promise<Float32Array[]> {
    this.alive('predict');
    const batchSize = opts.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError(`batchSize must be a positive integer, got ${batchSize}`);
    const requested = opts.threads ?? 'auto';
    let threads = checkThreads(requested);
    const encoded = this.encode(pairs);
    const order = encoded.map((_, i) => i).sort((a, b) => encoded[b].inputIds.length - encoded[a].inputIds.length);
    const groups: number[][] = [];
    for (let s = 0; s < order.length; s += batchSize) groups.push(order.slice(s, s + batchSize));
    const batches = groups.map((idx) => this.tokenizer.pad(idx.map((i) => encoded[i])));
    const bar = new ProgressBar({ total: pairs.length, label: 'predict', unit: 'pairs', enabled: opts.showProgress === false ? false : undefined });
    const show = opts.showProgress !== false;
    const L = this.numLabels;
    let rows: Float32Array[];
    if (requested === 'auto' && batches.length < AUTO_MIN_BATCHES && this.pool.liveThreads < threads) threads = 1;
    threads = Math.min(threads, batches.length);
    try {
      if (threads > 1) {
        const pool = await this.replicas(threads);
        rows = await pool.logits(batches, (b) => this.batchLogits(b), (done) => show && bar.update(Math.min(pairs.length, done * batchSize)), threads);
      } else {
        rows = [];
        for (const b of batches) {
          rows.push(await this.batchLogits(b));
          if (show) bar.tick(b.batchSize);
          await platform().yieldToEventLoop(); // let progress and signals through between batches
        }
      }
    } catch (e) {
      // dispose() during the call: whatever failed (a freed weight, a stopped worker) failed because of it.
      this.alive('predict (dispose() was called while it ran)');
      throw e;
    }
    this.alive('predict (dispose() was called while it ran)');
    const out: Float32Array[] = new Array(pairs.length);
    groups.forEach((idx, g) => idx.forEach((orig, r) => (out[orig] = rows[g].slice(r * L, (r + 1) * L))));
    if (show) bar.done();
    return out;
  }

  /** Logits of one padded batch, row-major [batchSize × numLabels]. */
  private batchLogits(batch: BatchEncoding): Promise<Float32Array> {
    this.alive('predict (dispose() was called while it ran)');
    return batchLogits(this.model, batch);
  }

  /**
   * A replica pool with at least `threads` threads: started once, restarted only to grow or after a worker died.
   * Concurrent callers share one start.
   */
  replicas(threads: number): Promise<Replicas> {
    this.alive('replicas');
    return this.pool.get(threads);
  }

  /** Scores for single-output models (one number per pair), in input order. */
  async predict(pairs: readonly Pair[], opts: PredictOptions = {}): Promise<number[]> {
    if (this.numLabels !== 1) throw new UsageError(`this model has ${this.numLabels} labels; use predictMulti() for one row of ${this.numLabels} scores per pair`);
    const act = opts.activation ?? this.activation;
    return (await this.logits(pairs, opts)).map((row) => activateRow(row, act === 'softmax' ? 'identity' : act)[0]);
  }

  /** One row of scores per pair (n-label models; softmax, sigmoid or identity). */
  async predictMulti(pairs: readonly Pair[], opts: PredictOptions = {}): Promise<number[][]> {
    const act = opts.activation ?? this.activation;
    return (await this.logits(pairs, opts)).map((row) => activateRow(row, act));
  }

  /**
   * Score every document against the query; best first, as sentence-transformers' CrossEncoder.rank: one-label models
   * only, the scores PyTorch's float32 activation gives (float32Score), equal scores in document order (Python's
   * stable sorted()).
   */
  async rank(query: string, documents: readonly string[], opts: RankOptions = {}): Promise<RankResult[]> {
    if (opts.topK !== undefined && (!Number.isInteger(opts.topK) || opts.topK < 0)) throw new UsageError(`topK must be a non-negative integer (or undefined for all documents), got ${opts.topK}`);
    if (this.numLabels !== 1) throw new UsageError(`rank() needs a model with one label; this one has ${this.numLabels} (score pairs with predictMulti() instead)`);
    const act = opts.activation ?? this.activation;
    const logits = await this.logits(
      documents.map((d) => [query, d] as const),
      opts,
    );
    const top = rankScores(logits.map((row) => float32Score(row[0], act))).slice(0, opts.topK);
    return top.map((r) => (opts.returnDocuments ? { ...r, text: documents[r.corpus_id] } : r));
  }

  /**
   * Save in Hugging Face format: config.json (architectures, id2label, sentence_transformers block), model.safetensors
   * (HF names, Linear weights [out, in]) and the tokenizer files, so Python's CrossEncoder and
   * AutoModelForSequenceClassification load it. Every file is written atomically.
   */
  async save(dir: string): Promise<void> {
    this.alive('save');
    await makeDir(dir);
    await saveWeights(this.model, dir);
    await writeFileAtomic(path.join(dir, 'config.json'), stringifyConfig(this.savedConfig(), this.config.floatKeys) + '\n');
    await this.tokenizer.save(dir);
  }

  private savedConfig(): Record<string, unknown> {
    const c = this.config;
    const raw = { ...c.raw };
    for (const k of ['_name_or_path', 'num_labels']) delete raw[k];
    const id2label = c.id2label;
    const label2id = Object.fromEntries(Object.entries(id2label).map(([k, v]) => [v, Number(k)]));
    return {
      ...raw,
      architectures: [classificationClassName(c)],
      id2label,
      label2id,
      torch_dtype: 'float32',
      sentence_transformers: sentenceTransformersBlock(activationToTorch(this.activation)),
    };
  }

  /** Free the weights and stop any replica threads. Calling it again does nothing. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pool.dispose();
    this.model.disposeAll();
  }
}

/** The order rank() returns: best first, equal scores in document order (Python's sorted(..., reverse=True) is stable). */
export function rankScores(scores: readonly number[]): { corpus_id: number; score: number }[] {
  return scores.map((score, corpus_id) => ({ corpus_id, score })).sort((a, b) => b.score - a.score || a.corpus_id - b.corpus_id);
}

/**
 * The activation a sentence-transformers folder (modules.json beside config.json, as CrossEncoder.save writes in
 * v6) keeps in config_sentence_transformers.json. sentence-transformers reads it before config.json's block, which
 * its save leaves as it was: a model saved with Identity still says Sigmoid there.
 */
async function savedStActivation(dir: string): Promise<Activation | undefined> {
  if (!fsp.existsSync(path.join(dir, 'modules.json'))) return undefined;
  const file = path.join(dir, 'config_sentence_transformers.json');
  let json: unknown;
  try {
    json = JSON.parse(await fsp.readFile(file, 'utf-8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(file, `not valid JSON (${(e as Error).message})`);
  }
  return activationFromTorch((json as { activation_fn?: unknown } | null)?.activation_fn);
}

/**
 * As sentence-transformers: the config's activation_fn if set, else the pre-v4 key sbert_ce_default_activation_function
 * (older cross-encoder/ms-marco-* configs), else sigmoid for one label (bge-reranker and other XLM-R rerankers carry
 * no such key and are scored through a sigmoid), identity otherwise.
 */
export function defaultActivation(config: EncoderConfig): Activation {
  const st = config.raw.sentence_transformers as { activation_fn?: unknown } | undefined;
  const fromConfig = st?.activation_fn !== undefined ? activationFromTorch(st.activation_fn) : activationFromTorch(config.raw.sbert_ce_default_activation_function);
  if (fromConfig) return fromConfig;
  return config.numLabels === 1 ? 'sigmoid' : 'identity';
}
