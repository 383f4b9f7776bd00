/**
 * The user-facing bi-encoder, mirroring sentence-transformers' SentenceTransformer: fromPretrained, encode,
 * similarity, save, dispose. Each text is embedded on its own (Transformer → Pooling → Dense* → Normalize?), so
 * embeddings can be stored and compared later: what search needs, and what finds the candidates a CrossEncoder
 * reranks.
 */
import { path, platform } from '../platform/index.js';
import { ConfigError, ModelDisposedError, UsageError } from '../errors.js';
import { WeightsFolder, WEIGHTS_FILE } from '../io/weights.js';
import type { HubOptions } from '../io/hub-options.js';
import { writeSafetensors } from '../io/safetensors.js';
import { readConfig, type EncoderConfig } from '../models/config.js';
import { loadWeights, type LoadReport } from '../models/load-weights.js';
import { hfTensors } from '../models/save-weights.js';
import { encoderInputs } from '../models/sequence-classifier.js';
import { AUTO_MIN_BATCHES, checkThreads, type Replicas, type Threads } from '../parallel/threads.js';
import { ReplicaHandle } from '../parallel/replica-handle.js';
import { PairTokenizer, type BatchEncoding, type EncodedPair } from '../tokenizer/index.js';
import { exists, makeDir, writeDirAtomic, writeFileAtomic } from '../util/fs.js';
import { ProgressBar } from '../util/progress.js';
import { ST_FORMAT_VERSION, VERSION } from '../version.js';
import { MODULES_FILE, readSentenceTransformerSpec, SBERT_CONFIG_FILE, ST_CONFIG_FILE, type ModuleSpec, type SentenceTransformerSpec } from './config.js';
import { denseConfigJson } from './dense.js';
import { EmbeddingModel } from './embedding-model.js';
import { runEmbedJob, type EmbedJob } from './embed-jobs.js';
import { resolveSentenceTransformerDir } from './hub-files.js';
import { poolingConfigJson, poolingOutputDim } from './pooling.js';
import { similarityMatrix, similarityPairwise, type SimilarityFnName } from './similarity.js';

export interface SentenceTransformerOptions extends HubOptions {
  /** Truncate texts to this many tokens. Default: sentence_bert_config.json's max_seq_length, else the tokenizer's. */
  maxSeqLength?: number;
  /** Override every dropout probability (hidden, attention); 0 makes training deterministic. */
  dropout?: number;
}

export interface EncodeOptions {
  /** Texts per forward pass (default 32, as sentence-transformers). */
  batchSize?: number;
  /** L2-normalise each embedding (normalize_embeddings). */
  normalize?: boolean;
  /** A string put before every text (wins over promptName). */
  prompt?: string;
  /** The name of one of the model's prompts (config_sentence_transformers.json); default: default_prompt_name. */
  promptName?: string;
  showProgress?: boolean;
  /**
   * Threads embedding batches at once (this one plus threads − 1 workers with a model replica each, Node only), as
   * CrossEncoder.predict: each batch is computed whole on one thread, so embeddings do not depend on it. Default
   * 'auto': one per core (at most 4) on wasm/cpu for calls of 4 batches or more, 1 elsewhere.
   */
  threads?: Threads;
}

export class SentenceTransformer {
  private disposed = false;
  private readonly pool: ReplicaHandle;

  private constructor(
    readonly model: EmbeddingModel,
    readonly tokenizer: PairTokenizer,
    readonly maxSeqLength: number,
    private readonly spec: SentenceTransformerSpec,
    readonly loadReport: LoadReport,
  ) {
    this.pool = new ReplicaHandle(model, { kind: 'embedding-model', modules: spec.modules });
  }

  get config(): EncoderConfig {
    return this.model.config;
  }

  get modules(): readonly ModuleSpec[] {
    return this.spec.modules;
  }

  get prompts(): Readonly<Record<string, string>> {
    return this.spec.prompts;
  }

  get defaultPromptName(): string | null {
    return this.spec.defaultPromptName;
  }

  /** The similarity function similarity() uses: the folder's similarity_fn_name, else cosine (as sentence-transformers). */
  get similarityFnName(): SimilarityFnName {
    return this.spec.similarityFnName ?? 'cosine';
  }

  /** Width of the embeddings encode() returns. */
  get dimension(): number {
    const d = this.model.denses;
    return d.length ? d[d.length - 1].module.cfg.outFeatures : poolingOutputDim(this.model.pooling);
  }

  private get doLowerCase(): boolean {
    const t = this.spec.modules[0];
    return t.kind === 'transformer' && t.doLowerCase;
  }

