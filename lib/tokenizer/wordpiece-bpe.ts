/**
 * WordPiece and BPE tokenizer.json files run by @huggingface/tokenizers (whose ids for these models we check against
 * transformers'), behind the ContentTokenizer interface PairTokenizer uses.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { TokenizerError, UsageError } from '../errors.js';
import { isJsonObject, type Json } from './tokenizer-json.js';
import type { ContentTokenizer } from './unigram/unigram-tokenizer.js';

/** Rust's BertNormalizer ranges for CJK ideographs outside the BMP (see `spaceAstralCjk`). */
function isAstralCjk(cp: number): boolean {
  return (
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/**
 * @huggingface/tokenizers 0.2.0's BertNormalizer walks UTF-16 code units, so it never isolates CJK ideographs outside
 * the BMP (CJK Extension B and later), which Rust does. Putting the spaces in first gives Rust's result: the
 * normalizer keeps spaces as spaces and the pre-tokenizer splits on them, and offsets are not produced here.
 */
function spaceAstralCjk(text: string): string {
  if (!/[\u{20000}-\u{2FA1F}]/u.test(text)) return text;
  let out = '';
  for (const ch of text) out += isAstralCjk(ch.codePointAt(0)!) ? ` ${ch} ` : ch;
  return out;
}

export class WordPieceBpeTokenizer implements ContentTokenizer {
  private readonly tokenizer: Tokenizer;
  private readonly fixAstralCjk: boolean;

  constructor(json: Json, private readonly source: string) {
    try {
      // The library's own config only feeds decoding and legacy (non-tokenizer.json) options; passing the real
      // tokenizer_config could switch on slow-tokenizer options such as remove_space that the fast tokenizer's
      // normalizer already covers.
      this.tokenizer = new Tokenizer(json, {});
    } catch (e) {
      throw new TokenizerError(source, `cannot build the tokenizer: ${(e as Error).message}`);
    }
    const norm = json.normalizer;
    this.fixAstralCjk = isJsonObject(norm) && norm.type === 'BertNormalizer' && norm.handle_chinese_chars !== false;
  }

  encodeIds(text: string): number[] {
    if (typeof text !== 'string') throw new UsageError(`expected a string to tokenize, got ${typeof text}`);
    const ids = this.tokenizer.encode(this.fixAstralCjk ? spaceAstralCjk(text) : text, { add_special_tokens: false }).ids;
    for (const id of ids) {
      // The library maps a token without id to undefined (e.g. a WordPiece unk missing from the vocab).
      if (typeof id !== 'number') throw new TokenizerError(this.source, `a token of ${JSON.stringify(text.slice(0, 50))} has no id`);
    }
    return ids;
  }

  tokenToId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return this.tokenizer.id_to_token(id);
  }

  maxId(): number {
    let max = -1;
    for (const id of this.tokenizer.get_vocab(true).values()) if (id > max) max = id;
    return max;
  }
}
