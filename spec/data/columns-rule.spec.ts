/**
 * The column rule (lib/data/column-read.ts) and the v4 formats over it (column-views.ts): each format written as
 * JSONL, CSV (lists as JSON arrays in the cell) and parquet (list columns as datasets writes them; built at test time
 * like pyarrow, see data-arrow-ipc.spec.ts), read back with its columns in file order and the rows exactly; every
 * error case with its message naming file, row and column; a hub dataset split through the local hub server.
 * Texts are real STSb validation sentences.
 */
import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataError, UsageError } from '../../lib/errors.js';
import { readPairsFile } from '../../lib/data/index.js';
import type { ColumnDataset } from '../../lib/data/column-dataset.js';
import { loadColumns, readColumnsFile } from '../../lib/data/column-read.js';
import { asListwise, asPairs, asTuples } from '../../lib/data/column-views.js';
import { parquetLikePyarrow, type IpcColumn } from '../data-arrow-ipc.spec.js';
import { startHubServer } from '../helpers/hub-server.js';
import { STSB_DIR } from '../helpers/paths.js';

type Cell = string | number | string[] | number[];
type Table = { columns: string[]; rows: Cell[][] };

function jsonl(t: Table): string {
  return t.rows.map((r) => JSON.stringify(Object.fromEntries(t.columns.map((c, i) => [c, r[i]])))).join('\n') + '\n';
}