  static async fromPretrained(idOrPath: string, opts: SentenceTransformerOptions = {}): Promise<SentenceTransformer> {
    await platform().initBackend();
    const root = await resolveSentenceTransformerDir(idOrPath, opts);
    const spec = await readSentenceTransformerSpec(root, async () => (await readConfig(root)).hiddenSize);
    const transformer = spec.modules[0];
    if (transformer.kind !== 'transformer') throw new ConfigError(path.join(root, MODULES_FILE), 'the first module must be the Transformer');
    const dir = path.join(root, transformer.path);
    let config = await readConfig(dir);
    if (opts.dropout !== undefined) {
      if (!(opts.dropout >= 0 && opts.dropout < 1)) throw new UsageError(`dropout must be in [0, 1), got ${opts.dropout}`);
      config = { ...config, hiddenDropout: opts.dropout, attentionDropout: opts.dropout, classifierDropout: opts.dropout };
    }
    checkPipeline(spec, config, root);
    const maxSeqLength = opts.maxSeqLength ?? transformer.maxSeqLength;
    const limit = config.maxPositionEmbeddings - config.positionOffset;
    if (maxSeqLength !== undefined && maxSeqLength > limit) {
      throw new UsageError(`max_seq_length ${maxSeqLength} exceeds what the model's position embeddings allow (${limit})`);
    }
    const tokenizer = await PairTokenizer.fromDir(dir, { maxLength: maxSeqLength, maxPositionEmbeddings: config.maxPositionEmbeddings, positionOffset: config.positionOffset });
    const model = new EmbeddingModel(config, spec.modules);
    let report: LoadReport;
    try {
      report = loadWeights({ config, params: () => model.encoderParams() }, await WeightsFolder.fromDir(dir));
      for (const d of model.denses) {
        const file = path.join(root, d.path, WEIGHTS_FILE);
        if (!(await exists(file))) {
          const bin = path.join(root, d.path, 'pytorch_model.bin');
          throw new ConfigError(file, `the Dense module's weights are missing${(await exists(bin)) ? ' (only pytorch_model.bin, a pickle this library does not execute; re-save the model with safe_serialization=True)' : ''}`);
        }
        loadWeights({ config, params: () => d.module.namedParams() }, await WeightsFolder.fromFile(file));
      }
    } catch (e) {
      model.disposeAll();
      throw e;
    }
    return new SentenceTransformer(model, tokenizer, tokenizer.modelMaxLength, spec, report);
  }

  private alive(what: string): void {
    if (this.disposed) throw new ModelDisposedError(what, 'SentenceTransformer');
  }

  /** The prompt encode() puts before each text, from `prompt`, `promptName` or the default prompt name. */
  resolvePrompt(opts: Pick<EncodeOptions, 'prompt' | 'promptName'>): string | undefined {
    if (opts.prompt !== undefined) return opts.prompt;
    if (opts.promptName !== undefined) {
      const p = this.spec.prompts[opts.promptName];
      if (p === undefined) throw new UsageError(`prompt name ${JSON.stringify(opts.promptName)} is not one of this model's prompts (${Object.keys(this.spec.prompts).join(', ') || 'none'})`);
      return p;
    }
    return this.spec.defaultPromptName !== null ? this.spec.prompts[this.spec.defaultPromptName] : undefined;
  }

  /** Token ids of one text as the Transformer module makes them: strip, lowercase if do_lower_case, truncate. */
  tokenize(text: string): EncodedPair {
    if (typeof text !== 'string') throw new UsageError(`expected a string to encode, got ${text === null ? 'null' : typeof text}`);
    const t = text.trim();
    return this.tokenizer.encodeText(this.doLowerCase ? t.toLowerCase() : t, this.maxSeqLength);
  }

  /**
   * Tokens the prompt occupies at the start of each input (what Pooling leaves out when include_prompt is false):
   * the tokenized prompt's length minus its closing special token, as SentenceTransformer.encode counts it.
   */
  promptLength(prompt: string | undefined): number {
    return prompt === undefined ? 0 : this.tokenize(prompt).inputIds.length - 1;
  }

  /** Pad rows into the tensors one forward pass takes (caller disposes with disposeInputs). */
  inputsOf(batch: BatchEncoding): ReturnType<typeof encoderInputs> {
    return encoderInputs(batch, this.config);
  }

