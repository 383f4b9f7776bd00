import { DataError } from '../../errors.js';

/** Where the first byte that is not UTF-8 sits: its offset and its 1-based line. */
export function firstInvalidUtf8(bytes: Uint8Array): { offset: number; line: number } | undefined {
  let line = 1;
  let i = 0;
  const cont = (k: number) => k < bytes.length && (bytes[k] & 0xc0) === 0x80;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b === 0x0a) line++;
    let n: number;
    if (b < 0x80) n = 0;
    else if (b >= 0xc2 && b <= 0xdf) n = 1;
    else if (b >= 0xe0 && b <= 0xef) n = 2;
    else if (b >= 0xf0 && b <= 0xf4) n = 3;
    else return { offset: i, line };
    for (let k = 1; k <= n; k++) if (!cont(i + k)) return { offset: i, line };
    // Overlong forms, surrogates and code points past U+10FFFF, as the WHATWG decoder refuses them.
    const b1 = bytes[i + 1];
    if ((b === 0xe0 && b1 < 0xa0) || (b === 0xed && b1 > 0x9f) || (b === 0xf0 && b1 < 0x90) || (b === 0xf4 && b1 > 0x8f)) return { offset: i, line };
    i += n + 1;
  }
  return undefined;
}

/** Strict UTF-8: a mis-encoded file fails loudly here, naming the line, instead of training on U+FFFD. A BOM is dropped. */
export function decodeUtf8(file: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    const where = bad ? ` (line ${bad.line}, byte offset ${bad.offset}: 0x${bytes[bad.offset].toString(16).toUpperCase().padStart(2, '0')})` : '';
    throw new DataError(file, `is not valid UTF-8 text${where}; save it as UTF-8`);
  }
}

/**
 * Split text into lines on \n, dropping one \r per line (CRLF files) and the blank lines at the end of the
 * file (a final newline, or a few extra). Blank lines elsewhere are kept: they are rows, and invalid ones.
 * `isBlank` decides what counts as blank at the end.
 */
export function splitLines(text: string, isBlank: (line: string) => boolean = (l) => l === ''): string[] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  while (lines.length > 0 && isBlank(lines[lines.length - 1]!)) lines.pop();
  return lines;
}
