/**
 * `encode` and `similarity`: the bi-encoder (SentenceTransformer) side of the command line. encode writes one
 * {"embedding": [...]} line per input text; similarity reads pairs as predict does and writes one {"score": x} line
 * per pair, scored with the model's similarity function.
 */
import { DataError, UsageError } from '../../lib/errors.js';
import { SentenceTransformer } from '../../lib/sentence-transformer/model.js';
import { log } from '../../lib/util/log.js';
import { intFlag, strFlag, threadsFlag, type Flags } from './flags.js';
import { decodeLines, parsePairs, readInput } from './predict.js';

export const ENCODE_HELP = `cross-encoder encode --model <id|dir> [--input sentences.jsonl|sentences.txt] [--normalize] [--batch-size N] [--revision REV]
  Reads texts as JSON lines {"text": ...} or plain text (one per line) from --input or stdin, and writes one JSON
  line {"embedding": [...]} per text, in input order, with a sentence-transformers model (bi-encoder).`;

export const SIMILARITY_HELP = `cross-encoder similarity --model <id|dir> [--input pairs.jsonl|pairs.tsv] [--batch-size N] [--revision REV]
  Reads pairs as predict does and writes one JSON line {"score": x} per pair: the bi-encoder's similarity of the
  two texts' embeddings (the model's similarity_fn_name: cosine unless it says otherwise).`;

/** Texts of JSON lines ({"text": ...}) or plain lines; a bad or empty line is an error naming it, trailing blanks ignored. */
export function parseTexts(lines: string[], source: string, format: 'jsonl' | 'txt'): string[] {
  const last = lines.reduce((k, l, i) => (l.trim() !== '' ? i : k), -1);
  return lines.slice(0, last + 1).map((line, i) => {
    if (format === 'txt') return line;
    if (line.trim() === '') throw new DataError(source, 'empty line', i + 1);
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch (e) {
      throw new DataError(source, `not valid JSON (${(e as Error).message})`, i + 1);
    }
    const text = (o ?? {}) as { text?: unknown };
    if (typeof text.text !== 'string') throw new DataError(source, 'needs a string field "text"', i + 1);
    return text.text;
  });
}

async function load(v: Flags, help: string): Promise<SentenceTransformer> {
  const model = strFlag(v, 'model');
  if (!model) throw new UsageError(`--model is required\n${help}`);
  return SentenceTransformer.fromPretrained(model, { revision: strFlag(v, 'revision') });
}

export async function encodeCommand(v: Flags): Promise<void> {
  const input = strFlag(v, 'input');
  const batchSize = intFlag(v, 'batch-size') ?? 32;
  const threads = threadsFlag(v) ?? 'auto';
  const source = input ?? '<stdin>';
  const lines = decodeLines(await readInput(input), source);
  const first = lines.find((l) => l.trim() !== '') ?? '';
  const format = input?.endsWith('.txt') ? 'txt' : input?.match(/\.jsonl?$/) ? 'jsonl' : first.trimStart().startsWith('{') ? 'jsonl' : 'txt';
  const texts = parseTexts(lines, source, format);
  if (texts.length === 0) {
    log.warn(`${source}: read 0 texts (the input is empty); nothing to encode`);
    return;
  }
  const st = await load(v, ENCODE_HELP);
  try {
    const rows = await st.encode(texts, { batchSize, normalize: v.normalize === true, threads });
    process.stdout.write(rows.map((r) => JSON.stringify({ embedding: Array.from(r) })).join('\n') + '\n');
  } finally {
    st.dispose();
  }
}

export async function similarityCommand(v: Flags): Promise<void> {
  const input = strFlag(v, 'input');
  const batchSize = intFlag(v, 'batch-size') ?? 32;
  const threads = threadsFlag(v) ?? 'auto';
  const source = input ?? '<stdin>';
  const lines = decodeLines(await readInput(input), source);
  const first = lines.find((l) => l.trim() !== '') ?? '';
  const format = input?.endsWith('.tsv') ? 'tsv' : input?.match(/\.jsonl?$/) ? 'jsonl' : first.trimStart().startsWith('{') ? 'jsonl' : 'tsv';
  const pairs = parsePairs(lines, source, format);
  if (pairs.length === 0) {
    log.warn(`${source}: read 0 pairs (the input is empty); nothing to score`);
    return;
  }
  const st = await load(v, SIMILARITY_HELP);
  try {
    // Both sides in one call: every distinct text is embedded in length-sorted batches.
    const emb = await st.encode([...pairs.map((p) => p[0]), ...pairs.map((p) => p[1])], { batchSize, threads });
    const scores = st.similarityPairwise(emb.slice(0, pairs.length), emb.slice(pairs.length));
    process.stdout.write(scores.map((score) => JSON.stringify({ score })).join('\n') + '\n');
  } finally {
    st.dispose();
  }
}
