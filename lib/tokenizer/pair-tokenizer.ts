/**
 * Sentence-pair tokenization with the same ids as transformers' fast tokenizers (`tokenizer(a, b, truncation=True,
 * max_length=n, padding=True)`).
 *
 * @huggingface/tokenizers does normalization, pre-tokenization and the WordPiece/BPE model; it has no truncation or
 * padding. So each text is encoded alone without special tokens, truncated here with Rust's `longest_first` rule,
 * and the special tokens are added here from the tokenizer.json post_processor. That is the order Rust uses too
 * (encode each sequence, truncate leaving room for the added tokens, then post-process).
 */
import { fsp, path } from '../platform/index.js';
import { TokenizerError, UsageError } from '../errors.js';
import { exists, writeFileAtomic } from '../util/fs.js';
import { byteLevelBpeTokenizerJson, parseMerges, parseVocabJson, parseVocabTxt, tokenContent, wordPieceTokenizerJson } from './legacy.js';
import {
  checkAddedTokens,
  isJsonObject,
  modelTypeOf,
  specialCount,
  specialsPlanOf,
  withDefaults,
  type Json,
  type ModelType,
  type SpecialsPlan,
  type TemplatePiece,
} from './tokenizer-json.js';
import { longestFirstLengths } from './truncation.js';
import { UnigramTokenizer, type ContentTokenizer } from './unigram/unigram-tokenizer.js';
import { WordPieceBpeTokenizer } from './wordpiece-bpe.js';

export interface BatchEncoding {
  batchSize: number;
  /** Longest row of this batch (dynamic padding). */
  seqLen: number;
  /** Row-major [batchSize, seqLen]. */
  inputIds: Int32Array;
  /** 1 on real tokens, 0 on padding. */
  attentionMask: Int32Array;
  /** Segment ids; all 0 when the tokenizer has none (RoBERTa), and 0 on padding. */
  tokenTypeIds: Int32Array;
  /** Real (unpadded) length of each row. */
  lengths: number[];
}

export interface EncodedPair {
  inputIds: number[];
  tokenTypeIds: number[];
}

export interface PairTokenizerOptions {
  /** Overrides the default maximum length (see `defaultMaxLength`). */
  maxLength?: number;
  /** The model's max_position_embeddings; read from config.json in the folder when absent there. */
  maxPositionEmbeddings?: number;
  /** Position ids start here (RoBERTa: padding_idx + 1 = 2; others 0); from config.json when absent there. */
  positionOffset?: number;
}

/** transformers writes int(1e30) (VERY_LARGE_INTEGER) for "no limit"; anything this large means unset. */
const HF_NO_LIMIT = 1e18;
const HARD_CAP = 512;

/**
 * The default maximum length: the smallest of tokenizer_config's model_max_length (ignoring HF's "no limit" sentinel),
 * the positions the model has (max_position_embeddings − positionOffset), and 512.
 */
export function defaultMaxLength(modelMaxLength?: number, maxPositionEmbeddings?: number, positionOffset = 0): number {
  let n = HARD_CAP;
  if (typeof modelMaxLength === 'number' && Number.isInteger(modelMaxLength) && modelMaxLength > 0 && modelMaxLength < HF_NO_LIMIT) {
    n = Math.min(n, modelMaxLength);
  }
  if (typeof maxPositionEmbeddings === 'number' && Number.isInteger(maxPositionEmbeddings) && maxPositionEmbeddings > 0) {
    n = Math.min(n, maxPositionEmbeddings - positionOffset);
  }
  return n;
}

/** Model types whose position ids start at padding_idx + 1 (fairseq-style learned positions). */
const OFFSET_MODEL_TYPES = new Set(['roberta', 'xlm-roberta', 'camembert', 'longformer', 'bart']);

/**
 * max_position_embeddings and the position offset from config.json, when it exists and says so. Read leniently: a
 * bad config.json is the model loader's to report (ConfigError); here it only refines a default.
 */
async function positionsFromConfig(dir: string): Promise<{ maxPositionEmbeddings?: number; positionOffset?: number }> {
  try {
    const raw: unknown = JSON.parse(await fsp.readFile(path.join(dir, 'config.json'), 'utf-8'));
    if (!isJsonObject(raw)) return {};
    const out: { maxPositionEmbeddings?: number; positionOffset?: number } = {};
    if (typeof raw.max_position_embeddings === 'number') out.maxPositionEmbeddings = raw.max_position_embeddings;
    if (typeof raw.model_type === 'string') {
      const pad = typeof raw.pad_token_id === 'number' ? raw.pad_token_id : 1;
      out.positionOffset = OFFSET_MODEL_TYPES.has(raw.model_type) ? pad + 1 : 0;
    }
    return out;
  } catch {
    return {};
  }
}

