import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { readPairsFile, type PairExample } from '../lib/data/index.js';
import { parquetLikePyarrow, type IpcColumn } from './data-arrow-ipc.spec.js';
import { STSB_DIR } from './data-stsb.spec.js';

function pairColumns(rows: PairExample[]): IpcColumn[] {
  return [
    { name: 'sentence1', type: 'utf8', values: rows.map((r) => r.sentence1) },
    { name: 'sentence2', type: 'utf8', values: rows.map((r) => r.sentence2) },
    { name: 'score', type: 'float64', values: rows.map((r) => r.label) },
  ];
}

describe('data: parquet written like pyarrow (snappy, dictionary pages)', () => {
  let dir: string;
  let tsvRows: PairExample[];
  before(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'data-parquet-'));
    const train = (await readPairsFile(path.join(STSB_DIR, 'train.tsv'))).examples;
    // The first 300 rows, plus the rows with a leading bare quote, a leading space + quotes, a trailing space.
    tsvRows = [...train.slice(0, 300), train[2001]!, train[2235]!, train[3450]!];
  });
  after(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  for (const version of ['v1', 'v2'] as const) {
    it(`reads back 303 STSb train rows exactly (data pages ${version}, 4 row groups)`, async () => {
      const bytes = parquetLikePyarrow(pairColumns(tsvRows), { rowGroupSize: 100, version });
      const file = path.join(dir, `train-${version}.parquet`);
      await fsp.writeFile(file, bytes);

      // The file really is what HF serves: every column chunk snappy and dictionary-encoded.
      const meta = parquetMetadata(bytes);
      expect(meta.row_groups).to.have.length(4);
      for (const rg of meta.row_groups) {
        for (const chunk of rg.columns) {
          const md = chunk.meta_data!;
          expect(md.codec, md.path_in_schema.join('.')).to.equal('SNAPPY');
          expect(md.encodings.some((e) => e === 'RLE_DICTIONARY' || e === 'PLAIN_DICTIONARY')).to.equal(true);
          expect(md.dictionary_page_offset, 'has a dictionary page').to.not.equal(undefined);
        }
      }
      expect(meta.schema.slice(1).map((s) => s.repetition_type)).to.deep.equal(['OPTIONAL', 'OPTIONAL', 'OPTIONAL']);

      const ds = await readPairsFile(file);
      expect(ds.source).to.equal(file);
      expect(ds.skipped).to.equal(0);
      expect(ds.examples).to.have.length(303);
      ds.examples.forEach((ex, i) => expect(ex, `row ${i + 1}`).to.deep.equal(tsvRows[i]));
      expect(ds.examples[300]!.sentence1).to.equal('"Then the captain was gone.');
      expect(ds.examples[301]!.sentence1).to.match(/^ billion/);
      expect(ds.examples[302]!.sentence1).to.match(/safety\. $/);
    });
  }

  it('maps other column names and scales a 0–5 score, reading only the mapped columns', async () => {
    const rows = tsvRows.slice(0, 20);
    const file = path.join(dir, 'mapped.parquet');
    await fsp.writeFile(
      file,
      parquetLikePyarrow([
        { name: 'premise', type: 'utf8', values: rows.map((r) => r.sentence1) },
        { name: 'unused', type: 'float64', values: rows.map(() => null) },
        { name: 'hypothesis', type: 'utf8', values: rows.map((r) => r.sentence2) },
        { name: 'gold', type: 'float64', values: rows.map((r) => r.label * 5) },
      ]),
    );
    const ds = await readPairsFile(file, { columns: { sentence1: 'premise', sentence2: 'hypothesis', label: 'gold' }, scoreScale: 5 });
    expect(ds.examples).to.have.length(20);
    ds.examples.forEach((ex, i) => {
      expect([ex.sentence1, ex.sentence2]).to.deep.equal([rows[i]!.sentence1, rows[i]!.sentence2]);
      expect(ex.label).to.be.closeTo(rows[i]!.label, 1e-12);
    });
  });

  it('applies limit', async () => {
    const file = path.join(dir, 'limit.parquet');
    await fsp.writeFile(file, parquetLikePyarrow(pairColumns(tsvRows)));
    const ds = await readPairsFile(file, { limit: 7 });
    expect(ds.examples).to.deep.equal(tsvRows.slice(0, 7));
  });
});
