import { DataError } from '../../errors.js';
import type { RawRow, RawTable } from '../raw.js';
import { decodeUtf8, splitLines } from './text.js';

/**
 * TSV as the STSb files are written: split on \t only. No quote handling (STSb text has bare `"`) and no
 * trimming (some sentences begin or end with a space, and that is part of the data).
 */
export function parseTsv(file: string, bytes: Uint8Array): RawTable {
  const lines = splitLines(decodeUtf8(file, bytes));
  if (lines.length === 0) throw new DataError(file, 'file is empty');
  const header = lines[0]!.split('\t');
  return {
    columns: header,
    textual: true,
    *readRows(): Iterable<RawRow> {
      for (let row = 1; row < lines.length; row++) {
        const line = lines[row]!;
        const fields = line.split('\t');
        if (fields.length !== header.length) {
          const blank = line === '' ? ' (blank line)' : '';
          yield { row, error: `expected ${header.length} tab-separated fields (${header.join(', ')}), found ${fields.length}${blank}` };
          continue;
        }
        yield { row, values: Object.fromEntries(header.map((h, i) => [h, fields[i]])) };
      }
    },
  };
}