function csv(t: Table): string {
  const field = (v: Cell): string => {
    const s = typeof v === 'string' ? v : JSON.stringify(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [t.columns.join(','), ...t.rows.map((r) => r.map(field).join(','))].join('\n') + '\n';
}

function parquet(t: Table): Uint8Array {
  const cols: IpcColumn[] = t.columns.map((name, i) => {
    const v = t.rows.map((r) => r[i]!);
    const first = v[0];
    if (Array.isArray(first)) return typeof first[0] === 'string' ? { name, type: 'list<utf8>', values: v as string[][] } : { name, type: 'list<float64>', values: v as number[][] };
    return typeof first === 'string' ? { name, type: 'utf8', values: v as string[] } : { name, type: 'float64', values: v as number[] };
  });
  return parquetLikePyarrow(cols);
}

const WRITERS = { jsonl, csv, parquet } as const;

describe('data: the column rule and the v4 formats', () => {
  let dir: string;
  let s1: string[];
  let s2: string[];
  let scores: number[];
  before(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'columns-rule-'));
    const v = (await readPairsFile(path.join(STSB_DIR, 'validation.tsv'), { limit: 12 })).examples;
    s1 = v.map((e) => e.sentence1);
    s2 = v.map((e) => e.sentence2);
    scores = v.map((e) => e.label);
  });
  after(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  async function write(name: string, t: Table | string | Uint8Array, ext: keyof typeof WRITERS | 'tsv' = 'jsonl'): Promise<string> {
    const file = path.join(dir, `${name}.${ext}`);
    await fsp.writeFile(file, typeof t === 'string' || t instanceof Uint8Array ? t : WRITERS[ext as keyof typeof WRITERS](t));
    return file;
  }

  /** What a read must give: columns in file order, the label, and the rows cell for cell. */
  function expectDataset(ds: ColumnDataset, t: Table, label: string | undefined): void {
    expect(ds.columns).to.deep.equal(t.columns);
    expect(ds.labelColumn).to.equal(label);
    expect(ds.inputColumns).to.deep.equal(t.columns.filter((c) => c !== label));
    expect(ds.rows.map((r) => t.columns.map((c) => r[c]))).to.deep.equal(t.rows);
  }

  for (const ext of Object.keys(WRITERS) as (keyof typeof WRITERS)[]) {
    describe(`from ${ext}`, () => {
      it('(anchor, positive): two inputs, no label; asTuples with no negatives', async () => {
        const t: Table = { columns: ['anchor', 'positive'], rows: s1.map((a, i) => [a, s2[i]!]) };
        const ds = await readColumnsFile(await write(`ap-${ext}`, t, ext));
        expectDataset(ds, t, undefined);
        expect(asTuples(ds, { negatives: 0 })).to.deep.equal(s1.map((a, i) => ({ anchor: a, positive: s2[i], negatives: [] })));
      });

      it('(anchor, positive, negative_1, negative_2): asTuples in column order', async () => {
        const t: Table = { columns: ['anchor', 'positive', 'negative_1', 'negative_2'], rows: s1.map((a, i) => [a, s2[i]!, s2[(i + 1) % 12]!, s1[(i + 5) % 12]!]) };
        const ds = await readColumnsFile(await write(`tuple-${ext}`, t, ext));
        expectDataset(ds, t, undefined);
        expect(asTuples(ds).map((x) => x.negatives)).to.deep.equal(t.rows.map((r) => r.slice(2)));
        expect(asTuples(ds, { negatives: 2 })[3]!.positive).to.equal(s2[3]);
      });

      it('(query, [documents], [labels]): a list column and a list label; asListwise', async () => {
        const t: Table = { columns: ['query', 'documents', 'labels'], rows: s1.slice(0, 6).map((q, i) => [q, s2.slice(i, i + 1 + (i % 3)), scores.slice(i, i + 1 + (i % 3))]) };
        const ds = await readColumnsFile(await write(`list-${ext}`, t, ext));
        expectDataset(ds, t, 'labels');
        expect(asListwise(ds)).to.deep.equal(t.rows.map(([query, documents, labels]) => ({ query, documents, labels })));
      });

      for (const label of ['score', 'label']) {
        it(`(text1, text2, ${label}): labelled pairs; asPairs; the label need not be last`, async () => {
          const t: Table = { columns: ['sentence1', label, 'sentence2'], rows: s1.map((a, i) => [a, scores[i]!, s2[i]!]) };
          const ds = await readColumnsFile(await write(`pairs-${label}-${ext}`, t, ext));
          expectDataset(ds, t, label);
          expect(asPairs(ds)).to.deep.equal(s1.map((a, i) => ({ sentence1: a, sentence2: s2[i], label: scores[i] })));
        });
      }
    });
  }

  it('keeps the file order of columns (JSONL: the first object), however the columns are named', async () => {
    const rows = [{ question: s1[0], answer: s2[0] }, { answer: s2[1], question: s1[1] }];
    const ds = await readColumnsFile(await write('order', rows.map((r) => JSON.stringify(r)).join('\n')));
    expect(ds.columns).to.deep.equal(['question', 'answer']);
    expect(asTuples(ds)[1]).to.deep.include({ anchor: s1[1], positive: s2[1] });
    const tsv = await readColumnsFile(await write('order', `answer\tquestion\n${s2[0]}\t${s1[0]}\n`, 'tsv'));
    expect(asTuples(tsv)[0]).to.deep.include({ anchor: s2[0], positive: s1[0] });
  });

  it('columns selects and orders; labelColumn names the label or (null) makes every column an input', async () => {
    const file = await write('select', { columns: ['id', 'score', 'a', 'b'], rows: [['x1', 0.5, s1[0]!, s2[0]!]] });
    const ds = await readColumnsFile(file, { columns: ['b', 'a', 'score'] });
    expect([ds.columns, ds.inputColumns, ds.labelColumn]).to.deep.equal([['b', 'a', 'score'], ['b', 'a'], 'score']);
    const none = await readColumnsFile(await write('nolabel', { columns: ['a', 'b'], rows: [[s1[0]!, s2[0]!]] }), { labelColumn: null });
    expect(none.labelColumn).to.equal(undefined);
    const named = await readColumnsFile(await write('named', { columns: ['a', 'b', 'gold'], rows: [[s1[0]!, s2[0]!, 3]] }), { labelColumn: 'gold' });
    expect(asPairs(named)[0]!.label).to.equal(3);
  });

  describe('errors name the file, row and column', () => {
    async function fails(name: string, content: Table | string | Uint8Array, ext: keyof typeof WRITERS | 'tsv', re: RegExp, opts = {}): Promise<DataError> {
      const file = await write(name, content, ext);
      const e = await readColumnsFile(file, opts).catch((x: unknown) => x);
      expect(e, name).to.be.instanceOf(DataError);
      expect((e as Error).message).to.match(re);
      expect((e as Error).message.startsWith(file), 'names the file').to.equal(true);
      return e as DataError;
    }
    const j = (...rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

    it('a missing column: in a JSONL row, in the header (columns), and the label asked for', async () => {
      expect((await fails('miss', j({ anchor: 'a', positive: 'b' }, { anchor: 'c', positive: 'd' }, { anchor: 'e' }), 'jsonl', /, row 3: missing column "positive"$/)).row).to.equal(3);
      await fails('miss-sel', 'anchor,positive\na,b\n', 'csv', /: missing column "negative"; columns: "anchor", "positive"$/, { columns: ['anchor', 'negative'] });
      await fails('miss-label', 'a,b\nx,y\n', 'csv', /missing label column "gold" \(labelColumn\)/, { labelColumn: 'gold' });
    });

    it('a text that is not a string (number, null in parquet, a list item), or empty', async () => {
      await fails('num', j({ anchor: 'a', positive: 'b' }, { anchor: 5, positive: 'b' }), 'jsonl', /, row 2: column "anchor" must be a text or a list of texts, got number 5$/);
      const nulls = parquetLikePyarrow([
        { name: 'anchor', type: 'utf8', values: ['a', null] },
        { name: 'positive', type: 'utf8', values: ['b', 'c'] },
      ]);
      await fails('null', nulls, 'parquet', /, row 2: column "anchor" must be a text or a list of texts, got null$/);
      await fails('item', j({ query: 'q', documents: ['a', 3], labels: [1, 0] }), 'jsonl', /, row 1: column "documents" item 2 must be a string, got number 3$/);
      await fails('blank', 'anchor,positive\na,"  "\n', 'csv', /, row 1: column "positive" is whitespace-only/);
    });

    it('ragged documents and labels, in JSONL, CSV and parquet', async () => {
      const t: Table = { columns: ['query', 'documents', 'labels'], rows: [['q', ['a', 'b'], [1, 0]], ['r', ['a', 'b', 'c'], [1, 0]]] };
      for (const ext of ['jsonl', 'csv', 'parquet'] as const) {
        await fails(`ragged-${ext}`, t, ext, /, row 2: column "documents" has 3 items but label column "labels" has 2; each document needs one label$/);
      }
    });

    it('an empty list', async () => {
      await fails('empty', j({ query: 'q', documents: ['a'], labels: [1] }, { query: 'q', documents: [], labels: [] }), 'jsonl', /, row 2: column "documents" is an empty list$/);
      await fails('empty-csv', 'query,documents,labels\nq,"[""a""]",[1]\nr,[],[]\n', 'csv', /, row 2: column "documents" is an empty list$/);
    });

    it('two label columns', async () => {
      await fails('two', { columns: ['a', 'b', 'label', 'score'], rows: [['x', 'y', 1, 0.5]] }, 'parquet', /: two label columns: "label", "score"; sentence-transformers would take "label" as the label and feed "score" to the loss as text/);
    });

    it('a label that is no number, a column that changes kind, a CSV list cell that is no JSON, a JSONL key the first row lacked', async () => {
      await fails('nan', 'a,b,score\nx,y,0.5\nx,y,high\n', 'csv', /, row 2: label column "score" must be a number, got string "high"$/);
      await fails('kind', j({ query: 'q', documents: ['a'] }, { query: 'q', documents: 'a' }), 'jsonl', /, row 2: column "documents" holds a text here but a list of texts in row 1$/);
      await fails('json', 'query,documents\nq,"[""a""]"\nr,[oops\n', 'csv', /, row 2: column "documents" holds JSON lists \(as in its first row\), but this cell is not one: "\[oops"$/);
      await fails('extra', j({ a: 'x', b: 'y' }, { a: 'x', b: 'y', c: 'z' }), 'jsonl', /, row 2: column "c" is not one of the first row's columns \("a", "b"\)$/);
      await fails('nothing', '\n', 'jsonl', /file is empty/);
      await fails('header-only', 'a,b\n', 'csv', /no data rows/);
    });

    it('the views say which format the columns make, naming the row where a cell does not fit', async () => {
      const pairs = await readColumnsFile(await write('v-pairs', { columns: ['a', 'b', 'score'], rows: [['x', 'y', 1]] }));
      const ap = await readColumnsFile(await write('v-ap', { columns: ['a', 'b'], rows: [['x', 'y']] }));
      const view = (f: () => unknown, re: RegExp) => {
        expect(f).to.throw(DataError, re);
      };
      view(() => asPairs(ap), /labelled pairs need two input columns and a label column .* inputs \(a, b\) and no label column; without a label it is an \(anchor, positive, …\) dataset: asTuples/);
      view(() => asTuples(pairs), /row 1: label column "score" holds one number per row, which makes this a labelled-pair dataset \(asPairs\)/);
      view(() => asTuples(ap, { negatives: 1 }), /tuples need 3 input columns \(anchor, positive and 1 negatives\)/);
      view(() => asListwise(pairs), /, row 1: column "b" must be a list of texts, got a text$/);
      const short = { ...pairs, rows: [{ a: 'x', b: ['y', 'z'], score: [1] }] };
      view(() => asListwise(short), /, row 1: label column "score" has 1 values, expected 2 \(one per document of "b"\)$/);
    });

    it('bad options are the caller\'s: UsageError', async () => {
      const e = await readColumnsFile(path.join(dir, 'x.jsonl'), { columns: ['a', 'a'] }).catch((x: unknown) => x);
      expect(e).to.be.instanceOf(UsageError);
    });
  });

  it('reads a hub dataset split (parquet shards, in name order) through the hub loader', async function () {
    this.timeout(60_000);
    const repo = path.join(dir, 'hub-repo');
    await fsp.mkdir(path.join(repo, 'data'), { recursive: true });
    const shard = (lo: number, hi: number): Table => ({ columns: ['anchor', 'positive', 'negative'], rows: s1.slice(lo, hi).map((a, i) => [a, s2[lo + i]!, s2[(lo + i + 1) % 12]!]) });
    await fsp.writeFile(path.join(repo, 'data', 'train-00000-of-00002.parquet'), parquet(shard(0, 5)));
    await fsp.writeFile(path.join(repo, 'data', 'train-00001-of-00002.parquet'), parquet(shard(5, 12)));
    const server = await startHubServer({ repos: { 'org/triplets': { dir: repo, type: 'dataset' } } });
    try {
      const ds = await loadColumns('org/triplets:train', { hub: { endpoint: server.endpoint, cacheDir: path.join(dir, 'cache') } });
      expect(ds.source).to.equal('org/triplets:train');
      expect(ds.columns).to.deep.equal(['anchor', 'positive', 'negative']);
      expect(asTuples(ds, { negatives: 1 }).map((t) => t.anchor)).to.deep.equal(s1);
    } finally {
      await server.stop();
    }
  });
});
