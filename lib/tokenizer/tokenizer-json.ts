/**
 * Reading and checking a Hugging Face `tokenizer.json` object: which model it uses, and where its post-processor puts
 * the special tokens. We add special tokens ourselves (after our own truncation), so the post-processor is turned into
 * a small template plan here instead of being run by @huggingface/tokenizers.
 */
import { TokenizerError } from '../errors.js';

export type Json = Record<string, unknown>;

export function isJsonObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One item of a post-processing template: fixed special ids, or the content of text A or B. */
export type TemplatePiece =
  | { kind: 'special'; token: string; ids: number[]; typeId: number }
  | { kind: 'sequence'; sequence: 'A' | 'B'; typeId: number };

export type ProcessorKind = 'TemplateProcessing' | 'RobertaProcessing' | 'BertProcessing' | 'none';

export interface SpecialsPlan {
  kind: ProcessorKind;
  single: TemplatePiece[];
  pair: TemplatePiece[];
  /** Leading special token (BERT [CLS], RoBERTa <s>), when the processor has one. */
  cls?: { token: string; id: number };
  /** Separator (BERT [SEP], RoBERTa </s>), when the processor has one. */
  sep?: { token: string; id: number };
  /** RoBERTa-style processors carry these two flags; kept so save() can describe them to transformers. */
  trimOffsets?: boolean;
  addPrefixSpace?: boolean;
}

export type ModelType = 'WordPiece' | 'BPE' | 'Unigram';

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Number of special ids a template adds (HF's `added_tokens(is_pair)`), which truncation must leave room for. */
export function specialCount(pieces: readonly TemplatePiece[]): number {
  let n = 0;
  for (const p of pieces) if (p.kind === 'special') n += p.ids.length;
  return n;
}

/**
 * The model type, as Rust tokenizers would deserialize it. Old files (e.g. bert-base-uncased's) have no "type" key,
 * so we infer it from the fields, as Rust's untagged fallback does. WordPiece and BPE run on @huggingface/tokenizers
 * (checked against transformers' ids); Unigram (SentencePiece: XLM-R, bge-reranker) runs on lib/tokenizer/unigram/,
 * which checks the rest of its model object. WordLevel is refused.
 */
export function modelTypeOf(model: unknown, file: string): ModelType {
  if (!isJsonObject(model)) throw new TokenizerError(file, '"model" is missing or not an object');
  let type = model.type;
  if (type === undefined) {
    if (Array.isArray(model.vocab)) type = 'Unigram';
    else if ('merges' in model) type = 'BPE';
    else if ('continuing_subword_prefix' in model || 'max_input_chars_per_word' in model) type = 'WordPiece';
    else type = 'WordLevel';
  }
  if (type === 'Unigram') {
    if (!Array.isArray(model.vocab)) throw new TokenizerError(file, 'Unigram model has no "vocab" array');
    return type;
  }
  if (type !== 'WordPiece' && type !== 'BPE') {
    throw new TokenizerError(file, `unsupported tokenizer model ${JSON.stringify(type)}; supported: WordPiece, BPE, Unigram`);
  }
  if (!isJsonObject(model.vocab)) throw new TokenizerError(file, `${type} model has no "vocab" object`);
  for (const [tok, id] of Object.entries(model.vocab)) {
    if (!isInt(id)) throw new TokenizerError(file, `vocab entry ${JSON.stringify(tok)} has id ${JSON.stringify(id)}, expected a non-negative integer`);
  }
  if (type === 'WordPiece') {
    const unk = model.unk_token ?? '[UNK]';
    if (typeof unk !== 'string' || !(unk in model.vocab)) {
      throw new TokenizerError(file, `WordPiece unk_token ${JSON.stringify(unk)} is not in the vocab`);
    }
    const prefix = model.continuing_subword_prefix;
    if (prefix !== undefined && prefix !== null && typeof prefix !== 'string') {
      throw new TokenizerError(file, 'WordPiece continuing_subword_prefix must be a string');
    }
  } else {
    if (!Array.isArray(model.merges)) throw new TokenizerError(file, 'BPE model has no "merges" array');
    for (const m of model.merges) {
      const ok = typeof m === 'string' ? m.split(' ').length === 2 : Array.isArray(m) && m.length === 2 && m.every((x) => typeof x === 'string');
      if (!ok) throw new TokenizerError(file, `malformed BPE merge ${JSON.stringify(m)}`);
    }
    // @huggingface/tokenizers does not implement these two BPE options the way Rust does (it has no
    // continuing_subword_prefix at all, and dropout would make ids random), so such files would give other ids.
    if (typeof model.continuing_subword_prefix === 'string' && model.continuing_subword_prefix !== '') {
      throw new TokenizerError(file, `unsupported BPE continuing_subword_prefix ${JSON.stringify(model.continuing_subword_prefix)}`);
    }
    if (typeof model.dropout === 'number' && model.dropout > 0) {
      throw new TokenizerError(file, `unsupported BPE dropout ${model.dropout} (ids would not be deterministic)`);
    }
  }
  return type;
}

function pairEntry(v: unknown, what: string, file: string): { token: string; id: number } {
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || !isInt(v[1])) {
    throw new TokenizerError(file, `post_processor "${what}" must be [token, id], got ${JSON.stringify(v)}`);
  }
  return { token: v[0], id: v[1] };
}

