import { fsp, path, platform } from '../platform/index.js';
import { DataError } from '../errors.js';
import type { HubOptions } from '../io/hub-options.js';
import { readPairsFile, readPairsFiles, SUPPORTED_EXTENSIONS } from './read.js';
import type { PairDataset, ReadPairsOptions } from './types.js';

export type LoadPairsOptions = ReadPairsOptions & { hub?: HubOptions };

/** `org/name` or `org/name:split`, as on huggingface.co/datasets. */
const HUB_ID = /^([\w.-]+\/[\w.-]+)(?::(\w+))?$/;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Does a repo path belong to `split`? The split must be a whole token of the path
 * (data/train-00000-of-00001.parquet, default/train/0000.parquet), so "train" does not pick up "pretrain".
 */
export function isSplitFile(file: string, split: string): boolean {
  return file.toLowerCase().endsWith('.parquet') && new RegExp(`(^|[/_.-])${escapeRegExp(split)}([/_.-]|$)`).test(file);
}

/** The parquet files of one split of a hub dataset, downloaded (or found in the cache) in name order. */
async function hubSplitFiles(repoId: string, split: string, hub: HubOptions | undefined): Promise<string[]> {
  const hubOpts: HubOptions = { ...hub, repoType: 'dataset' };
  const hubApi = platform().hub;
  const all = await hubApi.listFiles(repoId, hubOpts);
  const files = all.filter((f) => isSplitFile(f, split)).sort();
  if (files.length === 0) {
    const parquet = all.filter((f) => f.toLowerCase().endsWith('.parquet'));
    throw new DataError(`${repoId}:${split}`, `no parquet files for split "${split}" in dataset ${repoId}; parquet files: ${parquet.length ? parquet.join(', ') : '(none)'}`);
  }
  const local: string[] = [];
  for (const f of files) local.push(await hubApi.downloadFile(repoId, f, hubOpts));
  return local;
}

/** Where a dataset spec's rows live: one local file, or the downloaded shards of a hub split. */
export type DataLocation = { kind: 'file'; file: string } | { kind: 'hub'; files: string[]; source: string };

/**
 * A dataset spec: a local file path, or a hub dataset id with optional split `org/name[:split]` (default
 * split train). An existing path always wins, so a local folder named like a repo is never fetched.
 */
export async function locateData(spec: string, hub?: HubOptions): Promise<DataLocation> {
  const stat = await fsp.stat(spec).catch(() => null);
  if (stat?.isDirectory()) {
    throw new DataError(spec, 'is a directory; pass a data file, or use loadStsbFromDir for a folder of splits');
  }
  if (stat) return { kind: 'file', file: spec };
  const m = HUB_ID.exec(spec);
  // "data/train.tsv" also matches the id pattern; a missing file with a data extension is a typo, not a repo.
  const looksLikeFile = SUPPORTED_EXTENSIONS.includes(path.extname(spec).toLowerCase());
  if (m && !looksLikeFile) {
    const split = m[2] ?? 'train';
    return { kind: 'hub', files: await hubSplitFiles(m[1]!, split, hub), source: `${m[1]!}:${split}` };
  }
  throw new DataError(spec, `file not found (and not a hub dataset id of the form org/name[:split])`);
}

/** Labelled pairs from a dataset spec (see locateData): a local file, or a hub dataset `org/name[:split]`. */
export async function loadPairs(spec: string, opts: LoadPairsOptions = {}): Promise<PairDataset> {
  const { hub, ...readOpts } = opts;
  const where = await locateData(spec, hub);
  return where.kind === 'file' ? readPairsFile(where.file, readOpts) : readPairsFiles(where.files, readOpts, where.source);
}