  /** Sentence embeddings in input order; batches are formed by sorted length to minimise padding. */
  async encode(sentences: readonly string[], opts: EncodeOptions = {}): Promise<Float32Array[]> {
    this.alive('encode');
    if (!Array.isArray(sentences)) throw new UsageError('encode: sentences must be an array of strings');
    const batchSize = opts.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError(`batchSize must be a positive integer, got ${batchSize}`);
    const requested = opts.threads ?? 'auto';
    let threads = checkThreads(requested);
    // An empty prompt is no prompt (sentence-transformers tests `if prompt:`), yet still overrides the default one.
    const prompt = this.resolvePrompt(opts) || undefined;
    const promptLength = this.promptLength(prompt);
    const encoded = sentences.map((s, i) => {
      if (typeof s !== 'string') throw new UsageError(`encode: sentence ${i} is ${s === null ? 'null' : typeof s}, not a string`);
      return this.tokenize(prompt === undefined ? s : prompt + s);
    });
    const order = encoded.map((_, i) => i).sort((a, b) => encoded[b].inputIds.length - encoded[a].inputIds.length);
    const groups: number[][] = [];
    for (let s = 0; s < order.length; s += batchSize) groups.push(order.slice(s, s + batchSize));
    const jobs: EmbedJob[] = groups.map((idx) => ({ batch: this.tokenizer.pad(idx.map((i) => encoded[i])), promptLength, normalize: opts.normalize === true }));
    const show = opts.showProgress !== false;
    const bar = new ProgressBar({ total: sentences.length, label: 'encode', unit: 'texts', enabled: show ? undefined : false });
    if (requested === 'auto' && jobs.length < AUTO_MIN_BATCHES && this.pool.liveThreads < threads) threads = 1;
    threads = Math.min(threads, jobs.length);
    const D = this.dimension;
    const out: Float32Array[] = new Array(sentences.length);
    const place = (g: number, rows: Float32Array) => groups[g].forEach((orig, r) => (out[orig] = rows.slice(r * D, (r + 1) * D)));
    try {
      if (threads > 1) {
        const pool = await this.replicas(threads);
        const rows = await pool.embeddings(jobs, D, (i) => this.embedJob(jobs[i]), (done) => show && bar.update(Math.min(sentences.length, done * batchSize)), threads);
        rows.forEach((r, g) => place(g, r));
      } else {
        for (const [g, job] of jobs.entries()) {
          place(g, await this.embedJob(job));
          if (show) bar.tick(job.batch.batchSize);
          await platform().yieldToEventLoop(); // let progress and signals through between batches
          this.alive('encode (dispose() was called while it ran)');
        }
      }
    } catch (e) {
      // dispose() during the call: whatever failed (a freed weight, a stopped worker) failed because of it.
      this.alive('encode (dispose() was called while it ran)');
      throw e;
    }
    this.alive('encode (dispose() was called while it ran)');
    if (show) bar.done();
    return out;
  }

  /** A pool of replica threads with at least `threads` threads (started once, grown when asked for more). */
  replicas(threads: number): Promise<Replicas> {
    this.alive('replicas');
    return this.pool.get(threads);
  }

  private embedJob(job: EmbedJob): Promise<Float32Array> {
    this.alive('encode (dispose() was called while it ran)');
    return runEmbedJob(this.model, job);
  }

  /** [a.length × b.length] scores under this model's similarity function (or `fn`). */
  similarity(a: readonly ArrayLike<number>[], b: readonly ArrayLike<number>[], fn: SimilarityFnName = this.similarityFnName): number[][] {
    return similarityMatrix(fn, a, b);
  }

  /** Row i of `a` against row i of `b`. */
  similarityPairwise(a: readonly ArrayLike<number>[], b: readonly ArrayLike<number>[], fn: SimilarityFnName = this.similarityFnName): number[] {
    return similarityPairwise(fn, a, b);
  }

  /**
   * Save the sentence-transformers layout (Transformer in the root, 1_Pooling/, n_Dense/, n_Normalize/,
   * modules.json, sentence_bert_config.json, config_sentence_transformers.json), which Python's
   * SentenceTransformer(dir) loads. The folder is replaced atomically: readers see the old or the new model.
   */
  async save(dir: string): Promise<void> {
    this.alive('save');
    await makeDir(path.dirname(path.resolve(dir)));
    await writeDirAtomic(path.resolve(dir), (tmp) => this.saveInto(tmp));
  }

