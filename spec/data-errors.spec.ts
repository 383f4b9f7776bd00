import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataError, UsageError } from '../lib/errors.js';
import { readPairsFile, type ReadPairsOptions } from '../lib/data/index.js';
import { parquetLikePyarrow, type IpcColumn } from './data-arrow-ipc.spec.js';

const H = 'sentence1\tsentence2\tscore\n';
const C = 'sentence1,sentence2,score\n';

function pq(s1: (string | null)[], s2: (string | null)[], score: (number | null)[]): Uint8Array {
  const cols: IpcColumn[] = [
    { name: 'sentence1', type: 'utf8', values: s1 },
    { name: 'sentence2', type: 'utf8', values: s2 },
    { name: 'score', type: 'float64', values: score },
  ];
  return parquetLikePyarrow(cols);
}
const GOOD_PARQUET = pq(
  Array.from({ length: 40 }, (_, i) => `first sentence ${i}`),
  Array.from({ length: 40 }, (_, i) => `second sentence ${i}`),
  Array.from({ length: 40 }, (_, i) => i / 40),
);

interface Case {
  what: string;
  name: string;
  content?: string | Uint8Array; // absent: the file is not created
  opts?: ReadPairsOptions;
  row?: number; // undefined: a file-level error
  message: RegExp;
}

