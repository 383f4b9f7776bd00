import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataError } from '../lib/errors.js';
import { loadPairs, loadStsbFromDir, readPairsFile } from '../lib/data/index.js';
import { isSplitFile } from '../lib/data/load.js';
import { parquetLikePyarrow } from './data-arrow-ipc.spec.js';

describe('data: csv, jsonl, column mapping, split discovery', () => {
  let dir: string;
  const write = async (name: string, content: string | Uint8Array): Promise<string> => {
    const file = path.join(dir, name);
    await fsp.mkdir(path.dirname(file), { recursive: true });
    await fsp.writeFile(file, content);
    return file;
  };
  before(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'data-formats-'));
  });
  after(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('csv: RFC 4180 quotes, "" escapes, newlines inside quotes, CRLF; unquoted spaces and bare quotes kept', async () => {
    const file = await write(
      'pairs.csv',
      'sentence1,sentence2,score\r\n' +
        '"He said ""hi"".","Line one\r\nline two",0.5\r\n' +
        ' padded ,"a, b",1\r\n' +
        'a 5" pipe,"""quoted""",0\r\n' +
        '"LF only\ninside",x,0.25\n',
    );
    const ds = await readPairsFile(file);
    expect(ds.examples).to.deep.equal([
      { sentence1: 'He said "hi".', sentence2: 'Line one\r\nline two', label: 0.5 },
      { sentence1: ' padded ', sentence2: 'a, b', label: 1 },
      { sentence1: 'a 5" pipe', sentence2: '"quoted"', label: 0 },
      { sentence1: 'LF only\ninside', sentence2: 'x', label: 0.25 },
    ]);
    expect(ds.skipped).to.equal(0);
  });

  it('csv: extra columns are ignored and "label" is used when there is no "score"', async () => {
    const file = await write('labelled.csv', 'idx,sentence1,sentence2,label,genre\n0,a,b,1,x\n1,c,d,0,y\n');
    const ds = await readPairsFile(file);
    expect(ds.examples).to.deep.equal([
      { sentence1: 'a', sentence2: 'b', label: 1 },
      { sentence1: 'c', sentence2: 'd', label: 0 },
    ]);
  });

  it('jsonl: one object per line, extra keys ignored, unicode intact, blank lines at the end allowed', async () => {
    const file = await write(
      'pairs.jsonl',
      '{"sentence1":"Café \\"au lait\\"","sentence2":" κόσμε ","score":0.2,"id":7}\r\n' +
        '{"score":1,"sentence2":"b","sentence1":"a"}\n' +
        '\n  \n',
    );
    const ds = await readPairsFile(file);
    expect(ds.examples).to.deep.equal([
      { sentence1: 'Café "au lait"', sentence2: ' κόσμε ', label: 0.2 },
      { sentence1: 'a', sentence2: 'b', label: 1 },
    ]);
  });

  it('jsonl: "label" is the fallback label key', async () => {
    const file = await write('labelled.jsonl', '{"sentence1":"a","sentence2":"b","label":0}\n{"sentence1":"c","sentence2":"d","label":1}\n');
    expect((await readPairsFile(file)).examples.map((e) => e.label)).to.deep.equal([0, 1]);
  });

  it('column mapping + scoreScale: a 0–5 TSV with other column names becomes labels in [0, 1]', async () => {
    const file = await write('gold.tsv', 'text_a\ttext_b\tgold\tsource\nA\tB\t5.000\tx\nC\tD\t3.8\ty\nE\tF\t0\tz\n');
    const opts = { columns: { sentence1: 'text_a', sentence2: 'text_b', label: 'gold' }, scoreScale: 5 };
    const ds = await readPairsFile(file, opts);
    expect(ds.examples.map((e) => [e.sentence1, e.sentence2])).to.deep.equal([['A', 'B'], ['C', 'D'], ['E', 'F']]);
    expect(ds.examples.map((e) => e.label)).to.deep.equal([1, 3.8 / 5, 0]);
    // Unscaled, 5 is out of the default [0, 1] range; labelRange null turns the check off.
    const err = await readPairsFile(file, { ...opts, scoreScale: 1 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(DataError);
    expect((err as DataError).row).to.equal(1);
    const raw = await readPairsFile(file, { ...opts, scoreScale: undefined, labelRange: null });
    expect(raw.examples.map((e) => e.label)).to.deep.equal([5, 3.8, 0]);
    const wide = await readPairsFile(file, { ...opts, labelRange: [0, 5] });
    expect(wide.examples.map((e) => e.label)).to.deep.equal([1, 3.8 / 5, 0]);
  });

  it('loadStsbFromDir finds dev/sts-* names and concatenates hub-style parquet shards', async () => {
    const sts = path.join(dir, 'sts');
    await write('sts/sts-dev.csv', 'sentence1,sentence2,score\nv1,v2,0.5\n');
    await write('sts/sts-test.jsonl', '{"sentence1":"t1","sentence2":"t2","score":1}\n');
    const shard = (s: string): Uint8Array =>
      parquetLikePyarrow([
        { name: 'sentence1', type: 'utf8', values: [`${s}a`, `${s}b`] },
        { name: 'sentence2', type: 'utf8', values: ['x', 'y'] },
        { name: 'score', type: 'float64', values: [0, 1] },
      ]);
    await write('sts/train-00001-of-00002.parquet', shard('second'));
    await write('sts/train-00000-of-00002.parquet', shard('first'));

    const val = await loadStsbFromDir(sts, 'validation');
    expect(val.examples).to.deep.equal([{ sentence1: 'v1', sentence2: 'v2', label: 0.5 }]);
    expect(val.source).to.equal(path.join(sts, 'sts-dev.csv'));
    expect((await loadStsbFromDir(sts, 'test')).examples[0]!.sentence1).to.equal('t1');
    const train = await loadStsbFromDir(sts, 'train');
    expect(train.examples.map((e) => e.sentence1)).to.deep.equal(['firsta', 'firstb', 'seconda', 'secondb']);
    expect((await loadStsbFromDir(sts, 'train', { limit: 3 })).examples).to.have.length(3);
  });

  it('loadStsbFromDir: a missing split, two candidate files, or a missing folder are DataErrors that say what was found', async () => {
    const amb = path.join(dir, 'ambiguous');
    await write('ambiguous/train.tsv', 'sentence1\tsentence2\tscore\na\tb\t1\n');
    await write('ambiguous/train.csv', 'sentence1,sentence2,score\na,b,1\n');
    const cases: [string, 'train' | 'test', RegExp][] = [
      [amb, 'train', /more than one file for the train split: "train.csv", "train.tsv"/],
      [amb, 'test', /no test split: expected one of "test.tsv", .*"sts-test.parquet".*; found: "train.csv", "train.tsv"/],
      [path.join(dir, 'no-such-dir'), 'train', /no-such-dir: directory not found/],
    ];
    for (const [d, split, re] of cases) {
      const err = await loadStsbFromDir(d, split).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(DataError);
      expect((err as DataError).file).to.equal(d);
      expect((err as Error).message).to.match(re);
    }
  });

  it('tsv: a BOM and CRLF line ends are not data; quotes and edge spaces are', async () => {
    const file = await write('bom.tsv', '\uFEFFsentence1\tsentence2\tscore\r\n"a\t b \t1\r\n');
    expect((await readPairsFile(file)).examples).to.deep.equal([{ sentence1: '"a', sentence2: ' b ', label: 1 }]);
  });

  it('loadPairs reads an existing file, and says "file not found" for a path that is neither file nor hub id', async () => {
    const file = await write('lp.tsv', 'sentence1\tsentence2\tscore\na\tb\t0.5\n');
    const ds = await loadPairs(file, { hub: { offline: true } });
    expect(ds.examples).to.deep.equal([{ sentence1: 'a', sentence2: 'b', label: 0.5 }]);
    for (const spec of [path.join(dir, 'missing.tsv'), 'data/missing.parquet', 'not a hub id']) {
      const err = await loadPairs(spec).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(DataError);
      expect((err as DataError).message).to.equal(`${spec}: file not found (and not a hub dataset id of the form org/name[:split])`);
    }
    const err = await loadPairs(dir).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(DataError);
    expect((err as Error).message).to.contain('is a directory');
  });

  it('hub split selection takes the parquet files whose path has the split as a whole token', () => {
    expect(isSplitFile('data/train-00000-of-00001.parquet', 'train')).to.equal(true);
    expect(isSplitFile('default/validation/0000.parquet', 'validation')).to.equal(true);
    expect(isSplitFile('data/test-00000-of-00001.parquet', 'train')).to.equal(false);
    expect(isSplitFile('data/pretrain-00000-of-00001.parquet', 'train')).to.equal(false);
    expect(isSplitFile('data/train.csv', 'train')).to.equal(false);
  });
});
