/**
 * Reading one NanoBEIR dataset (corpus, queries, qrels and bm25 subsets, split Nano{Name}) into reranking samples, as
 * sentence-transformers' CrossEncoderNanoBEIREvaluator._load_dataset does: one sample per bm25 row, its query's text,
 * the texts of every judged document (qrels) as positives, and the first rerankK bm25 candidates as documents.
 *
 * The files are parquet in the layout `datasets.push_to_hub(config_name=subset, split=...)` writes, which the Hub's
 * NanoBEIR repos use: `{subset}/{split}-00000-of-00001.parquet` (more shards: -00001-of-0000N, ...), or a single
 * `{subset}/{split}.parquet`. They come from a Hub dataset repo through the library's Hub client (cached as
 * huggingface_hub caches them) or from a local folder holding the same files.
 */
import { parseParquet } from '../../data/formats/parquet.js';
import { describeType, quoteValue } from '../../data/raw.js';
import { DataError } from '../../errors.js';
import type { HubOptions } from '../../io/hub-options.js';
import { fsp, path, platform } from '../../platform/index.js';
import type { RerankingSample } from './reranking-evaluator.js';

export const NANO_BEIR_SUBSETS = ['corpus', 'queries', 'qrels', 'bm25'] as const;
export type NanoBeirSubset = (typeof NANO_BEIR_SUBSETS)[number];

/** Where the files are: a local folder (when `datasetId` is one) or a Hub dataset repo. */
interface Source {
  label: string;
  /** Repo-relative paths of the files under `subset/`. */
  list(subset: NanoBeirSubset): Promise<string[]>;
  /** A readable path for a repo-relative one (a Hub download lands in the cache). */
  fetch(file: string): Promise<string>;
}

export async function openSource(datasetId: string, hub: HubOptions = {}): Promise<Source> {
  const stat = await fsp.stat(datasetId).catch(() => null);
  if (stat?.isDirectory()) {
    return {
      label: datasetId,
      async list(subset) {
        const names = await fsp.readdir(path.join(datasetId, subset)).catch(() => [] as string[]);
        return names.map((n) => `${subset}/${n}`);
      },
      fetch: (file) => Promise.resolve(path.join(datasetId, ...file.split('/'))),
    };
  }
  const opts: HubOptions = { ...hub, repoType: 'dataset' };
  let listing: Promise<string[]> | undefined;
  return {
    label: datasetId,
    async list(subset) {
      listing ??= platform().hub.listFiles(datasetId, opts);
      return (await listing).filter((f) => f.startsWith(`${subset}/`));
    },
    fetch: (file) => platform().hub.downloadFile(datasetId, file, opts),
  };
}

/** Files of one subset's split, shards in order. */
export function splitFiles(files: readonly string[], subset: string, split: string): string[] {
  const shard = new RegExp(`^${subset}/${split}-(\\d{5})-of-(\\d{5})\\.parquet$`);
  const shards = files.filter((f) => shard.test(f)).sort();
  if (shards.length > 0) return shards;
  return files.filter((f) => f === `${subset}/${split}.parquet`);
}

type Row = Readonly<Record<string, unknown>>;

/** Every row of a subset's split, the wanted columns only, each row numbered from 1 within its file. */
async function readSubset(source: Source, subset: NanoBeirSubset, split: string, columns: readonly string[]): Promise<{ file: string; row: number; values: Row }[]> {
  const listed = await source.list(subset);
  const files = splitFiles(listed, subset, split);
  if (files.length === 0) {
    throw new DataError(`${source.label}`, `no parquet files for subset "${subset}" split "${split}" (expected ${subset}/${split}-00000-of-00001.parquet); files under ${subset}/: ${listed.length ? listed.join(', ') : '(none)'}`);
  }
  const out: { file: string; row: number; values: Row }[] = [];
  for (const f of files) {
    const local = await source.fetch(f);
    const buf = await fsp.readFile(local);
    const table = parseParquet(local, new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
    const missing = columns.filter((c) => !table.columns?.includes(c));
    if (missing.length) throw new DataError(local, `subset "${subset}" split "${split}" is missing required columns ${missing.map((c) => JSON.stringify(c)).join(', ')}; columns: ${(table.columns ?? []).join(', ')}`);
    for (const r of await table.readRows(columns, Infinity)) {
      if ('error' in r) throw new DataError(local, r.error, r.row);
      out.push({ file: local, row: r.row, values: r.values });
    }
  }
  return out;
}

function str(r: { file: string; row: number; values: Row }, column: string): string {
  const v = r.values[column];
  if (typeof v !== 'string') throw new DataError(r.file, `column "${column}" is ${describeType(v)} ${quoteValue(v)}; expected a string`, r.row);
  return v;
}

function strList(r: { file: string; row: number; values: Row }, column: string): string[] {
  const v = r.values[column];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new DataError(r.file, `column "${column}" is ${describeType(v)}; expected a list of strings`, r.row);
  return v as string[];
}

/**
 * The reranking samples of one split. Positives keep the order of their first judgement (ST collects them in a set,
 * whose order Python does not fix); repeated judgements count once.
 */
export async function loadNanoBeirSamples(source: Source, split: string, rerankK: number): Promise<RerankingSample[]> {
  const corpus = new Map<string, string>();
  for (const r of await readSubset(source, 'corpus', split, ['_id', 'text'])) corpus.set(str(r, '_id'), str(r, 'text'));
  const queries = new Map<string, string>();
  for (const r of await readSubset(source, 'queries', split, ['_id', 'text'])) queries.set(str(r, '_id'), str(r, 'text'));
  const qrels = new Map<string, Set<string>>();
  for (const r of await readSubset(source, 'qrels', split, ['query-id', 'corpus-id'])) {
    const q = str(r, 'query-id');
    const ids = Array.isArray(r.values['corpus-id']) ? strList(r, 'corpus-id') : [str(r, 'corpus-id')];
    const set = qrels.get(q) ?? new Set<string>();
    for (const id of ids) {
      if (!corpus.has(id)) throw new DataError(r.file, `corpus-id ${JSON.stringify(id)} is not in the corpus subset`, r.row);
      set.add(id);
    }
    qrels.set(q, set);
  }
  return (await readSubset(source, 'bm25', split, ['query-id', 'corpus-ids'])).map((r) => {
    const q = str(r, 'query-id');
    const query = queries.get(q);
    if (query === undefined) throw new DataError(r.file, `query-id ${JSON.stringify(q)} is not in the queries subset`, r.row);
    const judged = qrels.get(q);
    if (!judged) throw new DataError(r.file, `query-id ${JSON.stringify(q)} has no qrels`, r.row);
    const documents = strList(r, 'corpus-ids')
      .slice(0, rerankK)
      .map((id) => {
        const text = corpus.get(id);
        if (text === undefined) throw new DataError(r.file, `corpus id ${JSON.stringify(id)} is not in the corpus subset`, r.row);
        return text;
      });
    return { query, positive: [...judged].map((id) => corpus.get(id)!), documents };
  });
}
