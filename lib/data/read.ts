import { fsp, path } from '../platform/index.js';
import { DataError } from '../errors.js';
import { collectPairs, MAX_SKIPPED_REASONS } from './collect.js';
import { parseCsv } from './formats/csv.js';
import { parseJsonl } from './formats/jsonl.js';
import { parseParquet } from './formats/parquet.js';
import { parseTsv } from './formats/tsv.js';
import { resolveReadOptions } from './options.js';
import type { RawTable } from './raw.js';
import type { PairDataset, ReadPairsOptions } from './types.js';

type FormatReader = (file: string, bytes: Uint8Array) => RawTable;

const READERS: Readonly<Record<string, FormatReader>> = {
  '.tsv': parseTsv,
  '.csv': parseCsv,
  '.jsonl': parseJsonl,
  '.parquet': parseParquet,
};

export const SUPPORTED_EXTENSIONS: readonly string[] = Object.keys(READERS);

async function readBytes(file: string): Promise<Uint8Array> {
  try {
    const buf = await fsp.readFile(file);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(file, 'file not found');
    if (code === 'EISDIR') throw new DataError(file, 'is a directory, not a data file');
    throw new DataError(file, `cannot read file: ${(e as Error).message}`);
  }
}

/** A local .tsv, .csv, .jsonl or .parquet file as the format readers see it: column names and untyped rows. */
export async function readTable(file: string): Promise<RawTable> {
  const ext = path.extname(file).toLowerCase();
  const reader = READERS[ext];
  if (!reader) {
    throw new DataError(file, `unsupported file type "${ext || '(no extension)'}"; supported: ${SUPPORTED_EXTENSIONS.join(', ')}`);
  }
  return reader(file, await readBytes(file));
}

/** Read sentence pairs with a score from a local .tsv, .csv, .jsonl or .parquet file, validating every row. */
export async function readPairsFile(file: string, opts?: ReadPairsOptions): Promise<PairDataset> {
  const resolved = resolveReadOptions(opts);
  return collectPairs(file, await readTable(file), resolved);
}

/**
 * Read several files as one dataset (parquet shards of one split), in order. `limit` applies to the total,
 * skip counts add up, and row numbers in errors stay per file.
 */
export async function readPairsFiles(files: readonly string[], opts: ReadPairsOptions | undefined, source: string): Promise<PairDataset> {
  const limit = resolveReadOptions(opts).limit;
  const out: PairDataset = { examples: [], skipped: 0, skippedReasons: [], source };
  for (const file of files) {
    const left = limit - out.examples.length;
    if (left <= 0) break;
    const part = await readPairsFile(file, { ...opts, limit: left === Infinity ? undefined : left });
    // A loop, not push(...spread): spreading a shard of a million rows overflows the call stack.
    for (const ex of part.examples) out.examples.push(ex);
    out.skipped += part.skipped;
    for (const r of part.skippedReasons) if (out.skippedReasons.length < MAX_SKIPPED_REASONS) out.skippedReasons.push(r);
  }
  return out;
}
