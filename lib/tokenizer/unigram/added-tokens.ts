/**
 * Added tokens (<s>, </s>, <mask>, ...) split out of a text before the model sees it, as Rust tokenizers'
 * AddedVocabulary does: tokens with normalized=false are found in the raw text, those with normalized=true in the
 * normalized text of what is left; leftmost-longest matches; single_word, lstrip and rstrip as Rust applies them.
 */
import { TokenizerError } from '../../errors.js';
import { isJsonObject } from '../tokenizer-json.js';

export interface AddedToken {
  id: number;
  content: string;
  singleWord: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
}

/** A stretch of text: an added token's id, or text still to tokenize. */
export type Segment = { id: number; text: string; start: number } | { id: null; text: string; start: number };

/** Rust regex \w (Unicode): alphabetic, marks, decimal digits, connector punctuation, join controls. */
const WORD_CHAR = /[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]/u;
const WS = /\p{White_Space}/u;

export function parseAddedTokens(list: unknown, file: string): AddedToken[] {
  if (!Array.isArray(list)) throw new TokenizerError(file, '"added_tokens" must be an array');
  return list.map((t) => {
    if (!isJsonObject(t) || typeof t.content !== 'string' || typeof t.id !== 'number') throw new TokenizerError(file, `malformed added token ${JSON.stringify(t)}`);
    return {
      id: t.id,
      content: t.content,
      singleWord: t.single_word === true,
      lstrip: t.lstrip === true,
      rstrip: t.rstrip === true,
      // Rust's AddedToken default is normalized = !special; tokenizer.json files always write it.
      normalized: typeof t.normalized === 'boolean' ? t.normalized : t.special !== true,
    };
  });
}

export class AddedTokenMatcher {
  private readonly tokens: AddedToken[];

  /** `normalize` turns a token's content into the form searched for in normalized text. */
  constructor(tokens: readonly AddedToken[], which: 'raw' | 'normalized', normalize: (s: string) => string) {
    this.tokens = tokens
      .filter((t) => t.content !== '' && t.normalized === (which === 'normalized'))
      .map((t) => (which === 'normalized' ? { ...t, content: normalize(t.content) } : t))
      .filter((t) => t.content !== '');
  }

  get empty(): boolean {
    return this.tokens.length === 0;
  }

  /** The longest token starting at `i` (ties: the one listed first). */
  private longestAt(text: string, i: number): AddedToken | undefined {
    let best: AddedToken | undefined;
    for (const t of this.tokens) if ((!best || t.content.length > best.content.length) && text.startsWith(t.content, i)) best = t;
    return best;
  }

  /** Splits `text` (starting at original offset `start`) into added tokens and the text between them. */
  split(text: string, start: number): Segment[] {
    if (this.tokens.length === 0 || text === '') return [{ id: null, text, start }];
    const out: Segment[] = [];
    let done = 0; // end of the previous accepted match (Rust's start_offset)
    let i = 0;
    while (i < text.length) {
      const t = this.longestAt(text, i);
      if (!t) {
        i += 1;
        continue;
      }
      let s = i;
      let e = i + t.content.length;
      i = e; // a discarded match still consumes its text, as the Aho-Corasick iterator does
      if (t.singleWord) {
        const before = s === 0 || !WORD_CHAR.test(lastChar(text.slice(0, s)));
        const after = e === text.length || !WORD_CHAR.test(firstChar(text.slice(e)));
        if (!before || !after) continue;
      }
      if (t.lstrip) {
        let ns = s;
        while (ns > 0 && WS.test(lastChar(text.slice(0, ns)))) ns -= lastChar(text.slice(0, ns)).length;
        s = Math.max(ns, done);
      }
      if (t.rstrip) {
        // The search goes on from the match's own end, as Rust's does.
        while (e < text.length && WS.test(firstChar(text.slice(e)))) e += firstChar(text.slice(e)).length;
      }
      if (done < s) out.push({ id: null, text: text.slice(done, s), start: start + done });
      out.push({ id: t.id, text: text.slice(s, e), start: start + s });
      done = e;
    }
    if (done < text.length) out.push({ id: null, text: text.slice(done), start: start + done });
    return out;
  }
}

function lastChar(s: string): string {
  const cp = s.codePointAt(s.length - 1);
  if (cp === undefined) return '';
  // A low surrogate at the end: take its pair.
  if (cp >= 0xdc00 && cp <= 0xdfff && s.length >= 2) return s.slice(-2);
  return s.slice(-1);
}

function firstChar(s: string): string {
  const cp = s.codePointAt(0);
  return cp === undefined ? '' : String.fromCodePoint(cp);
}
