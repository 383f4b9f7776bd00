/**
 * SentencePiece Unigram tokenizer.json (XLM-R / bge-reranker style) against HF's Rust tokenizers: ids from
 * bench/make_unigram_tokenizer.py (transformers 4.46.0 XLMRobertaTokenizerFast over tokenizers 0.20.3; `--verify`
 * confirms tokenizers 0.23.3 gives the same) for every STSb sentence and pair of the three splits, the pairs cut to
 * 24 and 12 ids, and odd-Unicode texts. The tokenizer was trained by sentencepiece on STSb with its real nmt_nfkc
 * charsmap and converted by transformers (spec/fixtures/SOURCES.md).
 */
import { expect } from 'chai';
import { promises as fsp, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TokenizerError } from '../lib/errors.js';
import { PairTokenizer } from '../lib/tokenizer/index.js';
import { REPO_ROOT, STSB_DIR } from './helpers/paths.js';

const TOKENIZERS = path.join(REPO_ROOT, 'spec', 'fixtures', 'tokenizers');
const XLMR = path.join(TOKENIZERS, 'xlmr-unigram-stsb');
/** The same SentencePiece model converted by DebertaV2Converter (Strip, WhitespaceSplit-free Sequence pre-tokenizer, [CLS]/[SEP] past the vocab). */
const DEBERTA = path.join(TOKENIZERS, 'deberta-v2-unigram-stsb');
const SPLITS = ['train', 'validation', 'test'] as const;

interface OddCase {
  a: string;
  b: string;
  single: number[];
  pair: number[];
  pair16: number[];
  pair8: number[];
}
interface Expected {
  variants: string[];
  tokenizers_dirs: Record<string, { tokenizer_json_sha256: string; stsb: Record<string, string>; odd: OddCase[]; cases: number }>;
}
const expected = JSON.parse(readFileSync(path.join(TOKENIZERS, 'unigram-expected.json'), 'utf-8')) as Expected;

/** FNV-1a over the ids as little-endian int32, as the harness hashes them. */
function fnv1a(ids: readonly number[]): number {
  let h = 2166136261;
  for (const id of ids) {
    for (let k = 0; k < 4; k++) {
      h ^= (id >>> (8 * k)) & 0xff;
      h = Math.imul(h, 16777619) >>> 0;
    }
  }
  return h;
}

function stsbRows(split: string): [string, string][] {
  return readFileSync(path.join(STSB_DIR, `${split}.tsv`), 'utf-8')
    .split('\n')
    .slice(1)
    .filter((l) => l !== '')
    .map((l) => {
      const f = l.split('\t');
      return [f[0]!, f[1]!];
    });
}

/**
 * The normalizer and pre-tokenizer of the xlm-roberta-base / bge-reranker tokenizer.json files on the Hub
 * ([Precompiled, Replace(" {2,}", " ")] and Metaspace with the legacy add_prefix_space), made from the fixture as
 * the harness makes its `-legacy` variant.
 */
async function legacyCopy(): Promise<string> {
  const out = await fsp.mkdtemp(path.join(os.tmpdir(), 'xlmr-legacy-'));
  for (const f of await fsp.readdir(XLMR)) await fsp.copyFile(path.join(XLMR, f), path.join(out, f));
  const tj = JSON.parse(await fsp.readFile(path.join(out, 'tokenizer.json'), 'utf-8')) as { normalizer: { normalizers: { type: string }[] }; pre_tokenizer: unknown };
  const precompiled = tj.normalizer.normalizers.filter((n) => n.type === 'Precompiled');
  tj.normalizer = { type: 'Sequence', normalizers: [...precompiled, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] } as typeof tj.normalizer;
  tj.pre_tokenizer = { type: 'Metaspace', replacement: '\u2581', add_prefix_space: true };
  await fsp.writeFile(path.join(out, 'tokenizer.json'), JSON.stringify(tj, null, 2));
  return out;
}

