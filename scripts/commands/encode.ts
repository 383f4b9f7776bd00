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

/**
 * The shared shape of both commands: read the input (JSON lines, or `plain` when the file extension or the first line
 * says so), parse it, warn and stop on an empty input, else run `body` with the loaded model and write its lines.
 */
async function runWithInput<T>(v: Flags, o: { plain: 'txt' | 'tsv'; what: string; verb: string; help: string; parse: (lines: string[], source: string, format: 'jsonl' | 'txt' | 'tsv') => T[]; body: (st: SentenceTransformer, items: T[], batch: { batchSize: number; threads: number | 'auto' }) => Promise<string[]> }): Promise<void> {
  const input = strFlag(v, 'input');
  const batch = { batchSize: intFlag(v, 'batch-size') ?? 32, threads: threadsFlag(v) ?? 'auto' };
  const source = input ?? '<stdin>';
  const lines = decodeLines(await readInput(input), source);
  const first = lines.find((l) => l.trim() !== '') ?? '';
  const format = input?.endsWith(`.${o.plain}`) ? o.plain : input?.match(/\.jsonl?$/) ? 'jsonl' : first.trimStart().startsWith('{') ? 'jsonl' : o.plain;
  const items = o.parse(lines, source, format);
  if (items.length === 0) {
    log.warn(`${source}: read 0 ${o.what} (the input is empty); nothing to ${o.verb}`);
    return;
  }
  const st = await load(v, o.help);
  try {
    process.stdout.write((await o.body(st, items, batch)).join('\n') + '\n');
  } finally {
    st.dispose();
  }
}

export function encodeCommand(v: Flags): Promise<void> {
  return runWithInput(v, {
    plain: 'txt',
    what: 'texts',
    verb: 'encode',
    help: ENCODE_HELP,
    parse: (lines, source, format) => parseTexts(lines, source, format === 'jsonl' ? 'jsonl' : 'txt'),
    body: async (st, texts, batch) => {
      const rows = await st.encode(texts, { ...batch, normalize: v.normalize === true });
      return rows.map((r) => JSON.stringify({ embedding: Array.from(r) }));
    },
  });
}

export function similarityCommand(v: Flags): Promise<void> {
  return runWithInput(v, {
    plain: 'tsv',
    what: 'pairs',
    verb: 'score',
    help: SIMILARITY_HELP,
    parse: (lines, source, format) => parsePairs(lines, source, format === 'jsonl' ? 'jsonl' : 'tsv'),
    body: async (st, pairs, batch) => {
      // Both sides in one call: every distinct text is embedded in length-sorted batches.
      const emb = await st.encode([...pairs.map((p) => p[0]), ...pairs.map((p) => p[1])], batch);
      return st.similarityPairwise(emb.slice(0, pairs.length), emb.slice(pairs.length)).map((score) => JSON.stringify({ score }));
    },
  });
}