function templateOf(items: unknown, which: 'single' | 'pair', specials: Json, file: string): TemplatePiece[] {
  if (!Array.isArray(items)) throw new TokenizerError(file, `TemplateProcessing "${which}" template must be an array`);
  const out: TemplatePiece[] = [];
  for (const item of items) {
    if (isJsonObject(item) && isJsonObject(item.SpecialToken)) {
      const name = item.SpecialToken.id;
      const typeId = item.SpecialToken.type_id ?? 0;
      const def = typeof name === 'string' ? specials[name] : undefined;
      if (!isJsonObject(def) || !Array.isArray(def.ids) || !def.ids.every(isInt)) {
        throw new TokenizerError(file, `TemplateProcessing special token ${JSON.stringify(name)} has no ids in "special_tokens"`);
      }
      if (!isInt(typeId)) throw new TokenizerError(file, `TemplateProcessing type_id of ${JSON.stringify(name)} must be an integer`);
      out.push({ kind: 'special', token: name as string, ids: [...(def.ids as number[])], typeId });
    } else if (isJsonObject(item) && isJsonObject(item.Sequence)) {
      const seq = item.Sequence.id;
      const typeId = item.Sequence.type_id ?? 0;
      if ((seq !== 'A' && seq !== 'B') || (which === 'single' && seq === 'B')) {
        throw new TokenizerError(file, `TemplateProcessing "${which}" template has sequence ${JSON.stringify(seq)}`);
      }
      if (!isInt(typeId)) throw new TokenizerError(file, `TemplateProcessing type_id of sequence ${seq} must be an integer`);
      out.push({ kind: 'sequence', sequence: seq, typeId });
    } else {
      throw new TokenizerError(file, `unrecognised TemplateProcessing item ${JSON.stringify(item)}`);
    }
  }
  const seqs = out.filter((p) => p.kind === 'sequence').map((p) => (p as { sequence: string }).sequence).join('');
  if (seqs !== (which === 'single' ? 'A' : 'AB')) {
    throw new TokenizerError(file, `TemplateProcessing "${which}" template must contain ${which === 'single' ? '$A once' : '$A then $B, once each'}`);
  }
  return out;
}

const special = (token: string, id: number, typeId = 0): TemplatePiece => ({ kind: 'special', token, ids: [id], typeId });
const seq = (sequence: 'A' | 'B', typeId = 0): TemplatePiece => ({ kind: 'sequence', sequence, typeId });

/**
 * The special-token plan of a post_processor. `Sequence` processors (e.g. ByteLevel + TemplateProcessing) use their
 * one special-token processor; ByteLevel only adjusts offsets, which we do not produce.
 */
