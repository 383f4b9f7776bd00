import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadStsbFromDir, readPairsFile, type PairExample } from '../lib/data/index.js';

// CI clones the repo next to shared/, so the data lives at <repo>/../shared/data/stsb.
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const STSB_DIR = path.resolve(REPO_ROOT, '../shared/data/stsb');

const EDGE_SPACE = /^ | $/;

describe('data: STS Benchmark TSVs (../shared/data/stsb)', () => {
  const cases: { split: 'train' | 'validation' | 'test'; rows: number; first: PairExample; last: PairExample; quoted: number; spaced: number }[] = [
    {
      split: 'train',
      rows: 5749,
      first: { sentence1: 'A plane is taking off.', sentence2: 'An air plane is taking off.', label: 1 },
      last: {
        sentence1: 'Putin spokesman: Doping charges appear unfounded',
        sentence2: 'The Latest on Severe Weather: 1 Dead in Texas After Tornado',
        label: 0,
      },
      quoted: 385,
      spaced: 307,
    },
    {
      split: 'validation',
      rows: 1500,
      first: { sentence1: 'A man with a hard hat is dancing.', sentence2: 'A man wearing a hard hat is dancing.', label: 1 },
      last: {
        sentence1: 'New video shows US police officers beating mentally-ill man',
        sentence2: 'New York police officer critically wounded in hatchet attack',
        label: 0,
      },
      quoted: 153,
      spaced: 0,
    },
    {
      split: 'test',
      rows: 1379,
      first: { sentence1: 'A girl is styling her hair.', sentence2: 'A girl is brushing her hair.', label: 0.5 },
      last: {
        sentence1: 'South Korea declares end to MERS outbreak',
        sentence2: 'North Korea Delegation Meets With South Korean Officials',
        label: 0,
      },
      quoted: 79,
      spaced: 12,
    },
  ];

  for (const c of cases) {
    it(`${c.split}: ${c.rows} rows, labels in [0, 1], first and last rows exact, no text altered`, async () => {
      const ds = await loadStsbFromDir(STSB_DIR, c.split);
      expect(ds.source).to.equal(path.join(STSB_DIR, `${c.split}.tsv`));
      expect(ds.examples).to.have.length(c.rows);
      expect(ds.skipped).to.equal(0);
      expect(ds.examples[0]).to.deep.equal(c.first);
      expect(ds.examples[c.rows - 1]).to.deep.equal(c.last);
      for (const ex of ds.examples) {
        expect(ex.label).to.be.within(0, 1);
        expect(ex.sentence1.trim()).to.not.equal('');
        expect(ex.sentence2.trim()).to.not.equal('');
      }
      // Every row equals a naive split of the raw file on \n and \t.
      const raw = readFileSync(path.join(STSB_DIR, `${c.split}.tsv`), 'utf8').split('\n').slice(1, -1);
      expect(raw).to.have.length(c.rows);
      raw.forEach((line, i) => {
        const [sentence1, sentence2, score] = line.split('\t');
        expect(ds.examples[i], `row ${i + 1}`).to.deep.equal({ sentence1, sentence2, label: Number(score) });
      });
      // Counts from SOURCE.md / awk over the raw files: quotes are text, edge spaces are kept.
      const texts = ds.examples.flatMap((e) => [e.sentence1, e.sentence2]);
      expect(texts.filter((t) => t.includes('"')).length).to.equal(c.quoted);
      expect(texts.filter((t) => EDGE_SPACE.test(t)).length).to.equal(c.spaced);
    });
  }

  it('keeps a leading space, a trailing space and bare quotes exactly as in the file', async () => {
    const ds = await readPairsFile(path.join(STSB_DIR, 'train.tsv'));
    // File line 2003 = data row 2002: opens with an unmatched quote, which a CSV parser would read as a quoted field.
    expect(ds.examples[2001]).to.deep.equal({ sentence1: '"Then the captain was gone.', sentence2: 'Then the captain came back.', label: 0.16 });
    // File line 2237: sentence1 starts with a space, sentence2 holds a quoted word.
    expect(ds.examples[2235]).to.deep.equal({
      sentence1: " billion . Everyone in the world at Mexico's current prosperity level.",
      sentence2: 'Everyone in the world at the current "prosperity" level of Northwest Africa.',
      label: 0.306666666666666,
    });
    // File line 3452: deft-news sentence1 ends with a space.
    expect(ds.examples[3450]!.sentence1).to.equal("mexico wishes to guarantee citizens' safety. ");
    expect(ds.examples[3450]!.label).to.equal(0.8);
  });

  it('honours limit', async () => {
    const ds = await loadStsbFromDir(STSB_DIR, 'train', { limit: 10 });
    expect(ds.examples).to.have.length(10);
    expect(ds.examples[9]).to.deep.equal((await readPairsFile(path.join(STSB_DIR, 'train.tsv'))).examples[9]);
  });
});