  /** Write the model's files into an existing folder (the trainer's checkpoints wrap this in their own atomic folder). */
  async saveInto(dir: string): Promise<void> {
    this.alive('save');
    const bare = (n: string) => n.slice(n.indexOf('.') + 1); // "bert.embeddings.…" → "embeddings.…", as BertModel saves
    const tensors = (await hfTensors({ params: () => this.model.encoderParams() })).map((t) => ({ ...t, name: bare(t.name) }));
    await writeSafetensors(path.join(dir, WEIGHTS_FILE), tensors, { format: 'pt' });
    await writeFileAtomic(path.join(dir, 'config.json'), JSON.stringify(this.savedConfig(), null, 2) + '\n');
    await this.tokenizer.save(dir);
    await writeFileAtomic(path.join(dir, SBERT_CONFIG_FILE), JSON.stringify({ max_seq_length: this.maxSeqLength, do_lower_case: this.doLowerCase }, null, 2) + '\n');
    const stConfig = {
      __version__: { sentence_transformers: ST_FORMAT_VERSION, tfjs_cross_encoder: VERSION },
      prompts: this.spec.prompts,
      default_prompt_name: this.spec.defaultPromptName,
      similarity_fn_name: this.similarityFnName,
    };
    await writeFileAtomic(path.join(dir, ST_CONFIG_FILE), JSON.stringify(stConfig, null, 2) + '\n');
    const entries: Array<{ idx: number; name: string; path: string; type: string }> = [];
    let denseAt = 0;
    for (const [idx, m] of this.spec.modules.entries()) {
      // Module folders named as SentenceTransformer.save names them: "<idx>_<Class>".
      const cls = { transformer: 'Transformer', pooling: 'Pooling', dense: 'Dense', normalize: 'Normalize' }[m.kind];
      // The folder the module came from (the loader and a resumed run read it there), else the name Python gives it.
      const sub = idx === 0 ? '' : m.path || `${idx}_${cls}`;
      entries.push({ idx, name: String(idx), path: sub, type: `sentence_transformers.models.${cls}` });
      if (idx === 0) continue;
      await makeDir(path.join(dir, sub));
      if (m.kind === 'pooling') await writeFileAtomic(path.join(dir, sub, 'config.json'), JSON.stringify(poolingConfigJson(m.config), null, 2) + '\n');
      if (m.kind === 'dense') {
        const d = this.model.denses[denseAt++].module;
        await writeFileAtomic(path.join(dir, sub, 'config.json'), JSON.stringify(denseConfigJson(d.cfg)) + '\n');
        await writeSafetensors(path.join(dir, sub, WEIGHTS_FILE), await hfTensors({ params: () => d.namedParams() }), { format: 'pt' });
      }
    }
    await writeFileAtomic(path.join(dir, MODULES_FILE), JSON.stringify(entries, null, 2) + '\n');
  }

  private savedConfig(): Record<string, unknown> {
    const raw = { ...this.config.raw };
    for (const k of ['_name_or_path', 'num_labels', 'id2label', 'label2id', 'sentence_transformers']) delete raw[k];
    const base: Record<string, string> = { bert: 'BertModel', roberta: 'RobertaModel', 'xlm-roberta': 'XLMRobertaModel', camembert: 'CamembertModel', distilbert: 'DistilBertModel' };
    // The dropouts of the saved model are the loaded config's (a dropout override is a training choice).
    return { ...raw, architectures: [base[this.config.modelType] ?? 'BertModel'], torch_dtype: 'float32' };
  }

  /** Free the weights. Calling it again does nothing. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pool.dispose();
    this.model.disposeAll();
  }
}

/** The modules must fit together: Pooling's width is the encoder's, each Dense reads what the previous part gives. */
function checkPipeline(spec: SentenceTransformerSpec, config: EncoderConfig, root: string): void {
  let width = 0;
  let pooled = false;
  for (const m of spec.modules) {
    if (m.kind === 'pooling') {
      if (pooled) throw new ConfigError(path.join(root, m.path, 'config.json'), 'a second Pooling module is not supported');
      if (m.config.wordEmbeddingDimension !== config.hiddenSize) {
        throw new ConfigError(path.join(root, m.path, 'config.json'), `word_embedding_dimension ${m.config.wordEmbeddingDimension} differs from the encoder's hidden_size ${config.hiddenSize}`);
      }
      width = poolingOutputDim(m.config);
      pooled = true;
    } else if (m.kind === 'dense') {
      const file = path.join(root, m.path, 'config.json');
      if (!pooled) throw new ConfigError(file, 'a Dense module before Pooling is not supported');
      if (m.config.inFeatures !== width) throw new ConfigError(file, `in_features ${m.config.inFeatures} differs from the ${width} values the module before it gives`);
      width = m.config.outFeatures;
    } else if (m.kind === 'normalize' && !pooled) {
      throw new ConfigError(path.join(root, MODULES_FILE), 'Normalize before Pooling is not supported');
    }
  }
  if (!pooled) {
    throw new ConfigError(path.join(root, MODULES_FILE), 'no Pooling module: token embeddings alone are not sentence embeddings');
  }
}
