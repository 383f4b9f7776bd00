import { DataError } from '../../errors.js';
import type { RawRow, RawTable } from '../raw.js';
import { describeType } from '../raw.js';
import { decodeUtf8, splitLines } from './text.js';

const isBlank = (l: string): boolean => l.trim() === '';

/** JSON Lines: one object per line. Blank lines are tolerated at the end only; in the middle they are invalid rows. */
export function parseJsonl(file: string, bytes: Uint8Array): RawTable {
  const lines = splitLines(decodeUtf8(file, bytes), isBlank);
  if (lines.length === 0) throw new DataError(file, 'file is empty');
  return {
    columns: null,
    textual: false,
    *readRows(): Iterable<RawRow> {
      for (let i = 0; i < lines.length; i++) {
        const row = i + 1;
        const line = lines[i]!;
        if (isBlank(line)) {
          yield { row, error: 'blank line (allowed only at the end of a JSONL file)' };
          continue;
        }
        let obj: unknown;
        try {
          obj = JSON.parse(line);
        } catch (e) {
          yield { row, error: `invalid JSON: ${(e as Error).message}` };
          continue;
        }
        if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
          yield { row, error: `expected a JSON object, got ${describeType(obj)}` };
          continue;
        }
        yield { row, values: obj as Record<string, unknown> };
      }
    },
  };
}