async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf-8');
  } catch (e) {
    throw new TokenizerError(file, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TokenizerError(file, `not valid JSON (${(e as Error).message})`);
  }
}

async function readText(file: string): Promise<string> {
  try {
    return await fsp.readFile(file, 'utf-8');
  } catch (e) {
    throw new TokenizerError(file, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Keys of a source tokenizer_config.json that name files of the source folder; they would be wrong in a copy. */
const FILE_KEYS = ['tokenizer_file', 'vocab_file', 'merges_file', 'name_or_path', 'special_tokens_map_file'];
const SPECIAL_KEYS = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'] as const;

export class PairTokenizer {
  /** Default max length for encodePair/encodeText/encodeBatch (see `defaultMaxLength`; `opts.maxLength` overrides). */
  readonly modelMaxLength: number;
  readonly padTokenId: number;
  /** Whether the second text gets a non-zero segment id (BERT-style); false for RoBERTa. */
  readonly usesTokenTypeIds: boolean;
  /** One more than the largest id this tokenizer can produce (vocab and added tokens). */
  readonly vocabSize: number;
  /** The file the tokenizer was built from (tokenizer.json, or vocab.txt / vocab.json for legacy folders). */
  readonly source: string;

  private readonly tokenizer: ContentTokenizer;
  private readonly plan: SpecialsPlan;
  private readonly pairSpecials: number;
  private readonly singleSpecials: number;

  private constructor(
    private readonly tokenizerJson: Json,
    private readonly tokenizerConfig: Json,
    source: string,
    maxLength: number,
  ) {
    this.source = source;
    this.plan = specialsPlanOf(tokenizerJson.post_processor, source);
    // Unigram (SentencePiece) files run on our own implementation of Rust's pipeline; @huggingface/tokenizers
    // approximates their Precompiled normalizer and would give other ids.
    this.tokenizer =
      modelTypeOf(tokenizerJson.model, source) === 'Unigram' ? new UnigramTokenizer(tokenizerJson, source) : new WordPieceBpeTokenizer(tokenizerJson, source);
    this.pairSpecials = specialCount(this.plan.pair);
    this.singleSpecials = specialCount(this.plan.single);
    this.usesTokenTypeIds = this.plan.pair.some((p) => p.typeId !== 0);
    this.padTokenId = this.findPadId();
    this.vocabSize = this.tokenizer.maxId() + 1;
    this.modelMaxLength = maxLength;
    this.checkMaxLength(maxLength, true, 'maxLength');
  }

  /**
   * Load the tokenizer of a model folder: tokenizer.json when present, else the legacy vocab.txt (BERT WordPiece) or
   * vocab.json + merges.txt (RoBERTa byte-level BPE), plus tokenizer_config.json when present.
   */
  static async fromDir(dir: string, opts: PairTokenizerOptions = {}): Promise<PairTokenizer> {
    let stat;
    try {
      stat = await fsp.stat(dir);
    } catch (e) {
      throw new TokenizerError(dir, `tokenizer folder not found (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (!stat.isDirectory()) throw new TokenizerError(dir, 'not a folder');

    const cfgFile = path.join(dir, 'tokenizer_config.json');
    let cfg: Json = {};
    if (await exists(cfgFile)) {
      const raw = await readJsonFile(cfgFile);
      if (!isJsonObject(raw)) throw new TokenizerError(cfgFile, 'tokenizer_config.json must be a JSON object');
      cfg = raw;
    }

    const { json, source } = await PairTokenizer.loadTokenizerJson(dir, cfg, cfgFile);

    const fromConfig = opts.maxPositionEmbeddings === undefined || opts.positionOffset === undefined ? await positionsFromConfig(dir) : {};
    const maxPositions = opts.maxPositionEmbeddings ?? fromConfig.maxPositionEmbeddings;
    const offset = opts.positionOffset ?? fromConfig.positionOffset ?? 0;
    const mml = typeof cfg.model_max_length === 'number' ? cfg.model_max_length : undefined;
    const maxLength = opts.maxLength ?? defaultMaxLength(mml, maxPositions, offset);
    return new PairTokenizer(json, cfg, source, maxLength);
  }

  private static async loadTokenizerJson(dir: string, cfg: Json, cfgFile: string): Promise<{ json: Json; source: string }> {
    const tjFile = path.join(dir, 'tokenizer.json');
    if (await exists(tjFile)) {
      const raw = await readJsonFile(tjFile);
      if (!isJsonObject(raw)) throw new TokenizerError(tjFile, 'tokenizer.json must be a JSON object');
      const json = withDefaults(raw);
      checkTokenizerJson(json, tjFile);
      return { json, source: tjFile };
    }

    const vocabTxt = path.join(dir, 'vocab.txt');
    const vocabJson = path.join(dir, 'vocab.json');
    const mergesTxt = path.join(dir, 'merges.txt');
    const cls = typeof cfg.tokenizer_class === 'string' ? cfg.tokenizer_class : undefined;
    const hasTxt = await exists(vocabTxt);
    const hasJson = await exists(vocabJson);
    if (await exists(path.join(dir, 'added_tokens.json'))) {
      // Slow tokenizers add these on top of the vocab with their own rules; we would not reproduce those ids exactly.
      throw new TokenizerError(path.join(dir, 'added_tokens.json'), 'added_tokens.json is not supported without tokenizer.json; save the tokenizer with transformers (it writes tokenizer.json)');
    }
    const wantBpe = hasJson && (!hasTxt || (cls !== undefined && /roberta/i.test(cls)));
    if (wantBpe) {
      if (cls !== undefined && !/^(Distil)?Roberta(Tokenizer)(Fast)?$/i.test(cls)) {
        throw new TokenizerError(cfgFile, `legacy vocab.json + merges.txt are only supported for RoBERTa tokenizers, got tokenizer_class ${JSON.stringify(cls)}; provide tokenizer.json`);
      }
      if (!(await exists(mergesTxt))) throw new TokenizerError(mergesTxt, 'vocab.json needs merges.txt beside it (byte-level BPE), and it is missing');
      const vocab = parseVocabJson(await readText(vocabJson), vocabJson);
      const merges = parseMerges(await readText(mergesTxt), mergesTxt);
      const json = byteLevelBpeTokenizerJson(vocab, merges, cfg, vocabJson, cfgFile);
      checkTokenizerJson(json, vocabJson);
      return { json, source: vocabJson };
    }
    if (hasTxt) {
      if (cls !== undefined && !/^(Bert|DistilBert|Electra)Tokenizer(Fast)?$/i.test(cls)) {
        throw new TokenizerError(cfgFile, `legacy vocab.txt is only supported for BERT-style WordPiece tokenizers, got tokenizer_class ${JSON.stringify(cls)}; provide tokenizer.json`);
      }
      const vocab = parseVocabTxt(await readText(vocabTxt), vocabTxt);
      const json = wordPieceTokenizerJson(vocab, cfg, vocabTxt, cfgFile);
      checkTokenizerJson(json, vocabTxt);
      return { json, source: vocabTxt };
    }
    const spm = ['sentencepiece.bpe.model', 'spiece.model', 'tokenizer.model'];
    for (const f of spm) {
      if (await exists(path.join(dir, f))) {
        throw new TokenizerError(path.join(dir, f), 'SentencePiece models are not supported; provide tokenizer.json');
      }
    }
    throw new TokenizerError(dir, 'no tokenizer files: expected tokenizer.json, vocab.txt, or vocab.json + merges.txt');
  }

  /** Special tokens the post-processor adds to a pair (BERT 3, RoBERTa 4) or to a single text (BERT 2, RoBERTa 2). */
  numSpecialTokens(pair: boolean): number {
    return pair ? this.pairSpecials : this.singleSpecials;
  }

  /** `a` and `b` as one model input, truncated `longest_first` to maxLength (default modelMaxLength). */
  encodePair(a: string, b: string, maxLength: number = this.modelMaxLength): EncodedPair {
    this.checkMaxLength(maxLength, true, 'maxLength');
    const ida = this.contentIds(a);
    const idb = this.contentIds(b);
    const [na, nb] = longestFirstLengths(ida.length, idb.length, maxLength - this.pairSpecials);
    return this.assemble(this.plan.pair, ida.slice(0, na), idb.slice(0, nb));
  }

  /** One text as a model input, truncated to maxLength (default modelMaxLength). */
  encodeText(a: string, maxLength: number = this.modelMaxLength): EncodedPair {
    this.checkMaxLength(maxLength, false, 'maxLength');
    const ida = this.contentIds(a);
    return this.assemble(this.plan.single, ida.slice(0, maxLength - this.singleSpecials), []);
  }

  /** Encode pairs and pad them to the longest row. */
  encodeBatch(pairs: ReadonlyArray<readonly [string, string]>, maxLength: number = this.modelMaxLength): BatchEncoding {
    return this.pad(pairs.map(([a, b]) => this.encodePair(a, b, maxLength)));
  }

  /** Pad pre-encoded rows to the longest: padTokenId, attention 0 and type id 0 on the padding. */
  pad(encoded: readonly EncodedPair[]): BatchEncoding {
    const batchSize = encoded.length;
    const lengths = encoded.map((e) => e.inputIds.length);
    const seqLen = lengths.reduce((m, n) => Math.max(m, n), 0);
    const inputIds = new Int32Array(batchSize * seqLen).fill(this.padTokenId);
    const attentionMask = new Int32Array(batchSize * seqLen);
    const tokenTypeIds = new Int32Array(batchSize * seqLen);
    encoded.forEach((e, r) => {
      if (e.tokenTypeIds.length !== e.inputIds.length) {
        throw new UsageError(`pad: row ${r} has ${e.inputIds.length} input ids but ${e.tokenTypeIds.length} token type ids`);
      }
      const o = r * seqLen;
      inputIds.set(e.inputIds, o);
      tokenTypeIds.set(e.tokenTypeIds, o);
      attentionMask.fill(1, o, o + e.inputIds.length);
    });
    return { batchSize, seqLen, inputIds, attentionMask, tokenTypeIds, lengths };
  }

  /**
   * Write tokenizer.json (the effective one, also when built from legacy files), tokenizer_config.json and
   * special_tokens_map.json, so that transformers' AutoTokenizer.from_pretrained(dir) loads the same tokenizer.
   */
  async save(dir: string): Promise<void> {
    await writeFileAtomic(path.join(dir, 'tokenizer.json'), JSON.stringify(this.tokenizerJson, null, 2));
    const specials = this.specialTokens();
    const cfg: Json = { ...this.tokenizerConfig };
    for (const k of FILE_KEYS) delete cfg[k];
    cfg.tokenizer_class = typeof cfg.tokenizer_class === 'string' ? cfg.tokenizer_class : this.inferTokenizerClass();
    cfg.model_max_length = this.modelMaxLength;
    for (const [k, v] of Object.entries(specials)) cfg[k] = v;
    // transformers' BertTokenizerFast / RobertaTokenizerFast rebuild the normalizer / pre-tokenizer when these
    // config flags disagree with tokenizer.json, so write the values tokenizer.json actually has.
    const norm = this.tokenizerJson.normalizer;
    if (isJsonObject(norm) && norm.type === 'BertNormalizer') {
      cfg.do_lower_case = norm.lowercase !== false;
      cfg.tokenize_chinese_chars = norm.handle_chinese_chars !== false;
      cfg.strip_accents = typeof norm.strip_accents === 'boolean' ? norm.strip_accents : null;
    }
    const pre = this.tokenizerJson.pre_tokenizer;
    if (this.plan.kind === 'RobertaProcessing' && isJsonObject(pre) && pre.type === 'ByteLevel') {
      cfg.add_prefix_space = pre.add_prefix_space === true;
      cfg.trim_offsets = this.plan.trimOffsets !== false;
    }
    await writeFileAtomic(path.join(dir, 'tokenizer_config.json'), JSON.stringify(cfg, null, 2) + '\n');

    // special_tokens_map.json: AddedToken dicts where tokenizer.json has the token, so flags such as <mask>'s lstrip
    // survive a load by transformers.
    const added = new Map<string, Json>();
    for (const t of this.tokenizerJson.added_tokens as Json[]) added.set(t.content as string, t);
    const map: Json = {};
    for (const [k, v] of Object.entries(specials)) {
      const describe = (c: string): Json | string => {
        const t = added.get(c);
        return t
          ? { content: c, lstrip: t.lstrip === true, normalized: t.normalized === true, rstrip: t.rstrip === true, single_word: t.single_word === true }
          : c;
      };
      map[k] = Array.isArray(v) ? v.map((c) => describe(c as string)) : describe(v as string);
    }
    await writeFileAtomic(path.join(dir, 'special_tokens_map.json'), JSON.stringify(map, null, 2) + '\n');
  }

  /** The effective tokenizer.json object (a deep copy), e.g. to compare a legacy-built one with transformers'. */
  toJSON(): Json {
    return JSON.parse(JSON.stringify(this.tokenizerJson)) as Json;
  }

  /** Content ids of one text: normalization, pre-tokenization and the model, no special tokens. */
  private contentIds(text: string): number[] {
    if (typeof text !== 'string') throw new UsageError(`expected a string to tokenize, got ${typeof text}`);
    return this.tokenizer.encodeIds(text);
  }

  private assemble(pieces: readonly TemplatePiece[], a: number[], b: number[]): EncodedPair {
    const inputIds: number[] = [];
    const tokenTypeIds: number[] = [];
    for (const p of pieces) {
      const ids = p.kind === 'special' ? p.ids : p.sequence === 'A' ? a : b;
      for (const id of ids) {
        inputIds.push(id);
        tokenTypeIds.push(p.typeId);
      }
    }
    return { inputIds, tokenTypeIds };
  }

  private checkMaxLength(maxLength: number, pair: boolean, what: string): void {
    const min = pair ? this.pairSpecials : this.singleSpecials;
    if (!Number.isInteger(maxLength) || maxLength < min) {
      // Rust tokenizers cannot truncate below the special tokens either (its budget would be negative).
      throw new UsageError(`${what} must be an integer ≥ ${min} (the special tokens of a ${pair ? 'pair' : 'single text'}), got ${maxLength}`);
    }
  }

  private findPadId(): number {
    const cfgPad = tokenContent(this.tokenizerConfig.pad_token);
    if (cfgPad !== undefined) {
      const id = this.tokenizer.tokenToId(cfgPad);
      if (id === undefined) throw new TokenizerError(this.source, `pad_token ${JSON.stringify(cfgPad)} of tokenizer_config.json is not in the vocab`);
      return id;
    }
    const padding = this.tokenizerJson.padding;
    if (isJsonObject(padding) && typeof padding.pad_id === 'number') return padding.pad_id;
    for (const t of ['[PAD]', '<pad>']) {
      const id = this.tokenizer.tokenToId(t);
      if (id !== undefined) return id;
    }
    throw new TokenizerError(this.source, 'no pad token: set "pad_token" in tokenizer_config.json');
  }

  /** Special tokens for tokenizer_config / special_tokens_map: the configured ones, else what the files imply. */
  private specialTokens(): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (const k of SPECIAL_KEYS) {
      const c = tokenContent(this.tokenizerConfig[k]);
      if (c !== undefined) out[k] = c;
    }
    const extra = this.tokenizerConfig.additional_special_tokens;
    if (Array.isArray(extra)) {
      const xs = extra.map(tokenContent).filter((x): x is string => x !== undefined);
      if (xs.length > 0) out.additional_special_tokens = xs;
    }
    const has = (t: string): boolean => this.tokenizer.tokenToId(t) !== undefined;
    const model = this.tokenizerJson.model as Json;
    if (this.plan.cls) out.cls_token ??= this.plan.cls.token;
    if (this.plan.sep) out.sep_token ??= this.plan.sep.token;
    if (this.plan.kind === 'RobertaProcessing') {
      if (this.plan.cls) out.bos_token ??= this.plan.cls.token;
      if (this.plan.sep) out.eos_token ??= this.plan.sep.token;
    }
    if (typeof model.unk_token === 'string') out.unk_token ??= model.unk_token;
    else if (has('<unk>')) out.unk_token ??= '<unk>';
    out.pad_token ??= this.tokenizer.idToToken(this.padTokenId) ?? '';
    for (const m of ['[MASK]', '<mask>']) if (has(m)) out.mask_token ??= m;
    return out;
  }

  private inferTokenizerClass(): string {
    const type = modelTypeOf(this.tokenizerJson.model, this.source);
    if (type === 'WordPiece' && this.plan.kind !== 'RobertaProcessing') return 'BertTokenizer';
    if (type === 'BPE' && this.plan.kind === 'RobertaProcessing') return 'RobertaTokenizer';
    // Loads tokenizer.json as it is, with the special tokens from this config.
    return 'PreTrainedTokenizerFast';
  }
}

/** Everything we check before handing a tokenizer.json to @huggingface/tokenizers, with the file named on failure. */
function checkTokenizerJson(json: Json, file: string): ModelType {
  const type = modelTypeOf(json.model, file);
  checkAddedTokens(json, file);
  specialsPlanOf(json.post_processor, file);
  return type;
}
