/**
 * Pre-tokenizers of SentencePiece-converted tokenizer.json files, with Rust tokenizers' semantics: Metaspace (spaces
 * become ▁, a ▁ is prepended, and the text is split before each ▁), and WhitespaceSplit.
 */
import { TokenizerError } from '../../errors.js';
import { isJsonObject } from '../tokenizer-json.js';

/** One piece of text to pre-tokenize; `atStart` says it begins at offset 0 of the original text. */
export interface Piece {
  text: string;
  atStart: boolean;
}

export type PreTokenize = (pieces: Piece[]) => Piece[];

export const SUPPORTED_PRE_TOKENIZERS = ['Sequence', 'Metaspace', 'WhitespaceSplit'];

type PrependScheme = 'always' | 'first' | 'never';

/** Rust's Metaspace deserializer: prepend_scheme defaults to always; the legacy add_prefix_space=false means never. */
function prependSchemeOf(spec: Record<string, unknown>, file: string): PrependScheme {
  const raw = spec.prepend_scheme ?? 'always';
  if (raw !== 'always' && raw !== 'first' && raw !== 'never') {
    throw new TokenizerError(file, `Metaspace prepend_scheme ${JSON.stringify(raw)} is not one of always, first, never`);
  }
  if (spec.add_prefix_space === false) {
    if (raw !== 'never' && spec.prepend_scheme !== undefined) throw new TokenizerError(file, 'Metaspace add_prefix_space does not match declared prepend_scheme');
    return 'never';
  }
  return raw;
}

/** Splits before every `delim` (Rust's SplitDelimiterBehavior::MergedWithNext), dropping empty pieces. */
function splitMergedWithNext(text: string, delim: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (const ch of text) {
    if (ch === delim && cur !== '') {
      out.push(cur);
      cur = '';
    }
    cur += ch;
  }
  if (cur !== '') out.push(cur);
  return out;
}

function metaspace(spec: Record<string, unknown>, file: string): PreTokenize {
  const replacement = spec.replacement ?? '\u2581';
  if (typeof replacement !== 'string' || [...replacement].length !== 1) throw new TokenizerError(file, 'Metaspace "replacement" must be one character');
  const scheme = prependSchemeOf(spec, file);
  const split = spec.split !== false;
  return (pieces) => {
    const out: Piece[] = [];
    for (const p of pieces) {
      let t = p.text.split(' ').join(replacement);
      // Rust's NormalizedString::prepend does nothing on an empty string.
      const prepend = scheme === 'always' || (scheme === 'first' && p.atStart);
      if (prepend && t !== '' && !t.startsWith(replacement)) t = replacement + t;
      if (!split) {
        if (t !== '') out.push({ text: t, atStart: p.atStart });
        continue;
      }
      splitMergedWithNext(t, replacement).forEach((s, i) => out.push({ text: s, atStart: p.atStart && i === 0 }));
    }
    return out;
  };
}

const WHITESPACE_RUN = /\p{White_Space}+/u;

export function buildPreTokenizer(spec: unknown, file: string): PreTokenize {
  if (spec === null || spec === undefined) return (pieces) => pieces;
  if (!isJsonObject(spec)) throw new TokenizerError(file, '"pre_tokenizer" must be an object or null');
  switch (spec.type) {
    case 'Sequence': {
      if (!Array.isArray(spec.pretokenizers)) throw new TokenizerError(file, 'Sequence pre_tokenizer has no "pretokenizers" array');
      const steps = spec.pretokenizers.map((p) => buildPreTokenizer(p, file));
      return (pieces) => steps.reduce((acc, f) => f(acc), pieces);
    }
    case 'Metaspace':
      return metaspace(spec, file);
    case 'WhitespaceSplit':
      return (pieces) =>
        pieces.flatMap((p) =>
          p.text
            .split(WHITESPACE_RUN)
            .filter((s) => s !== '')
            .map((s, i) => ({ text: s, atStart: p.atStart && i === 0 && !WHITESPACE_RUN.test(p.text[0] ?? '') })),
        );
    default:
      throw new TokenizerError(file, `unsupported pre_tokenizer ${JSON.stringify(spec.type)} for a Unigram tokenizer (supported: ${SUPPORTED_PRE_TOKENIZERS.join(', ')})`);
  }
}
