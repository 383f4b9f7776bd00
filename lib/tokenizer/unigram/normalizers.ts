/**
 * The tokenizer.json normalizers that SentencePiece-converted tokenizers use, with Rust tokenizers' semantics. Offsets
 * are not produced by this library, so a normalizer is just string → string.
 */
import { TokenizerError } from '../../errors.js';
import { isJsonObject } from '../tokenizer-json.js';
import { PrecompiledCharsmap } from './precompiled.js';

export type Normalize = (text: string) => string;

/** Rust's char::is_whitespace is the Unicode White_Space property (not JS's \s, which adds U+FEFF). */
const LEADING_WS = /^\p{White_Space}+/u;
const TRAILING_WS = /\p{White_Space}+$/u;
/** Rust's is_combining_mark (unicode-normalization): general category M. */
const COMBINING = /\p{M}/gu;

export const SUPPORTED_NORMALIZERS = ['Sequence', 'Precompiled', 'Replace', 'Strip', 'StripAccents', 'NFC', 'NFD', 'NFKC', 'NFKD', 'Lowercase', 'Prepend'];

function replacePattern(pattern: unknown, file: string): RegExp {
  if (isJsonObject(pattern) && typeof pattern.String === 'string') {
    return new RegExp(pattern.String.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gu');
  }
  if (isJsonObject(pattern) && typeof pattern.Regex === 'string') {
    // Rust uses Oniguruma here. The converters write plain patterns such as " {2,}", which mean the same in JS; a
    // pattern JS cannot compile is refused rather than guessed.
    try {
      return new RegExp(pattern.Regex, 'gu');
    } catch (e) {
      throw new TokenizerError(file, `Replace normalizer regex ${JSON.stringify(pattern.Regex)} is not supported (${(e as Error).message})`);
    }
  }
  throw new TokenizerError(file, `Replace normalizer pattern must be {"String": ...} or {"Regex": ...}, got ${JSON.stringify(pattern)}`);
}

/** Builds a normalizer from its tokenizer.json object (null: identity). Unknown types are refused, named. */
export function buildNormalizer(spec: unknown, file: string): Normalize {
  if (spec === null || spec === undefined) return (s) => s;
  if (!isJsonObject(spec)) throw new TokenizerError(file, '"normalizer" must be an object or null');
  switch (spec.type) {
    case 'Sequence': {
      if (!Array.isArray(spec.normalizers)) throw new TokenizerError(file, 'Sequence normalizer has no "normalizers" array');
      const steps = spec.normalizers.map((n) => buildNormalizer(n, file));
      return (s) => steps.reduce((acc, f) => f(acc), s);
    }
    case 'Precompiled': {
      const map = spec.precompiled_charsmap;
      // An empty charsmap (some converted models) normalizes nothing, as in Rust.
      if (map === null || map === '' || map === undefined) return (s) => s;
      if (typeof map !== 'string') throw new TokenizerError(file, 'Precompiled normalizer "precompiled_charsmap" must be a base64 string');
      const charsmap = PrecompiledCharsmap.fromBase64(map, file);
      return (s) => charsmap.normalize(s);
    }
    case 'Replace': {
      const re = replacePattern(spec.pattern, file);
      if (typeof spec.content !== 'string') throw new TokenizerError(file, 'Replace normalizer "content" must be a string');
      const content = spec.content;
      return (s) => s.replace(re, () => content);
    }
    case 'Strip': {
      const left = spec.strip_left === true;
      const right = spec.strip_right === true;
      return (s) => {
        let out = s;
        if (left) out = out.replace(LEADING_WS, '');
        if (right) out = out.replace(TRAILING_WS, '');
        return out;
      };
    }
    case 'StripAccents':
      return (s) => s.replace(COMBINING, '');
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD': {
      const form = spec.type;
      return (s) => s.normalize(form);
    }
    case 'Lowercase':
      return (s) => s.toLowerCase();
    case 'Prepend': {
      if (typeof spec.prepend !== 'string') throw new TokenizerError(file, 'Prepend normalizer "prepend" must be a string');
      const p = spec.prepend;
      // Rust prepends only to a non-empty string.
      return (s) => (s === '' ? s : p + s);
    }
    default:
      throw new TokenizerError(file, `unsupported normalizer ${JSON.stringify(spec.type)} for a Unigram tokenizer (supported: ${SUPPORTED_NORMALIZERS.join(', ')})`);
  }
}
