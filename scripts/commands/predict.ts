import { createReadStream, promises as fsp } from 'node:fs';
import * as readline from 'node:readline';
import { CrossEncoder, type Pair } from '../../lib/cross-encoder.js';
import { DataError, UsageError } from '../../lib/errors.js';
import { intFlag, threadsFlag } from './flags.js';

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

async function readLines(input: string | undefined): Promise<string[]> {
  const stream = input ? createReadStream(input, 'utf-8') : process.stdin;
  const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
  const lines: string[] = [];
  for await (const l of rl) lines.push(l);
  return lines;
}

export async function predictCommand(v: Record<string, string | boolean | undefined>): Promise<void> {
  const model = v.model;
  if (typeof model !== 'string') throw new UsageError(`--model is required\n${PREDICT_HELP}`);
  const input = typeof v.input === 'string' ? v.input : undefined;
  if (input) await fsp.access(input).catch(() => Promise.reject(new DataError(input, 'file not found')));
  const lines = await readLines(input);
  const firstData = lines.find((l) => l.trim() !== '') ?? '';
  const format = input?.endsWith('.tsv') ? 'tsv' : input?.match(/\.jsonl?$/) ? 'jsonl' : firstData.trimStart().startsWith('{') ? 'jsonl' : 'tsv';
  const pairs = parsePairs(lines, input ?? '<stdin>', format);
  const threads = threadsFlag(v) ?? 'auto';
  const act = v.activation;
  if (act !== undefined && act !== 'sigmoid' && act !== 'none' && act !== 'identity' && act !== 'softmax') throw new UsageError(`--activation must be sigmoid or none, got ${String(act)}`);
  const ce = await CrossEncoder.fromPretrained(model, { maxLength: intFlag(v, 'max-length'), revision: typeof v.revision === 'string' ? v.revision : undefined });
  try {
    const activation = act === undefined ? undefined : act === 'none' ? 'identity' : act;
    const scores = await ce.predict(pairs, { batchSize: intFlag(v, 'batch-size') ?? 32, activation, threads });
    process.stdout.write(scores.map((score) => JSON.stringify({ score })).join('\n') + (scores.length ? '\n' : ''));
  } finally {
    ce.dispose();
  }
}
