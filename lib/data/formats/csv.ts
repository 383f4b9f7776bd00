import { DataError } from '../../errors.js';
import type { RawRow, RawTable } from '../raw.js';
import { decodeUtf8 } from './text.js';

interface CsvRecord {
  fields: string[];
  /** 1-based line the record starts on; quoted newlines make records span lines. */
  line: number;
  blank: boolean;
  error?: string;
}

/**
 * RFC 4180 records: quoted fields, "" for a quote, newlines (and CRLF) inside quotes kept as they are.
 * A bare quote inside an unquoted field is kept as a literal character, as Python's csv module does.
 * An unterminated quote throws instead of yielding a row: it swallows the rest of the file, so skipping
 * that "row" would silently drop everything after it.
 */
function* csvRecords(file: string, text: string): Generator<CsvRecord> {
  const n = text.length;
  let i = 0;
  let line = 1;
  for (let index = 0; i < n; index++) {
    const start = line;
    const blank = text[i] === '\n' || (text[i] === '\r' && text[i + 1] === '\n');
    const fields: string[] = [];
    let error: string | undefined;
    for (;;) {
      let value = '';
      if (text[i] === '"') {
        let j = i + 1;
        const openLine = line;
        for (;;) {
          const q = text.indexOf('"', j);
          if (q < 0) {
            const where = index === 0 ? ' in the header' : '';
            throw new DataError(file, `unterminated quoted field${where} (opened on line ${openLine})`, index === 0 ? undefined : index);
          }
          const chunk = text.slice(j, q);
          value += chunk;
          line += chunk.split('\n').length - 1;
          if (text[q + 1] === '"') {
            value += '"';
            j = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        const c = text[i];
        if (i < n && c !== ',' && c !== '\n' && !(c === '\r' && text[i + 1] === '\n')) {
          error ??= `unexpected ${JSON.stringify(c)} after the closing quote of field ${fields.length + 1} (a quote inside a quoted field must be doubled: "")`;
          // Resynchronise at the end of this physical line so the following records still parse.
          const eol = text.indexOf('\n', i);
          i = eol < 0 ? n : eol;
        }
      } else {
        let j = i;
        while (j < n && text[j] !== ',' && text[j] !== '\n') j++;
        value = text.slice(i, text[j] === '\n' && text[j - 1] === '\r' && j > i ? j - 1 : j);
        i = j;
      }
      fields.push(value);
      if (i >= n) break;
      if (text[i] === ',') {
        i++;
        continue;
      }
      i += text[i] === '\r' ? 2 : 1; // past \n or \r\n
      line++;
      break;
    }
    yield error === undefined ? { fields, line: start, blank } : { fields, line: start, blank, error };
  }
}

export function parseCsv(file: string, bytes: Uint8Array): RawTable {
  // Trailing newlines end the last record; they are not empty records.
  const text = decodeUtf8(file, bytes).replace(/(?:\r?\n)+$/, '');
  if (text === '') throw new DataError(file, 'file is empty');
  const records = csvRecords(file, text);
  const first = records.next();
  if (first.done) throw new DataError(file, 'file is empty');
  const head = first.value;
  if (head.error) throw new DataError(file, `header: ${head.error}`);
  const header = head.fields;
  const tabbed = header.length === 1 && header[0]!.includes('\t');
  return {
    columns: header,
    textual: true,
    headerHint: tabbed ? '; the header contains tabs: if the file is tab-separated, name it .tsv' : '',
    *readRows(): Iterable<RawRow> {
      let row = 0;
      for (const rec of records) {
        row++;
        if (rec.error) {
          yield { row, line: rec.line, error: rec.error };
        } else if (rec.fields.length !== header.length) {
          const blank = rec.blank ? ' (blank line)' : '';
          const error = `expected ${header.length} comma-separated fields (${header.join(', ')}), found ${rec.fields.length}${blank}`;
          yield { row, line: rec.line, error };
        } else {
          yield { row, line: rec.line, values: Object.fromEntries(header.map((h, k) => [h, rec.fields[k]])) };
        }
      }
    },
  };
}
