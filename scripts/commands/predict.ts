import { promises as fsp } from 'node:fs';
import { CrossEncoder, type Pair } from '../../lib/cross-encoder/model.js';
import { decodeUtf8, firstInvalidUtf8 } from '../../lib/data/formats/text.js';
import { DataError, FileSystemError, UsageError } from '../../lib/errors.js';
import { fsError } from '../../lib/util/fs.js';
import { log } from '../../lib/util/log.js';
import { intFlag, strFlag, threadsFlag, type Flags } from './flags.js';

export const PREDICT_HELP = `cross-encoder predict --model <id|dir> [--input pairs.jsonl|pairs.tsv] [--max-length N] [--batch-size N] [--activation sigmoid|none] [--revision REV]
  [--threads N|auto (default auto: one per core, at most 4; scores do not depend on it)]
  Reads pairs as JSON lines {"sentence1": ..., "sentence2": ...} or 2-column TSV (tab-separated, optional header
  "sentence1<TAB>sentence2") from --input or stdin, and writes one JSON line {"score": x} per pair, in input order.`;

/** Parse pairs; every bad line is an error naming the source and line, nothing is dropped. */
export function parsePairs(lines: string[], source: string, format: 'jsonl' | 'tsv'): Pair[] {
  const pairs: Pair[] = [];
  lines.forEach((line, i) => {
    const n = i + 1;
    if (line.trim() === '') {
      if (lines.slice(i).every((l) => l.trim() === '')) return; // trailing blank lines
      throw new DataError(source, 'empty line', n);
    }
    if (format === 'jsonl') {
      let o: unknown;
      try {
        o = JSON.parse(line);
      } catch (e) {
        throw new DataError(source, `not valid JSON (${(e as Error).message})`, n);
      }
      const { sentence1, sentence2 } = (o ?? {}) as { sentence1?: unknown; sentence2?: unknown };
      if (typeof sentence1 !== 'string' || typeof sentence2 !== 'string') throw new DataError(source, 'needs string fields "sentence1" and "sentence2"', n);
      pairs.push([sentence1, sentence2]);
    } else {
      const f = line.replace(/\r$/, '').split('\t');
      if (i === 0 && f[0] === 'sentence1' && f[1] === 'sentence2') return;
      if (f.length !== 2) throw new DataError(source, `expected 2 tab-separated fields, found ${f.length}`, n);
      pairs.push([f[0], f[1]]);
    }
  });
  return pairs;
}

/** All of --input (or stdin) as bytes: decoding is strict, so a mis-encoded row is named instead of scored as U+FFFD. */
export async function readInput(input: string | undefined): Promise<Uint8Array> {
  if (input) {
    const st = await fsp.stat(input).catch((e: unknown) => Promise.reject(fsError(e, input, 'read')));
    if (st.isDirectory()) throw new FileSystemError(input, 'read', 'EISDIR', 'it is a folder; --input takes a file of pairs (JSON lines or TSV)');
    return new Uint8Array(await fsp.readFile(input).catch((e: unknown) => Promise.reject(fsError(e, input, 'read'))));
  }
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const all = Buffer.concat(chunks);
  return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
}

/** Lines of strictly decoded UTF-8 (a BOM dropped); an invalid byte is a DataError naming its line as the row. */
export function decodeLines(bytes: Uint8Array, source: string): string[] {
  const bad = firstInvalidUtf8(bytes);
  if (bad) throw new DataError(source, `is not valid UTF-8 text (byte 0x${bytes[bad.offset].toString(16).toUpperCase().padStart(2, '0')} at byte offset ${bad.offset}); save it as UTF-8`, bad.line);
  return decodeUtf8(source, bytes).split('\n').map((l) => l.replace(/\r$/, ''));
}

export async function predictCommand(v: Flags): Promise<void> {
  const model = strFlag(v, 'model');
  if (!model) throw new UsageError(`--model is required\n${PREDICT_HELP}`);
  const input = strFlag(v, 'input');
  const threads = threadsFlag(v) ?? 'auto';
  const act = v.activation;
  if (act !== undefined && act !== 'sigmoid' && act !== 'none' && act !== 'identity' && act !== 'softmax') throw new UsageError(`--activation must be sigmoid or none, got ${String(act)}`);
  const batchSize = intFlag(v, 'batch-size') ?? 32;
  const maxLength = intFlag(v, 'max-length');
  const source = input ?? '<stdin>';
  const lines = decodeLines(await readInput(input), source);
  const firstData = lines.find((l) => l.trim() !== '') ?? '';
  const format = input?.endsWith('.tsv') ? 'tsv' : input?.match(/\.jsonl?$/) ? 'jsonl' : firstData.trimStart().startsWith('{') ? 'jsonl' : 'tsv';
  const pairs = parsePairs(lines, source, format);
  if (pairs.length === 0) {
    log.warn(`${source}: read 0 pairs (the input is empty${lines.some((l) => l.trim() !== '') ? ' apart from a header' : ''}); nothing to score`);
    return;
  }
  const ce = await CrossEncoder.fromPretrained(model, { maxLength, revision: strFlag(v, 'revision') });
  try {
    const activation = act === undefined ? undefined : act === 'none' ? 'identity' : act;
    const scores = await ce.predict(pairs, { batchSize, activation, threads });
    process.stdout.write(scores.map((score) => JSON.stringify({ score })).join('\n') + '\n');
  } finally {
    ce.dispose();
  }
}