describe('Unigram (SentencePiece) tokenizer.json, ids equal to HF Rust tokenizers', function () {
  this.timeout(300_000);

  for (const variant of ['xlmr-unigram-stsb', 'xlmr-unigram-stsb-legacy', 'deberta-v2-unigram-stsb']) {
    describe(variant, () => {
      const want = expected.tokenizers_dirs[variant]!;
      let tok: PairTokenizer;
      let dir: string;
      before(async () => {
        dir = variant.endsWith('-legacy') ? await legacyCopy() : variant.startsWith('deberta') ? DEBERTA : XLMR;
        tok = await PairTokenizer.fromDir(dir, { maxLength: 512 });
      });
      after(async () => {
        if (dir !== XLMR && dir !== DEBERTA) await fsp.rm(dir, { recursive: true, force: true });
      });

      if (variant.startsWith('deberta')) {
        it('is DeBERTa-v2 shaped: [CLS] A [SEP] B [SEP] with type ids, special tokens past the vocab', () => {
          const e = tok.encodePair('a', 'b');
          expect(tok.usesTokenTypeIds).to.equal(true);
          expect(e.inputIds[0]).to.equal(3000);
          expect(e.inputIds.filter((id) => id === 3001)).to.have.length(2);
          expect(tok.padTokenId).to.equal(3003);
        });
      }

      if (variant.startsWith('xlmr')) it('is XLM-R shaped: fairseq ids, <s> A </s></s> B </s>, no token types', () => {
        expect(tok.numSpecialTokens(true)).to.equal(4);
        expect(tok.usesTokenTypeIds).to.equal(false);
        expect(tok.padTokenId).to.equal(1);
        const e = tok.encodePair('a', 'b');
        expect(e.inputIds[0]).to.equal(0);
        expect(e.inputIds.filter((id) => id === 2)).to.have.length(3);
      });

      it(`odd Unicode texts (${want.odd.length} texts × single, pair, pair cut to 16 and 8): 0 mismatches`, () => {
        const bad: string[] = [];
        for (const c of want.odd) {
          const got = {
            single: tok.encodeText(c.a, 512).inputIds,
            pair: tok.encodePair(c.a, c.b, 512).inputIds,
            pair16: tok.encodePair(c.a, c.b, 16).inputIds,
            pair8: tok.encodePair(c.a, c.b, 8).inputIds,
          };
          for (const k of ['single', 'pair', 'pair16', 'pair8'] as const) {
            if (JSON.stringify(got[k]) !== JSON.stringify(c[k])) bad.push(`${k} ${JSON.stringify(c.a)} / ${JSON.stringify(c.b)}: got ${JSON.stringify(got[k])}, want ${JSON.stringify(c[k])}`);
          }
        }
        expect(bad, bad.slice(0, 5).join('\n')).to.deep.equal([]);
      });

      for (const split of SPLITS) {
        it(`every STSb ${split} sentence and pair, untruncated and cut to 24 and 12 ids: 0 mismatches`, () => {
          const rows = stsbRows(split);
          const buf = Buffer.from(want.stsb[split]!, 'base64');
          const hashes = new Uint32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
          expect(hashes.length).to.equal(rows.length * expected.variants.length);
          const bad: string[] = [];
          rows.forEach(([a, b], r) => {
            const got = [tok.encodeText(a, 512), tok.encodeText(b, 512), tok.encodePair(a, b, 512), tok.encodePair(a, b, 24), tok.encodePair(a, b, 12)];
            got.forEach((g, v) => {
              if (fnv1a(g.inputIds) !== hashes[r * got.length + v]) bad.push(`row ${r} ${expected.variants[v]} ${JSON.stringify(a)} / ${JSON.stringify(b)}: ${JSON.stringify(g.inputIds)}`);
            });
          });
          expect(bad, bad.slice(0, 5).join('\n')).to.deep.equal([]);
        });
      }
    });
  }

  it('the fixture tokenizer.json is the one the ids were made from', async () => {
    const { createHash } = await import('node:crypto');
    const sha = createHash('sha256').update(await fsp.readFile(path.join(XLMR, 'tokenizer.json'))).digest('hex');
    expect(sha).to.equal(expected.tokenizers_dirs['xlmr-unigram-stsb']!.tokenizer_json_sha256);
  });

  it('save() writes a tokenizer.json that loads to the same ids', async () => {
    const tok = await PairTokenizer.fromDir(XLMR);
    const out = await fsp.mkdtemp(path.join(os.tmpdir(), 'xlmr-save-'));
    try {
      await tok.save(out);
      const again = await PairTokenizer.fromDir(out);
      for (const c of expected.tokenizers_dirs['xlmr-unigram-stsb']!.odd) expect(again.encodePair(c.a, c.b, 512).inputIds).to.deep.equal(c.pair);
    } finally {
      await fsp.rm(out, { recursive: true, force: true });
    }
  });

  describe('malformed Unigram files are refused, naming the file', () => {
    let dir: string;
    let base: Record<string, unknown>;
    beforeEach(async () => {
      dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'unigram-bad-'));
      base = JSON.parse(await fsp.readFile(path.join(XLMR, 'tokenizer.json'), 'utf-8')) as Record<string, unknown>;
    });
    afterEach(async () => fsp.rm(dir, { recursive: true, force: true }));
    const refuse = async (json: unknown, re: RegExp): Promise<void> => {
      const f = path.join(dir, 'tokenizer.json');
      await fsp.writeFile(f, JSON.stringify(json));
      const err = await PairTokenizer.fromDir(dir).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(TokenizerError);
      expect((err as Error).message).to.include(f).and.match(re);
    };
    it('a vocab entry that is not [piece, score]', async () => {
      await refuse({ ...base, model: { type: 'Unigram', unk_id: 0, vocab: [['<unk>', 0], ['a']] } }, /vocab entry 1/);
    });
    it('an unk_id outside the vocab', async () => {
      await refuse({ ...base, model: { type: 'Unigram', unk_id: 5, vocab: [['<unk>', 0]] } }, /unk_id 5/);
    });
    it('a normalizer or pre-tokenizer this implementation does not have', async () => {
      await refuse({ ...base, normalizer: { type: 'BertNormalizer' } }, /unsupported normalizer "BertNormalizer"/);
      await refuse({ ...base, pre_tokenizer: { type: 'ByteLevel' } }, /unsupported pre_tokenizer "ByteLevel"/);
    });
    it('a charsmap that is not a double-array map', async () => {
      await refuse({ ...base, normalizer: { type: 'Precompiled', precompiled_charsmap: Buffer.from([255, 255, 0, 0, 1]).toString('base64') } }, /precompiled_charsmap/);
    });
  });
});