const CASES: Case[] = [
  { what: 'missing column in the header', name: 'nocol.tsv', content: 'sentence1\tsentence3\tscore\na\tb\t1\n', message: /missing sentence2 column "sentence2".*columns found: "sentence1", "sentence3", "score"/ },
  { what: 'no score/label column', name: 'nolabel.csv', content: 'sentence1,sentence2,gold\na,b,1\n', message: /neither "score" nor "label".*columns found: "sentence1", "sentence2", "gold"/ },
  { what: 'mapped column missing', name: 'mapped.tsv', content: `${H}a\tb\t1\n`, opts: { columns: { label: 'gold' } }, message: /missing label column "gold"; columns found/ },
  { what: 'duplicate header column', name: 'dup.csv', content: 'sentence1,sentence1,sentence2,score\na,b,c,1\n', message: /column "sentence1" appears 2 times/ },
  { what: 'short row (tsv)', name: 'short.tsv', content: `${H}a\tb\t1\nc\td\n`, row: 2, message: /expected 3 tab-separated fields \(sentence1, sentence2, score\), found 2/ },
  { what: 'extra field (tsv)', name: 'extra.tsv', content: `${H}a\tb\t1\textra\n`, row: 1, message: /expected 3 tab-separated fields .*found 4/ },
  { what: 'blank line mid-file (tsv)', name: 'blank.tsv', content: `${H}a\tb\t1\n\nc\td\t0\n`, row: 2, message: /found 1 \(blank line\)/ },
  { what: 'short row after a multi-line record (csv)', name: 'short.csv', content: `${C}"two\nlines",b,1\nc,d,0\ne,f\n`, row: 3, message: /expected 3 comma-separated fields .*found 2 \(record starts on line 5\)/ },
  { what: 'junk after a closing quote (csv)', name: 'junk.csv', content: `${C}"a"x,b,1\n`, row: 1, message: /unexpected "x" after the closing quote of field 1/ },
  { what: 'unterminated quote (csv)', name: 'unterminated.csv', content: `${C}a,b,1\n"never closed,b,1\nc,d,0\n`, row: 2, message: /unterminated quoted field \(opened on line 3\)/ },
  { what: 'empty text', name: 'emptytext.tsv', content: `${H}a\t\t1\n`, row: 1, message: /column "sentence2" is empty/ },
  { what: 'whitespace-only text', name: 'spaces.csv', content: `${C}"   ",b,1\n`, row: 1, message: /column "sentence1" is whitespace-only/ },
  { what: 'non-numeric score', name: 'nonnum.tsv', content: `${H}a\tb\t1\nc\td\thigh\n`, row: 2, message: /column "score" is not a number: "high"/ },
  { what: 'empty score', name: 'emptyscore.csv', content: `${C}a,b,\n`, row: 1, message: /column "score" is empty, expected a number/ },
  { what: 'NaN score (text)', name: 'nan.tsv', content: `${H}a\tb\tNaN\n`, row: 1, message: /column "score" is not a number: "NaN"/ },
  { what: 'Infinity score (text)', name: 'inf.csv', content: `${C}a,b,Infinity\n`, row: 1, message: /column "score" is not a number: "Infinity"/ },
  { what: 'overflowing score', name: 'huge.tsv', content: `${H}a\tb\t1e999\n`, row: 1, message: /column "score" is not finite/ },
  { what: 'out-of-range score', name: 'range.tsv', content: `${H}a\tb\t0.5\nc\td\t1.5\n`, row: 2, message: /column "score" = 1\.5 is outside \[0, 1\], the score range of the bce and mse losses; scores on a 0-5 scale \(as STSb's\) need --score-scale 5/ },
  { what: 'out-of-range after scoreScale', name: 'scaled.tsv', content: `${H}a\tb\t6\n`, opts: { scoreScale: 5 }, row: 1, message: /"score" = 6 \/ score scale 5 = 1\.2 is outside \[0, 1\]/ },
  { what: 'negative score', name: 'neg.jsonl', content: '{"sentence1":"a","sentence2":"b","score":-0.1}\n', row: 1, message: /"score" = -0\.1 is outside/ },
  { what: 'bad JSON line', name: 'bad.jsonl', content: '{"sentence1":"a","sentence2":"b","score":1}\n{"sentence1":"a",\n', row: 2, message: /invalid JSON/ },
  { what: 'non-object JSON line', name: 'array.jsonl', content: '["a","b",1]\n', row: 1, message: /expected a JSON object, got array/ },
  { what: 'blank line mid-file (jsonl)', name: 'blank.jsonl', content: '{"sentence1":"a","sentence2":"b","score":1}\n\n{"sentence1":"c","sentence2":"d","score":0}\n', row: 2, message: /blank line \(allowed only at the end/ },
  { what: 'non-string text (jsonl)', name: 'num.jsonl', content: '{"sentence1":42,"sentence2":"b","score":1}\n', row: 1, message: /column "sentence1" must be a string, got number/ },
  { what: 'string score (jsonl)', name: 'strscore.jsonl', content: '{"sentence1":"a","sentence2":"b","score":"0.5"}\n', row: 1, message: /column "score" must be a number, got string "0\.5"/ },
  { what: 'null score (jsonl)', name: 'nullscore.jsonl', content: '{"sentence1":"a","sentence2":"b","score":null}\n', row: 1, message: /column "score" must be a number, got null/ },
  { what: 'missing field (jsonl)', name: 'missing.jsonl', content: '{"sentence1":"a","sentence2":"b","score":1}\n{"sentence1":"a","score":1}\n', row: 2, message: /missing field "sentence2"/ },
  { what: 'no label field (jsonl)', name: 'nolabel.jsonl', content: '{"sentence1":"a","sentence2":"b","gold":1}\n', row: 1, message: /neither "score" nor "label"/ },
  { what: 'empty file (tsv)', name: 'empty.tsv', content: '', message: /: file is empty$/ },
  { what: 'empty file (csv, only newlines)', name: 'empty.csv', content: '\r\n\r\n', message: /: file is empty$/ },
  { what: 'empty file (jsonl, blank lines)', name: 'empty.jsonl', content: '\n  \n', message: /: file is empty$/ },
  { what: 'header but no rows', name: 'header.tsv', content: H, message: /: no data rows$/ },
  { what: 'invalid UTF-8', name: 'latin1.tsv', content: new Uint8Array([...new TextEncoder().encode(`${H}caf`), 0xe9, ...new TextEncoder().encode('\tb\t1\n')]), message: /is not valid UTF-8 text/ },
  { what: 'unknown extension', name: 'pairs.txt', content: `${H}a\tb\t1\n`, message: /unsupported file type "\.txt"; supported: \.tsv, \.csv, \.jsonl, \.parquet/ },
  { what: 'missing file', name: 'nowhere.tsv', message: /: file not found$/ },
  { what: 'truncated parquet', name: 'truncated.parquet', content: GOOD_PARQUET.slice(0, GOOD_PARQUET.length >> 1), message: /not a readable parquet file.*PAR1/ },
  { what: 'not parquet at all', name: 'text.parquet', content: `${H}a\tb\t1\n`, message: /not a readable parquet file/ },
  { what: 'corrupt parquet pages', name: 'corrupt.parquet', content: GOOD_PARQUET.slice().fill(0xff, 4, 200), message: /cannot decode parquet data/ },
  { what: 'parquet with no rows', name: 'zero.parquet', content: pq([], [], []), message: /: no data rows$/ },
  { what: 'null text (parquet)', name: 'null.parquet', content: pq(['a', null], ['b', 'c'], [0, 1]), row: 2, message: /column "sentence1" must be a string, got null/ },
  { what: 'NaN score (parquet)', name: 'nan.parquet', content: pq(['a', 'b', 'c'], ['b', 'c', 'd'], [0, 1, NaN]), row: 3, message: /column "score" is NaN/ },
  { what: 'missing column (parquet)', name: 'nocol.parquet', content: pq(['a'], ['b'], [0]), opts: { columns: { sentence2: 'hypothesis' } }, message: /missing sentence2 column "hypothesis".*columns found: "sentence1", "sentence2", "score"/ },
];

describe('data: malformed input fails with DataError naming file, row and column', () => {
  let dir: string;
  before(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'data-errors-'));
  });
  after(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  for (const c of CASES) {
    it(`${c.what}${c.row === undefined ? '' : ` (row ${c.row})`}`, async () => {
      const file = path.join(dir, c.name);
      if (c.content !== undefined) await fsp.writeFile(file, c.content);
      const err = await readPairsFile(file, c.opts).catch((e: unknown) => e);
      expect(err, 'should throw').to.be.instanceOf(DataError);
      const e = err as DataError;
      expect(e.code).to.equal('DATA');
      expect(e.file).to.equal(file);
      expect(e.message.startsWith(`${file}${c.row === undefined ? '' : `, row ${c.row}`}: `), e.message).to.equal(true);
      expect(e.row).to.equal(c.row);
      expect(e.message).to.match(c.message);
    });
  }

  it('rejects bad options with UsageError before reading', async () => {
    const bad: ReadPairsOptions[] = [{ scoreScale: 0 }, { scoreScale: NaN }, { limit: 0 }, { limit: 1.5 }, { labelRange: [1, 0] }, { columns: { label: '' } }];
    for (const opts of bad) {
      const err = await readPairsFile(path.join(dir, 'never-read.tsv'), opts).catch((e: unknown) => e);
      expect(err, JSON.stringify(opts)).to.be.instanceOf(UsageError);
    }
  });
});

describe('data: skipInvalid drops and counts exactly the bad rows', () => {
  let dir: string;
  before(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'data-skip-'));
  });
  after(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('tsv: keeps the good rows in order and reports each bad one with its row', async () => {
    const lines = ['g1\tx\t0', 'short\t1', 'g3\tx\t0.3', 'g4\tx\t0.4', 'g5\t\t0.5', 'g6\tx\t0.6', 'g7\tx\tbad', 'g8\tx\t0.8', 'g9\tx\t0.9', 'g10\tx\t7'];
    const file = path.join(dir, 'mixed.tsv');
    await fsp.writeFile(file, H + lines.join('\n') + '\n');
    const strict = await readPairsFile(file).catch((e: unknown) => e);
    expect((strict as DataError).row).to.equal(2);

    const ds = await readPairsFile(file, { skipInvalid: true });
    expect(ds.examples.map((e) => e.sentence1)).to.deep.equal(['g1', 'g3', 'g4', 'g6', 'g8', 'g9']);
    expect(ds.skipped).to.equal(4);
    expect(ds.skippedReasons).to.have.length(4);
    expect(ds.skippedReasons.map((r) => /, row (\d+):/.exec(r)?.[1])).to.deep.equal(['2', '5', '7', '10']);
    expect(ds.skippedReasons[1]).to.equal(`${file}, row 5: column "sentence2" is empty`);
    expect(ds.skippedReasons[2]).to.contain('"score" is not a number: "bad"');
    expect(ds.skippedReasons[3]).to.contain('outside [0, 1]');
    // With a limit, only rows read before the limit is reached are counted.
    const limited = await readPairsFile(file, { skipInvalid: true, limit: 3 });
    expect(limited.examples.map((e) => e.sentence1)).to.deep.equal(['g1', 'g3', 'g4']);
    expect(limited.skipped).to.equal(1);
  });

  it('jsonl and parquet: the same rules, the same counts', async () => {
    const jsonl = path.join(dir, 'mixed.jsonl');
    await fsp.writeFile(
      jsonl,
      ['{"sentence1":"a","sentence2":"b","score":1}', '{oops', '', '{"sentence1":"c","sentence2":5,"score":0}', '{"sentence1":"e","sentence2":"f","score":0}'].join('\n'),
    );
    const j = await readPairsFile(jsonl, { skipInvalid: true });
    expect(j.examples.map((e) => e.sentence1)).to.deep.equal(['a', 'e']);
    expect(j.skipped).to.equal(3);
    expect(j.skippedReasons.map((r) => /, row (\d+):/.exec(r)?.[1])).to.deep.equal(['2', '3', '4']);

    const parquet = path.join(dir, 'mixed.parquet');
    await fsp.writeFile(parquet, pq(['a', null, 'c', '  '], ['b', 'x', 'd', 'y'], [0.1, 0.2, 2, 0.4]));
    const p = await readPairsFile(parquet, { skipInvalid: true, labelRange: [0, 1] });
    expect(p.examples).to.deep.equal([{ sentence1: 'a', sentence2: 'b', label: 0.1 }]);
    expect(p.skipped).to.equal(3);
  });

  it('keeps only the first 10 reasons but counts every skipped row', async () => {
    const file = path.join(dir, 'many.csv');
    const rows = Array.from({ length: 25 }, (_, i) => (i % 5 === 0 ? `ok${i},x,0` : `bad${i},x,2`));
    await fsp.writeFile(file, C + rows.join('\n'));
    const ds = await readPairsFile(file, { skipInvalid: true });
    expect(ds.examples).to.have.length(5);
    expect(ds.skipped).to.equal(20);
    expect(ds.skippedReasons).to.have.length(10);
  });

  it('still throws when no row is valid, or when the file structure is broken', async () => {
    const allBad = path.join(dir, 'allbad.tsv');
    await fsp.writeFile(allBad, `${H}a\tb\t9\nc\td\t9\n`);
    const e1 = await readPairsFile(allBad, { skipInvalid: true }).catch((e: unknown) => e);
    expect(e1).to.be.instanceOf(DataError);
    expect((e1 as Error).message).to.match(/no valid rows: all 2 rows are invalid; first: .*row 1/);

    // An unterminated quote swallows the rest of the file: skipping it would drop rows silently.
    const unterminated = path.join(dir, 'unterminated.csv');
    await fsp.writeFile(unterminated, `${C}a,b,1\n"open,b,1\nc,d,0\n`);
    const e2 = await readPairsFile(unterminated, { skipInvalid: true }).catch((e: unknown) => e);
    expect(e2).to.be.instanceOf(DataError);
    expect((e2 as DataError).row).to.equal(2);

    const header = path.join(dir, 'header.tsv');
    await fsp.writeFile(header, 'a\tb\tc\nx\ty\t1\n');
    const e3 = await readPairsFile(header, { skipInvalid: true }).catch((e: unknown) => e);
    expect((e3 as Error).message).to.contain('missing sentence1 column');
  });
});
