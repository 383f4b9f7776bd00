/**
 * Folders with only the "slow" tokenizer files (vocab.txt, or vocab.json + merges.txt): we build, in memory, the same
 * tokenizer.json that transformers' slow→fast converters (BertConverter, RobertaConverter in convert_slow_tokenizer.py)
 * produce, so ids match what Python's AutoTokenizer gives for the same folder.
 */
import { TokenizerError } from '../errors.js';
import { isJsonObject, type Json } from './tokenizer-json.js';

/** A special token in tokenizer_config.json / special_tokens_map.json: a string, or an AddedToken dict. */
export function tokenContent(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isJsonObject(v) && typeof v.content === 'string') return v.content;
  return undefined;
}

interface AddedTokenJson {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

const addedToken = (id: number, content: string, lstrip = false): AddedTokenJson => ({
  id,
  content,
  single_word: false,
  lstrip,
  rstrip: false,
  normalized: false,
  special: true,
});

/**
 * Added tokens: the entries of tokenizer_config's `added_tokens_decoder` (what current transformers saves for slow
 * tokenizers), then the configured special tokens not already there, all with ids from the vocab, sorted by id as
 * the Rust serializer writes them.
 */
function addedTokens(
  vocab: Map<string, number>,
  cfg: Json,
  specials: { content: string; lstrip?: boolean; required: boolean; key: string }[],
  vocabFile: string,
  cfgFile: string,
): AddedTokenJson[] {
  const byContent = new Map<string, AddedTokenJson>();
  const decoder = cfg.added_tokens_decoder;
  if (decoder !== undefined) {
    if (!isJsonObject(decoder)) throw new TokenizerError(cfgFile, '"added_tokens_decoder" must be an object');
    for (const [idText, t] of Object.entries(decoder)) {
      const id = Number(idText);
      if (!Number.isInteger(id) || id < 0 || !isJsonObject(t) || typeof t.content !== 'string') {
        throw new TokenizerError(cfgFile, `malformed added_tokens_decoder entry ${JSON.stringify(idText)}`);
      }
      byContent.set(t.content, {
        id,
        content: t.content,
        single_word: t.single_word === true,
        lstrip: t.lstrip === true,
        rstrip: t.rstrip === true,
        normalized: t.normalized === true,
        special: t.special === true,
      });
    }
  }
  for (const s of specials) {
    if (byContent.has(s.content)) continue;
    const id = vocab.get(s.content);
    if (id === undefined) {
      // transformers would append the token after the vocab with a fresh id; we refuse rather than guess that id.
      throw new TokenizerError(
        vocabFile,
        `special token ${JSON.stringify(s.content)} (${s.key}) is not in the vocab${s.required ? '' : '; transformers would give it a new id past the vocab, so save a tokenizer.json with transformers instead'}`,
      );
    }
    byContent.set(s.content, addedToken(id, s.content, s.lstrip));
  }
  return [...byContent.values()].sort((a, b) => a.id - b.id);
}

function additionalSpecials(cfg: Json, cfgFile: string): string[] {
  const extra = cfg.additional_special_tokens;
  if (extra === undefined || extra === null) return [];
  if (!Array.isArray(extra)) throw new TokenizerError(cfgFile, '"additional_special_tokens" must be an array');
  return extra.map((t) => {
    const c = tokenContent(t);
    if (c === undefined) throw new TokenizerError(cfgFile, `malformed additional special token ${JSON.stringify(t)}`);
    return c;
  });
}

function configToken(cfg: Json, key: string, fallback: string, cfgFile: string): string {
  const v = cfg[key];
  if (v === undefined || v === null) return fallback;
  const c = tokenContent(v);
  if (c === undefined) throw new TokenizerError(cfgFile, `"${key}" must be a string or an AddedToken object, got ${JSON.stringify(v)}`);
  return c;
}

function configBool(cfg: Json, key: string, fallback: boolean | null, cfgFile: string): boolean | null {
  const v = cfg[key];
  if (v === undefined) return fallback;
  if (v === null || typeof v === 'boolean') return v;
  throw new TokenizerError(cfgFile, `"${key}" must be true, false or null, got ${JSON.stringify(v)}`);
}

/**
 * vocab.txt as transformers' load_vocab reads it: Python text mode (\r\n and \r become \n), readlines(), each line
 * minus its "\n"; the line number is the id, a repeated token keeps its last line number.
 */
export function parseVocabTxt(text: string, file: string): Map<string, number> {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop(); // readlines() yields no empty line after the final newline
  if (lines.length === 0) throw new TokenizerError(file, 'vocab.txt is empty');
  const vocab = new Map<string, number>();
  lines.forEach((tok, i) => vocab.set(tok, i));
  return vocab;
}

/** A vocab as a JSON object. Null prototype: a token such as "__proto__" must stay an ordinary key. */
function vocabObject(vocab: Map<string, number>): Json {
  const obj = Object.create(null) as Json;
  for (const [tok, id] of vocab) obj[tok] = id;
  return obj;
}

/** tokenizer.json for a BERT WordPiece vocab.txt, as transformers' BertConverter writes it. */
export function wordPieceTokenizerJson(vocab: Map<string, number>, cfg: Json, vocabFile: string, cfgFile: string): Json {
  const unk = configToken(cfg, 'unk_token', '[UNK]', cfgFile);
  const sep = configToken(cfg, 'sep_token', '[SEP]', cfgFile);
  const pad = configToken(cfg, 'pad_token', '[PAD]', cfgFile);
  const cls = configToken(cfg, 'cls_token', '[CLS]', cfgFile);
  const mask = configToken(cfg, 'mask_token', '[MASK]', cfgFile);
  const added = addedTokens(
    vocab,
    cfg,
    [
      { content: pad, required: true, key: 'pad_token' },
      { content: unk, required: true, key: 'unk_token' },
      { content: cls, required: true, key: 'cls_token' },
      { content: sep, required: true, key: 'sep_token' },
      { content: mask, required: false, key: 'mask_token' },
      ...additionalSpecials(cfg, cfgFile).map((content) => ({ content, required: false, key: 'additional_special_tokens' })),
    ],
    vocabFile,
    cfgFile,
  );
  // BertTokenizer's defaults: do_lower_case=True, tokenize_chinese_chars=True, strip_accents=None (follow lowercase).
  const lowercase = configBool(cfg, 'do_lower_case', true, cfgFile) ?? true;
  const chinese = configBool(cfg, 'tokenize_chinese_chars', true, cfgFile) ?? true;
  const stripAccents = configBool(cfg, 'strip_accents', null, cfgFile);
  const clsId = vocab.get(cls)!;
  const sepId = vocab.get(sep)!;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: chinese, strip_accents: stripAccents, lowercase },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: cls, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: sep, type_id: 0 } }],
      pair: [
        { SpecialToken: { id: cls, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: sep, type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: sep, type_id: 1 } },
      ],
      special_tokens: {
        [cls]: { id: cls, ids: [clsId], tokens: [cls] },
        [sep]: { id: sep, ids: [sepId], tokens: [sep] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: unk, continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: vocabObject(vocab) },
  };
}

