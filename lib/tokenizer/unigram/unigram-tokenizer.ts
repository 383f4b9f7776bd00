/**
 * A SentencePiece Unigram tokenizer.json (XLM-R, bge-reranker, multilingual-e5, ...) run in the order of Rust
 * tokenizers' `encode` without special tokens: added tokens out of the raw text, normalize the rest, added tokens
 * out of the normalized text, pre-tokenize, Unigram per pre-token. Special tokens and truncation are PairTokenizer's.
 */
import { TokenizerError } from '../../errors.js';
import { isJsonObject, type Json } from '../tokenizer-json.js';
import { AddedTokenMatcher, parseAddedTokens, type AddedToken } from './added-tokens.js';
import { buildNormalizer, type Normalize } from './normalizers.js';
import { buildPreTokenizer, type Piece, type PreTokenize } from './pre-tokenizers.js';
import { UnigramModel, type UnigramSpec } from './unigram.js';

/** What PairTokenizer needs from a tokenizer: content ids and the vocab. */
export interface ContentTokenizer {
  /** Ids of one text, no special tokens added. */
  encodeIds(text: string): number[];
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
  /** The largest id the tokenizer can produce. */
  maxId(): number;
}

/** Checks and reads the "model" object of a Unigram tokenizer.json. */
export function unigramSpecOf(model: Json, file: string): UnigramSpec {
  if (!Array.isArray(model.vocab)) throw new TokenizerError(file, 'Unigram model has no "vocab" array');
  const vocab = model.vocab.map((entry, i): readonly [string, number] => {
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string' || typeof entry[1] !== 'number' || !Number.isFinite(entry[1])) {
      throw new TokenizerError(file, `Unigram vocab entry ${i} must be [piece, score], got ${JSON.stringify(entry)}`);
    }
    return [entry[0], entry[1]];
  });
  const unk = model.unk_id ?? null;
  if (unk !== null && (typeof unk !== 'number' || !Number.isInteger(unk) || unk < 0)) {
    throw new TokenizerError(file, `Unigram unk_id must be a non-negative integer or null, got ${JSON.stringify(unk)}`);
  }
  if (model.byte_fallback !== undefined && typeof model.byte_fallback !== 'boolean') throw new TokenizerError(file, 'Unigram byte_fallback must be a boolean');
  return { vocab, unkId: unk, byteFallback: model.byte_fallback === true };
}

export class UnigramTokenizer implements ContentTokenizer {
  private readonly model: UnigramModel;
  private readonly normalize: Normalize;
  private readonly preTokenize: PreTokenize;
  private readonly added: AddedToken[];
  private readonly addedIds = new Map<string, number>();
  private readonly rawMatcher: AddedTokenMatcher;
  private readonly normalizedMatcher: AddedTokenMatcher;

  constructor(json: Json, file: string) {
    if (!isJsonObject(json.model)) throw new TokenizerError(file, '"model" is missing or not an object');
    this.model = new UnigramModel(unigramSpecOf(json.model, file), file);
    this.normalize = buildNormalizer(json.normalizer, file);
    this.preTokenize = buildPreTokenizer(json.pre_tokenizer, file);
    this.added = parseAddedTokens(json.added_tokens ?? [], file);
    for (const t of this.added) this.addedIds.set(t.content, t.id);
    this.rawMatcher = new AddedTokenMatcher(this.added, 'raw', this.normalize);
    this.normalizedMatcher = new AddedTokenMatcher(this.added, 'normalized', this.normalize);
  }

  /** Ids of recent texts: a reranker sends one query with many documents, and truncation encodes each text again. */
  private readonly recent = new Map<string, number[]>();

  encodeIds(text: string): number[] {
    let ids = this.recent.get(text);
    if (!ids) {
      ids = this.encodeUncached(text);
      if (this.recent.size >= 4096) this.recent.clear();
      this.recent.set(text, ids);
    }
    return ids.slice();
  }

  private encodeUncached(text: string): number[] {
    const ids: number[] = [];
    for (const raw of this.rawMatcher.split(text, 0)) {
      if (raw.id !== null) {
        ids.push(raw.id);
        continue;
      }
      const normalized = this.normalize(raw.text);
      for (const seg of this.normalizedMatcher.split(normalized, 0)) {
        if (seg.id !== null) {
          ids.push(seg.id);
          continue;
        }
        if (seg.text === '') continue; // Rust drops empty splits
        const pieces: Piece[] = this.preTokenize([{ text: seg.text, atStart: raw.start === 0 && seg.start === 0 }]);
        for (const p of pieces) for (const id of this.model.encode(p.text)) ids.push(id);
      }
    }
    return ids;
  }

  /** Added tokens first, then the model's vocab, as Rust's AddedVocabulary::token_to_id. */
  tokenToId(token: string): number | undefined {
    return this.addedIds.get(token) ?? this.model.tokenToId(token);
  }

  idToToken(id: number): string | undefined {
    const t = this.added.find((a) => a.id === id);
    return t ? t.content : this.model.idToToken(id);
  }

  maxId(): number {
    let max = this.model.size - 1;
    for (const t of this.added) if (t.id > max) max = t.id;
    return max;
  }
}
