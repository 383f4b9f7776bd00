import { fsp, path } from '../platform/index.js';
import { DataError } from '../errors.js';
import { readPairsFiles, SUPPORTED_EXTENSIONS } from './read.js';
import type { PairDataset, ReadPairsOptions } from './types.js';

export type StsbSplit = 'train' | 'validation' | 'test';

/** File base names each split may have: ours/HF's, sentence-transformers' sts-*.csv, and "dev" for validation. */
const SPLIT_NAMES: Readonly<Record<StsbSplit, readonly string[]>> = {
  train: ['train', 'sts-train'],
  validation: ['validation', 'dev', 'sts-dev', 'sts-validation'],
  test: ['test', 'sts-test'],
};

/** HF hub parquet shards, e.g. train-00000-of-00001.parquet. */
const SHARD = /^(.+)-\d{5}-of-\d{5}\.parquet$/;

function escapeList(names: readonly string[]): string {
  return names.map((n) => JSON.stringify(n)).join(', ');
}

/**
 * Find the file(s) for one split in `dir`. One plain file (train.tsv), or the parquet shards of one name.
 * Two candidates (say train.tsv and train.parquet) are an error rather than a silent pick.
 */
export async function findStsbSplitFiles(dir: string, split: StsbSplit): Promise<string[]> {
  let entries: string[];
  try {
    entries = (await fsp.readdir(dir)).sort();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(dir, code === 'ENOENT' ? 'directory not found' : `cannot list directory: ${(e as Error).message}`);
  }
  const names = SPLIT_NAMES[split];
  const plain = entries.filter((f) => {
    const ext = path.extname(f).toLowerCase();
    return SUPPORTED_EXTENSIONS.includes(ext) && names.includes(f.slice(0, -ext.length));
  });
  const shards = entries.filter((f) => names.includes(SHARD.exec(f)?.[1] ?? ''));
  const shardNames = new Set(shards.map((f) => SHARD.exec(f)?.[1]));
  const groups = plain.length + (shards.length ? shardNames.size : 0);
  if (groups === 0) {
    const expected = names.flatMap((n) => SUPPORTED_EXTENSIONS.map((e) => n + e));
    throw new DataError(dir, `no ${split} split: expected one of ${escapeList(expected)} (or ${names[0]}-00000-of-0000N.parquet shards); found: ${entries.length ? escapeList(entries) : '(empty directory)'}`);
  }
  if (groups > 1) {
    throw new DataError(dir, `more than one file for the ${split} split: ${escapeList([...plain, ...shards])}; keep one, or read it with readPairsFile`);
  }
  return (plain.length ? plain : shards).map((f) => path.join(dir, f));
}

/** STSb splits from a folder holding train/validation/test files (.tsv, .csv, .jsonl or .parquet). */
export async function loadStsbFromDir(dir: string, split: StsbSplit, opts?: ReadPairsOptions): Promise<PairDataset> {
  if (!Object.hasOwn(SPLIT_NAMES, split)) {
    throw new DataError(dir, `unknown split ${JSON.stringify(split)}; expected train, validation or test`);
  }
  const files = await findStsbSplitFiles(dir, split);
  return readPairsFiles(files, opts, files.length === 1 ? files[0]! : `${dir} (${split})`);
}
