import { DataError } from '../../errors.js';

/** Strict UTF-8: a mis-encoded file fails loudly here instead of training on U+FFFD. A BOM is dropped. */
export function decodeUtf8(file: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DataError(file, 'is not valid UTF-8 text');
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