export function specialsPlanOf(pp: unknown, file: string): SpecialsPlan {
  if (pp === null || pp === undefined) {
    // Rust with no post_processor: no special tokens, and the pair's tokens get type id 1 from encoding.
    return { kind: 'none', single: [seq('A')], pair: [seq('A'), seq('B', 1)] };
  }
  if (!isJsonObject(pp)) throw new TokenizerError(file, '"post_processor" must be an object or null');
  switch (pp.type) {
    case 'TemplateProcessing': {
      const specials = isJsonObject(pp.special_tokens) ? pp.special_tokens : {};
      const single = templateOf(pp.single, 'single', specials, file);
      const pair = templateOf(pp.pair, 'pair', specials, file);
      const firstSpecial = (xs: TemplatePiece[], atEnd: boolean): { token: string; id: number } | undefined => {
        const p = atEnd ? xs[xs.length - 1] : xs[0];
        return p && p.kind === 'special' && p.ids.length === 1 ? { token: p.token, id: p.ids[0]! } : undefined;
      };
      const plan: SpecialsPlan = { kind: 'TemplateProcessing', single, pair };
      const cls = firstSpecial(pair, false);
      const sep = firstSpecial(pair, true);
      if (cls) plan.cls = cls;
      if (sep) plan.sep = sep;
      return plan;
    }
    case 'RobertaProcessing': {
      const cls = pairEntry(pp.cls, 'cls', file);
      const sep = pairEntry(pp.sep, 'sep', file);
      // transformers' RoBERTa never returns token_type_ids (all 0, and type_vocab_size is 1), so every type id is 0.
      return {
        kind: 'RobertaProcessing',
        single: [special(cls.token, cls.id), seq('A'), special(sep.token, sep.id)],
        pair: [special(cls.token, cls.id), seq('A'), special(sep.token, sep.id), special(sep.token, sep.id), seq('B'), special(sep.token, sep.id)],
        cls,
        sep,
        trimOffsets: pp.trim_offsets !== false,
        addPrefixSpace: pp.add_prefix_space !== false,
      };
    }
    case 'BertProcessing': {
      const cls = pairEntry(pp.cls, 'cls', file);
      const sep = pairEntry(pp.sep, 'sep', file);
      return {
        kind: 'BertProcessing',
        single: [special(cls.token, cls.id), seq('A'), special(sep.token, sep.id)],
        pair: [special(cls.token, cls.id), seq('A'), special(sep.token, sep.id), seq('B', 1), special(sep.token, sep.id, 1)],
        cls,
        sep,
      };
    }
    case 'ByteLevel':
      return specialsPlanOf(null, file);
    case 'Sequence': {
      const procs = Array.isArray(pp.processors) ? pp.processors : [];
      const adding = procs.filter((p) => isJsonObject(p) && p.type !== 'ByteLevel');
      if (adding.length > 1) throw new TokenizerError(file, 'post_processor Sequence with more than one special-token processor is not supported');
      return specialsPlanOf(adding[0] ?? null, file);
    }
    default:
      throw new TokenizerError(file, `unsupported post_processor type ${JSON.stringify(pp.type)}`);
  }
}

/** The tokenizer.json with the optional top-level keys filled in, as @huggingface/tokenizers requires them present. */
export function withDefaults(json: Json): Json {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: null,
    post_processor: null,
    decoder: null,
    ...json,
  };
}

/** Checks the added_tokens list, so a malformed one is reported with the file's name, not as a library crash. */
export function checkAddedTokens(json: Json, file: string): void {
  const added = json.added_tokens;
  if (!Array.isArray(added)) throw new TokenizerError(file, '"added_tokens" must be an array');
  for (const t of added) {
    if (!isJsonObject(t) || typeof t.content !== 'string' || !isInt(t.id)) {
      throw new TokenizerError(file, `malformed added token ${JSON.stringify(t)}`);
    }
  }
}
