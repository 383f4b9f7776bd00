/**
 * The `Precompiled` normalizer of SentencePiece tokenizer.json files (XLM-R, bge-reranker, mBART, ...), as HF's Rust
 * tokenizers runs it (crate spm_precompiled, and tokenizers/src/normalizers/precompiled.rs).
 *
 * `precompiled_charsmap` is SentencePiece's compiled normalization rule (e.g. nmt_nfkc): a little-endian u32 byte
 * length of a Darts double-array trie, the trie's u32 units, then a blob of NUL-terminated UTF-8 replacement strings.
 * A trie key is the UTF-8 of a text piece; its value is the offset of the piece's replacement in the blob.
 *
 * @huggingface/tokenizers (JS) ignores the charsmap and approximates nmt_nfkc with regexes, which gives other ids on
 * control characters, full-width forms and more; this reads the map itself.
 */
import { TokenizerError } from '../../errors.js';

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** One Darts double-array trie, read as spm_precompiled's `DoubleArray` reads it. */
class DoubleArray {
  constructor(private readonly units: Uint32Array) {}

  private static hasLeaf(u: number): boolean {
    return ((u >>> 8) & 1) === 1;
  }
  private static value(u: number): number {
    return u & 0x7fffffff;
  }
  private static label(u: number): number {
    return (u & 0x800000ff) >>> 0;
  }
  private static offset(u: number): number {
    return (u >>> 10) << ((u & (1 << 9)) >>> 6);
  }

  /** Values of every key that is a prefix of `key`, shortest first; a NUL byte ends the key. */
  commonPrefixSearch(key: Uint8Array): number[] {
    const results: number[] = [];
    const a = this.units;
    let pos = 0;
    let unit = a[pos]!;
    pos ^= DoubleArray.offset(unit);
    for (const c of key) {
      if (c === 0) break;
      pos ^= c;
      unit = a[pos] ?? 0;
      if (DoubleArray.label(unit) !== c) return results;
      pos ^= DoubleArray.offset(unit);
      if (DoubleArray.hasLeaf(unit)) results.push(DoubleArray.value(a[pos] ?? 0));
    }
    return results;
  }
}

export class PrecompiledCharsmap {
  private readonly trie: DoubleArray;
  private readonly blob: Uint8Array;
  private readonly decoded = new Map<number, string>();
  /** transform() per chunk; text repeats the same few graphemes, and a trie walk per grapheme is the slow part. */
  private readonly memo = new Map<string, string | null>();

  constructor(charsmap: Uint8Array, file: string) {
    if (charsmap.length < 4) throw new TokenizerError(file, 'precompiled_charsmap is too short');
    const view = new DataView(charsmap.buffer, charsmap.byteOffset, charsmap.byteLength);
    const trieBytes = view.getUint32(0, true);
    const n = Math.floor(trieBytes / 4);
    if (4 + n * 4 > charsmap.length) throw new TokenizerError(file, 'precompiled_charsmap trie is longer than the map');
    const units = new Uint32Array(n);
    for (let i = 0; i < n; i++) units[i] = view.getUint32(4 + i * 4, true);
    this.trie = new DoubleArray(units);
    this.blob = charsmap.subarray(4 + n * 4);
    try {
      utf8Decoder.decode(this.blob); // Rust refuses a map whose strings are not UTF-8.
    } catch {
      throw new TokenizerError(file, 'precompiled_charsmap replacement strings are not valid UTF-8');
    }
  }

  static fromBase64(b64: string, file: string): PrecompiledCharsmap {
    let bytes: Uint8Array;
    try {
      // atob, not Buffer: this file also runs in the browser build.
      bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    } catch {
      throw new TokenizerError(file, 'precompiled_charsmap is not valid base64');
    }
    return new PrecompiledCharsmap(bytes, file);
  }

  /**
   * The replacement of `chunk`, or undefined if it has none. Like spm_precompiled, the replacement of the shortest
   * key that is a prefix of the chunk stands for the whole chunk.
   */
  private transform(chunk: string): string | undefined {
    let m = this.memo.get(chunk);
    if (m === undefined) {
      m = this.lookup(chunk) ?? null;
      if (this.memo.size > 50_000) this.memo.clear();
      this.memo.set(chunk, m);
    }
    return m ?? undefined;
  }

  private lookup(chunk: string): string | undefined {
    const hits = this.trie.commonPrefixSearch(utf8.encode(chunk));
    if (hits.length === 0) return undefined;
    const start = hits[0]!;
    let out = this.decoded.get(start);
    if (out === undefined) {
      let end = start;
      while (end < this.blob.length && this.blob[end] !== 0) end++;
      out = utf8Decoder.decode(this.blob.subarray(start, end));
      this.decoded.set(start, out);
    }
    return out;
  }

  /**
   * Rust's order: per extended grapheme cluster, the whole cluster when it is under 6 UTF-8 bytes and has a
   * replacement; otherwise each character on its own. (spm_precompiled notes this is how SentencePiece behaves and
   * what matches XLM-R, mBART and Marian ids, odd as it is.)
   */
  normalize(text: string): string {
    let out = '';
    for (const segment of graphemeClusters(text)) {
      if (utf8ByteLength(segment) < 6) {
        const whole = this.transform(segment);
        if (whole !== undefined) {
          out += whole;
          continue;
        }
      }
      for (const ch of segment) out += this.transform(ch) ?? ch;
    }
    return out;
  }
}

const ASCII = /^[\x00-\x7f]*$/;

/**
 * Extended grapheme clusters (what Rust's unicode-segmentation `graphemes(true)` yields). In ASCII-only text every
 * character is its own cluster except CR LF (rules GB3-GB5, GB9 needs a non-ASCII mark), so that common case skips
 * Intl.Segmenter, which is most of the time otherwise.
 */
function* graphemeClusters(text: string): Generator<string> {
  if (!ASCII.test(text)) {
    for (const { segment } of graphemes.segment(text)) yield segment;
    return;
  }
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\r' && text[i + 1] === '\n') {
      yield '\r\n';
      i++;
    } else {
      yield text[i]!;
    }
  }
}

function utf8ByteLength(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}