/** vocab.json of a byte-level BPE: an object token → id. */
export function parseVocabJson(text: string, file: string): Map<string, number> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TokenizerError(file, `not valid JSON (${(e as Error).message})`);
  }
  if (!isJsonObject(json)) throw new TokenizerError(file, 'vocab.json must be a JSON object of token → id');
  const vocab = new Map<string, number>();
  for (const [tok, id] of Object.entries(json)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new TokenizerError(file, `vocab entry ${JSON.stringify(tok)} has id ${JSON.stringify(id)}, expected a non-negative integer`);
    }
    vocab.set(tok, id);
  }
  if (vocab.size === 0) throw new TokenizerError(file, 'vocab.json is empty');
  return vocab;
}

/**
 * merges.txt as transformers' RobertaTokenizer reads it: `read().split("\n")[1:-1]`, i.e. the first line (the
 * "#version" header) and the last element (empty after the final newline) are dropped whatever they hold, then each
 * line is split on whitespace. The converter keeps the first occurrence of a repeated merge. Blank lines are skipped.
 */
export function parseMerges(text: string, file: string): string[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n').slice(1, -1);
  const merges: string[] = [];
  const seen = new Set<string>();
  lines.forEach((line, i) => {
    const parts = line.split(/\s+/).filter((p) => p !== '');
    if (parts.length === 0) return;
    if (parts.length !== 2) throw new TokenizerError(file, `line ${i + 2}: expected two symbols separated by a space, got ${JSON.stringify(line)}`);
    const m = `${parts[0]} ${parts[1]}`;
    if (seen.has(m)) return;
    seen.add(m);
    merges.push(m);
  });
  if (merges.length === 0) throw new TokenizerError(file, 'merges.txt has no merges');
  return merges;
}

/** tokenizer.json for RoBERTa's vocab.json + merges.txt, as transformers' RobertaConverter writes it. */
export function byteLevelBpeTokenizerJson(vocab: Map<string, number>, merges: string[], cfg: Json, vocabFile: string, cfgFile: string): Json {
  const bos = configToken(cfg, 'bos_token', '<s>', cfgFile);
  const eos = configToken(cfg, 'eos_token', '</s>', cfgFile);
  const sep = configToken(cfg, 'sep_token', '</s>', cfgFile);
  const cls = configToken(cfg, 'cls_token', '<s>', cfgFile);
  const unk = configToken(cfg, 'unk_token', '<unk>', cfgFile);
  const pad = configToken(cfg, 'pad_token', '<pad>', cfgFile);
  const mask = configToken(cfg, 'mask_token', '<mask>', cfgFile);
  const added = addedTokens(
    vocab,
    cfg,
    [
      { content: bos, required: false, key: 'bos_token' },
      { content: pad, required: true, key: 'pad_token' },
      { content: eos, required: false, key: 'eos_token' },
      { content: unk, required: false, key: 'unk_token' },
      { content: sep, required: true, key: 'sep_token' },
      { content: cls, required: true, key: 'cls_token' },
      // RobertaTokenizer makes <mask> an AddedToken with lstrip=True ("<mask>" eats the space before it).
      { content: mask, lstrip: true, required: false, key: 'mask_token' },
      ...additionalSpecials(cfg, cfgFile).map((content) => ({ content, required: false, key: 'additional_special_tokens' })),
    ],
    vocabFile,
    cfgFile,
  );
  const addPrefixSpace = configBool(cfg, 'add_prefix_space', false, cfgFile) ?? false;
  const trimOffsets = configBool(cfg, 'trim_offsets', true, cfgFile) ?? true;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: addPrefixSpace, trim_offsets: true, use_regex: true },
    post_processor: {
      type: 'RobertaProcessing',
      sep: [sep, vocab.get(sep)!],
      cls: [cls, vocab.get(cls)!],
      trim_offsets: trimOffsets,
      add_prefix_space: addPrefixSpace,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: vocabObject(vocab),
      merges,
    },
  };
}
