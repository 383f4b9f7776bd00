import { expect } from 'chai';
import { promises as fsp, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TokenizerError, UsageError } from '../lib/errors.js';
import { PairTokenizer, defaultMaxLength, longestFirstLengths, type BatchEncoding } from '../lib/tokenizer/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..');
const fixtures = path.join(here, 'fixtures', 'models');
// CI clones the repository beside shared/; the real tokenizers and STSb are read from there, never copied.
const shared = path.resolve(repoRoot, '..', 'shared');
const bertBase = path.join(shared, 'models', 'bert-base-uncased-tokenizer');
const robertaBase = path.join(shared, 'models', 'roberta-base-tokenizer');

type Pair = [string, string];
interface Case {
  pairs: Pair[];
  max_length: number | null;
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][] | null;
}
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf-8')) as T;

/** STSb test pairs, split on tab only and never trimmed (the data has meaningful leading/trailing spaces). */
function stsbPairs(n: number): Pair[] {
  const lines = readFileSync(path.join(shared, 'data', 'stsb', 'test.tsv'), 'utf-8').split('\n').slice(1);
  return lines
    .filter((l) => l !== '')
    .slice(0, n)
    .map((l) => {
      const f = l.split('\t');
      return [f[0]!, f[1]!];
    });
}

/**
 * Edge cases with ids from Python transformers 4.46.0 / tokenizers 0.20.3 (bench/.venv), `tok(a, b, truncation=True,
 * max_length=24)` on the bert-base-uncased tokenizer.json and on roberta-base's vocab.json + merges.txt (converted
 * slow→fast by transformers): accents, CJK incl. outside the BMP, control and odd whitespace characters, emoji,
 * special-token text, mojibake, empty texts and truncation.
 */
const PY_GOLDEN: { pair: Pair; bert: number[]; bertTypes: number[]; roberta: number[] }[] = [
  {
    pair: ["", ""],
    bert: [101, 102, 102],
    bertTypes: [0, 0, 1],
    roberta: [0, 2, 2, 2],
  },
  {
    pair: [" ", "x"],
    bert: [101, 102, 1060, 102],
    bertTypes: [0, 0, 1, 1],
    roberta: [0, 1437, 2, 2, 1178, 2],
  },
  {
    pair: ["H\u00e9llo W\u00f6rld \u00c0\u00c9\u00ce", "na\u00efve caf\u00e9"],
    bert: [101, 7592, 2088, 29347, 2072, 102, 15743, 7668, 102],
    bertTypes: [0, 0, 0, 0, 0, 0, 1, 1, 1],
    roberta: [0, 725, 1140, 9905, 305, 17920, 4779, 952, 7471, 23791, 3849, 12736, 2, 2, 2133, 48350, 26059, 2],
  },
  {
    pair: ["\u4e2d\u6587\u5b57\u7b26\u6d4b\u8bd5", "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8"],
    bert: [101, 1746, 1861, 100, 100, 100, 100, 102, 1864, 1876, 1950, 1671, 30239, 30227, 30233, 30240, 102],
    bertTypes: [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1],
    roberta: [0, 47643, 47240, 6382, 48823, 6800, 36714, 11582, 18164, 48818, 13859, 2, 2, 47954, 8210, 44636, 11582, 48537, 17772, 48018, 49312, 49587, 49615, 2],
  },
  {
    pair: ["a\ud840\udc00b\ud86e\udc20c\ud86e\udd20d", "x\ud87e\udc00y"],
    bert: [101, 1037, 100, 100, 100, 1040, 102, 1060, 100, 1061, 102],
    bertTypes: [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1],
    roberta: [0, 102, 49585, 21402, 7471, 7471, 428, 49585, 4958, 21402, 21402, 438, 49585, 4958, 10470, 2, 2, 1178, 49585, 10965, 21402, 7471, 219, 2],
  },
  {
    pair: ["tab\there\nnew\rline", "ctrl\u0012char\u0000nul\ufffdrep"],
    bert: [101, 21628, 2182, 2047, 2240, 102, 14931, 12190, 7507, 6826, 5313, 2890, 2361, 102],
    bertTypes: [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1],
    roberta: [0, 34108, 50117, 10859, 50118, 4651, 50121, 1902, 2, 2, 49355, 50126, 24262, 50108, 282, 922, 21955, 12597, 2],
  },
  {
    pair: ["nbsp\u00a0here", "nel\u0085here zwsp\u200bhere bom\ufeffhere"],
    bert: [101, 1050, 5910, 2361, 2182, 102, 11265, 2140, 5886, 2063, 1062, 9333, 27921, 2063, 8945, 2213, 5886, 2063, 102],
    bertTypes: [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
    roberta: [0, 282, 39596, 50141, 10859, 2, 2, 18902, 4056, 5782, 10859, 992, 605, 4182, 13635, 10859, 44010, 43251, 2023, 9470, 10859, 2],
  },
  {
    pair: ["emoji \ud83d\ude00\ud83d\udc4d\ud83c\udffd family \ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67", "\u0130stanbul \u01c5 \u00df \u1e9e \ufb01"],
    bert: [101, 7861, 29147, 2072, 100, 2155, 100, 102, 9960, 100, 1096, 1096, 1984, 102],
    bertTypes: [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1],
    roberta: [0, 991, 16873, 17841, 7471, 31193, 8384, 6569, 9357, 10809, 284, 2, 2, 649, 7487, 46770, 1437, 47040, 5782, 952, 4333, 25974, 3070, 2],
  },
  {
    pair: ["[MASK] and [CLS] inside", "a <mask> b <s> c </s>"],
    bert: [101, 103, 1998, 101, 2503, 102, 1037, 1026, 7308, 1028, 1038, 1026, 1055, 1028, 1039, 1026, 1013, 1055, 1028, 102],
    bertTypes: [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
    roberta: [0, 10975, 32804, 530, 742, 8, 646, 7454, 104, 742, 1025, 2, 2, 102, 50264, 741, 1437, 0, 740, 1437, 2, 2],
  },
  {
    pair: ["\u201a\u00c4\u00f4 mojibake \u00e2\u20ac\u2122", "\u201cquotes\u201d \u2014 dash"],
    bert: [101, 1522, 20118, 9587, 4478, 3676, 3489, 1037, 30102, 30108, 102, 1523, 16614, 1524, 1517, 11454, 102],
    bertTypes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1],
    roberta: [0, 17, 15113, 3849, 11936, 10456, 7458, 267, 1452, 5113, 952, 7258, 10851, 2, 2, 17, 48, 2253, 17467, 17, 46, 93, 12575, 2],
  },
  {
    pair: ["   leading and trailing   ", "\u3000ideographic space\u3000"],
    bert: [101, 2877, 1998, 12542, 102, 8909, 8780, 14773, 2686, 102],
    bertTypes: [0, 0, 0, 0, 0, 1, 1, 1, 1, 1],
    roberta: [0, 1437, 1437, 981, 8, 12564, 1437, 1437, 1437, 2, 2, 48516, 7471, 1949, 25510, 980, 48516, 7471, 2],
  },
  {
    pair: ["\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac \u03ba\u03b5\u03af\u03bc\u03b5\u03bd\u03bf", "\u0420\u0443\u0441\u0441\u043a\u0438\u0439 \u0442\u0435\u043a\u0441\u0442"],
    bert: [101, 1159, 29727, 29727, 24824, 16177, 18199, 29726, 14608, 1164, 29723, 18199, 102, 1195, 29748, 29747, 29747, 23925, 15414, 1197, 15290, 23925, 29747, 102],
    bertTypes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
    roberta: [0, 41335, 15722, 48191, 48191, 41335, 18400, 47118, 46399, 48103, 41335, 2, 2, 25417, 21402, 42488, 36709, 36709, 41171, 35328, 25417, 9253, 1437, 2],
  },
  {
    pair: ['x'.repeat(150), 'y '.repeat(600)],
    bert: [101, 100, 102, 1061, 1061, 1061, 1061, 1061, 1061, 1061, 1061, 1061, 1061, 1061, 1061, 1061, 1061, 1061, 1061, 1061, 1061, 1061, 1061, 102],
    bertTypes: [0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
    roberta: [0, 42523, 42523, 42523, 42523, 42523, 42523, 42523, 42523, 42523, 42523, 2, 2, 219, 1423, 1423, 1423, 1423, 1423, 1423, 1423, 1423, 1423, 2],
  },
  {
    pair: ["soft\u00adhyphen", "combining e\u0301 a\u0308"],
    bert: [101, 3730, 10536, 8458, 2368, 102, 11566, 1041, 1037, 102],
    bertTypes: [0, 0, 0, 0, 0, 0, 1, 1, 1, 1],
    roberta: [0, 24810, 5514, 33027, 2457, 2, 2, 15302, 6074, 364, 44025, 10172, 10, 44025, 23133, 2],
  },
  {
    pair: ["don't won't I'm we've they're she'll he'd", "it's 123,456.78 $5 #tag @user"],
    bert: [101, 2123, 1005, 1056, 2180, 1005, 1056, 1045, 1005, 1049, 2057, 1005, 102, 2009, 1005, 1055, 13138, 1010, 3429, 2575, 1012, 6275, 1002, 102],
    bertTypes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
    roberta: [0, 7254, 75, 351, 75, 38, 437, 52, 348, 51, 214, 2, 2, 405, 18, 17072, 6, 34781, 4, 5479, 68, 245, 849, 2],
  },
  {
    pair: ["\u2028ls\u2029ps", "arabic \u0645\u0631\u062d\u0628\u0627 hebrew \u05e9\u05dc\u05d5\u05dd"],
    bert: [101, 1048, 2015, 8827, 102, 5640, 1295, 17149, 29820, 29816, 25573, 6836, 1266, 29799, 29792, 29800, 102],
    bertTypes: [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
    roberta: [0, 17, 11423, 6634, 17, 15375, 3275, 2, 2, 271, 873, 636, 42620, 29434, 21593, 12410, 41117, 29438, 37, 30975, 42455, 15375, 47759, 2],
  },
  {
    pair: ["\ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8", "\u0e44\u0e17\u0e22"],
    bert: [101, 1469, 30006, 30021, 29991, 30014, 30020, 29999, 30008, 1467, 30009, 30020, 29997, 30017, 30003, 30017, 102, 100, 102],
    bertTypes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1],
    roberta: [0, 48589, 48, 46873, 8906, 12410, 43998, 25448, 20024, 1437, 47649, 5782, 8384, 43998, 27969, 2, 2, 42348, 11936, 24107, 6800, 24107, 7258, 2],
  },
  {
    pair: ["private\ue000use", "unassigned\u0378x"],
    bert: [101, 2797, 8557, 102, 100, 102],
    bertTypes: [0, 0, 0, 0, 1, 1],
    roberta: [0, 22891, 48466, 7471, 3698, 2, 2, 879, 2401, 9044, 48254, 18537, 1178, 2],
  },
];


async function tempDir(): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), 'tok-spec-'));
}

async function expectTokenizerError(p: Promise<unknown>, file: string, message?: RegExp): Promise<TokenizerError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(TokenizerError);
    const err = e as TokenizerError;
    expect(err.file).to.equal(file);
    expect(err.message).to.include(path.basename(file));
    if (message) expect(err.message).to.match(message);
    return err;
  }
  throw new Error(`expected a TokenizerError naming ${file}`);
}

function rows(b: BatchEncoding, data: Int32Array): number[][] {
  const out: number[][] = [];
  for (let r = 0; r < b.batchSize; r++) out.push(Array.from(data.subarray(r * b.seqLen, (r + 1) * b.seqLen)));
  return out;
}

function idsOf(tok: PairTokenizer, pairs: Pair[], maxLength?: number): number[][] {
  return pairs.map(([a, b]) => tok.encodePair(a, b, maxLength).inputIds);
}

describe('tokenizer', () => {
  describe('longest_first truncation rule', () => {
    it('keeps everything when both texts fit', () => {
      expect(longestFirstLengths(3, 4, 7)).to.deep.equal([3, 4]);
      expect(longestFirstLengths(0, 0, 0)).to.deep.equal([0, 0]);
    });
    it('lets the shorter text keep all its tokens when it fits in half the budget', () => {
      expect(longestFirstLengths(3, 20, 9)).to.deep.equal([3, 6]);
      expect(longestFirstLengths(20, 4, 9)).to.deep.equal([5, 4]);
    });
    it('otherwise gives both half and the odd token to the longer text', () => {
      expect(longestFirstLengths(7, 6, 9)).to.deep.equal([5, 4]);
      expect(longestFirstLengths(6, 20, 9)).to.deep.equal([4, 5]);
      expect(longestFirstLengths(20, 6, 9)).to.deep.equal([5, 4]);
      expect(longestFirstLengths(8, 8, 10)).to.deep.equal([5, 5]);
    });
    it('gives the odd token to the second text on a tie', () => {
      expect(longestFirstLengths(6, 6, 9)).to.deep.equal([4, 5]);
    });
    it('handles a zero budget and refuses a negative one', () => {
      expect(longestFirstLengths(5, 3, 0)).to.deep.equal([0, 0]);
      expect(() => longestFirstLengths(1, 1, -1)).to.throw(RangeError);
    });
  });

  describe('default max length', () => {
    it('is the smallest of model_max_length, max_position_embeddings - offset and 512', () => {
      expect(defaultMaxLength(512, 514, 2)).to.equal(512);
      expect(defaultMaxLength(64, 66, 2)).to.equal(64);
      expect(defaultMaxLength(1000, 130, 2)).to.equal(128);
      expect(defaultMaxLength(undefined, 514, 2)).to.equal(512);
      expect(defaultMaxLength(undefined, 1026, 2)).to.equal(512);
      expect(defaultMaxLength(256)).to.equal(256);
      expect(defaultMaxLength(undefined, 64, 0)).to.equal(64);
    });
    it("ignores transformers' int(1e30) 'no limit' sentinel", () => {
      expect(defaultMaxLength(1000000000000000019884624838656)).to.equal(512);
      expect(defaultMaxLength(1e30, 66, 2)).to.equal(64);
    });
    it('reads max_position_embeddings and the RoBERTa offset from config.json, opts override', async () => {
      const robertaDir = path.join(fixtures, 'tiny-roberta-cross-encoder');
      expect((await PairTokenizer.fromDir(robertaDir)).modelMaxLength).to.equal(64);
      const dir = await tempDir();
      try {
        await fsp.copyFile(path.join(robertaDir, 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
        // No tokenizer_config: model_max_length unset, positions decide (66 - (pad 1 + 1) = 64).
        await fsp.writeFile(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'roberta', max_position_embeddings: 66, pad_token_id: 1 }));
        expect((await PairTokenizer.fromDir(dir)).modelMaxLength).to.equal(64);
        expect((await PairTokenizer.fromDir(dir, { maxPositionEmbeddings: 34 })).modelMaxLength).to.equal(32);
        expect((await PairTokenizer.fromDir(dir, { maxPositionEmbeddings: 34, positionOffset: 0 })).modelMaxLength).to.equal(34);
        expect((await PairTokenizer.fromDir(dir, { maxLength: 20 })).modelMaxLength).to.equal(20);
        await fsp.rm(path.join(dir, 'config.json'));
        expect((await PairTokenizer.fromDir(dir)).modelMaxLength).to.equal(512);
      } finally {
        await fsp.rm(dir, { recursive: true, force: true });
      }
    });
    it('is 512 for bert-base-uncased and for a bare roberta-base vocab (514 positions, offset 2)', async () => {
      expect((await PairTokenizer.fromDir(bertBase)).modelMaxLength).to.equal(512);
      expect((await PairTokenizer.fromDir(robertaBase)).modelMaxLength).to.equal(512);
      expect((await PairTokenizer.fromDir(robertaBase, { maxPositionEmbeddings: 514, positionOffset: 2 })).modelMaxLength).to.equal(512);
    });
  });

  describe('golden ids of the tiny cross-encoder fixtures', () => {
    const names = [
      'tiny-bert-cross-encoder',
      'tiny-bert-cross-encoder-f16',
      'tiny-bert-cross-encoder-bf16',
      'tiny-roberta-cross-encoder',
      'tiny-distilbert-cross-encoder',
    ];
    for (const name of names) {
      const expected = readJson<{ cases: Case[] }>(path.join(fixtures, name, 'expected.json'));
      for (const c of expected.cases) {
        it(`${name}, max_length ${c.max_length ?? 'none'}: input_ids, attention_mask, token_type_ids incl. padding`, async () => {
          const tok = await PairTokenizer.fromDir(path.join(fixtures, name));
          const b = tok.encodeBatch(c.pairs, c.max_length ?? undefined);
          expect(b.batchSize).to.equal(c.pairs.length);
          expect(b.seqLen).to.equal(c.input_ids[0]!.length);
          expect(rows(b, b.inputIds)).to.deep.equal(c.input_ids);
          expect(rows(b, b.attentionMask)).to.deep.equal(c.attention_mask);
          expect(b.lengths).to.deep.equal(c.attention_mask.map((r) => r.reduce((s, x) => s + x, 0)));
          if (c.token_type_ids === null) {
            expect(tok.usesTokenTypeIds).to.equal(false);
            expect(b.tokenTypeIds.every((x) => x === 0)).to.equal(true);
          } else {
            expect(tok.usesTokenTypeIds).to.equal(true);
            expect(rows(b, b.tokenTypeIds)).to.deep.equal(c.token_type_ids);
          }
        });
      }
    }

    it('the fourth pair at max_length 12 exercises the half-budget rule', () => {
      const c = readJson<{ cases: Case[] }>(path.join(fixtures, 'tiny-bert-cross-encoder', 'expected.json')).cases[2]!;
      expect(c.max_length).to.equal(12);
      // [CLS] 4 tokens of text A (6 long) [SEP] 5 tokens of text B (20 long) [SEP]
      expect(c.input_ids[3]!.indexOf(3)).to.equal(5);
    });
  });

  describe('golden ids of the tiny base fixtures', () => {
    // The base fixtures carry only the encoded batch; its pairs are those of the first case of the cross-encoder
    // fixture with the same tokenizer (no truncation).
    for (const [base, ce] of [
      ['tiny-bert-base', 'tiny-bert-cross-encoder'],
      ['tiny-roberta-base', 'tiny-roberta-cross-encoder'],
    ] as const) {
      it(`${base}: input_ids, attention_mask, token_type_ids`, async () => {
        const exp = readJson<{ input_ids: number[][]; attention_mask: number[][]; token_type_ids: number[][] | null }>(path.join(fixtures, base, 'expected.json'));
        const pairs = readJson<{ cases: Case[] }>(path.join(fixtures, ce, 'expected.json')).cases[0]!.pairs;
        const tok = await PairTokenizer.fromDir(path.join(fixtures, base));
        const b = tok.encodeBatch(pairs);
        expect(rows(b, b.inputIds)).to.deep.equal(exp.input_ids);
        expect(rows(b, b.attentionMask)).to.deep.equal(exp.attention_mask);
        if (exp.token_type_ids) expect(rows(b, b.tokenTypeIds)).to.deep.equal(exp.token_type_ids);
        else expect(b.tokenTypeIds.every((x) => x === 0)).to.equal(true);
      });
    }
  });

  describe('bert-base-uncased (real vocab)', () => {
    let fromJson: PairTokenizer;
    let fromVocab: PairTokenizer;
    let legacyDir: string;
    before(async () => {
      fromJson = await PairTokenizer.fromDir(bertBase);
      legacyDir = await tempDir();
      await fsp.copyFile(path.join(bertBase, 'vocab.txt'), path.join(legacyDir, 'vocab.txt'));
      await fsp.copyFile(path.join(bertBase, 'tokenizer_config.json'), path.join(legacyDir, 'tokenizer_config.json'));
      fromVocab = await PairTokenizer.fromDir(legacyDir);
    });
    after(async () => {
      await fsp.rm(legacyDir, { recursive: true, force: true });
    });

    it('"hello" → [CLS] hello [SEP] = [101, 7592, 102]', () => {
      expect(fromJson.encodeText('hello').inputIds).to.deep.equal([101, 7592, 102]);
      expect(fromVocab.encodeText('hello').inputIds).to.deep.equal([101, 7592, 102]);
      expect(fromJson.padTokenId).to.equal(0);
      expect(fromJson.usesTokenTypeIds).to.equal(true);
      expect(fromJson.numSpecialTokens(true)).to.equal(3);
      expect(fromJson.numSpecialTokens(false)).to.equal(2);
    });

    it("builds from vocab.txt exactly the tokenizer.json transformers ships", () => {
      const shipped = readJson<Record<string, unknown>>(path.join(bertBase, 'tokenizer.json'));
      const built = fromVocab.toJSON();
      // The shipped file predates the model "type" key; everything else is equal.
      const { type, ...builtModel } = built.model as Record<string, unknown>;
      expect(type).to.equal('WordPiece');
      expect(builtModel).to.deep.equal(shipped.model);
      expect({ ...built, model: null }).to.deep.equal({ ...shipped, model: null });
    });

    it('gives the same ids from tokenizer.json and from vocab.txt on 200 STSb pairs, with and without truncation', () => {
      const pairs = stsbPairs(200);
      expect(pairs).to.have.length(200);
      expect(idsOf(fromVocab, pairs)).to.deep.equal(idsOf(fromJson, pairs));
      expect(idsOf(fromVocab, pairs, 16)).to.deep.equal(idsOf(fromJson, pairs, 16));
      const b = fromJson.encodeBatch(pairs, 16);
      expect(b.seqLen).to.equal(16);
      expect(Math.max(...b.lengths)).to.equal(16);
    });

    it('matches transformers on edge cases (accents, CJK, controls, emoji, special-token text), max_length 24', () => {
      for (const g of PY_GOLDEN) {
        const e = fromJson.encodePair(g.pair[0], g.pair[1], 24);
        expect(e.inputIds, JSON.stringify(g.pair).slice(0, 80)).to.deep.equal(g.bert);
        expect(e.tokenTypeIds, JSON.stringify(g.pair).slice(0, 80)).to.deep.equal(g.bertTypes);
        expect(fromVocab.encodePair(g.pair[0], g.pair[1], 24).inputIds).to.deep.equal(g.bert);
      }
    });

    it('splits CJK ideographs outside the BMP as Rust BertNormalizer does', () => {
      // U+20000 (CJK Extension B) is its own word → [UNK]; "a" and "b" stay separate words.
      expect(fromJson.encodeText('a\u{20000}b').inputIds).to.deep.equal([101, 1037, 100, 1038, 102]);
      expect(fromJson.encodeText('a中b').inputIds).to.deep.equal(fromJson.encodeText('a 中 b').inputIds);
    });

    it('truncates a single text from the end and refuses a max length below the special tokens', () => {
      const full = fromJson.encodeText('the quick brown fox jumps over the lazy dog').inputIds;
      expect(fromJson.encodeText('the quick brown fox jumps over the lazy dog', 5).inputIds).to.deep.equal([...full.slice(0, 4), 102]);
      expect(fromJson.encodeText('hello', 2).inputIds).to.deep.equal([101, 102]);
      expect(fromJson.encodePair('hello', 'world', 3).inputIds).to.deep.equal([101, 102, 102]);
      expect(() => fromJson.encodePair('hello', 'world', 2)).to.throw(UsageError, /≥ 3/);
      expect(() => fromJson.encodeText('hello', 1)).to.throw(UsageError, /≥ 2/);
      expect(() => fromJson.encodePair('hello', 'world', 7.5)).to.throw(UsageError);
    });

    it('save() then fromDir() gives identical ids and a config transformers accepts', async () => {
      const out = await tempDir();
      try {
        await fromVocab.save(out);
        const again = await PairTokenizer.fromDir(out);
        const pairs = stsbPairs(200);
        expect(idsOf(again, pairs)).to.deep.equal(idsOf(fromJson, pairs));
        expect(again.modelMaxLength).to.equal(512);
        const cfg = readJson<Record<string, unknown>>(path.join(out, 'tokenizer_config.json'));
        expect(cfg).to.include({
          tokenizer_class: 'BertTokenizer',
          model_max_length: 512,
          do_lower_case: true,
          tokenize_chinese_chars: true,
          strip_accents: null,
          cls_token: '[CLS]',
          sep_token: '[SEP]',
          pad_token: '[PAD]',
          unk_token: '[UNK]',
          mask_token: '[MASK]',
        });
        const map = readJson<Record<string, { content: string }>>(path.join(out, 'special_tokens_map.json'));
        expect(Object.keys(map).sort()).to.deep.equal(['cls_token', 'mask_token', 'pad_token', 'sep_token', 'unk_token']);
        expect(map.mask_token!.content).to.equal('[MASK]');
        expect(readJson<unknown>(path.join(out, 'tokenizer.json'))).to.deep.equal(fromVocab.toJSON());
      } finally {
        await fsp.rm(out, { recursive: true, force: true });
      }
    });
  });

  describe('roberta-base (vocab.json + merges.txt only)', () => {
    let tok: PairTokenizer;
    before(async () => {
      tok = await PairTokenizer.fromDir(robertaBase);
    });

    it('"Hello world" → [0, 31414, 232, 2]', () => {
      expect(tok.encodeText('Hello world').inputIds).to.deep.equal([0, 31414, 232, 2]);
      expect(tok.padTokenId).to.equal(1);
      expect(tok.usesTokenTypeIds).to.equal(false);
      expect(tok.numSpecialTokens(true)).to.equal(4);
      expect(tok.vocabSize).to.equal(50265);
    });

    it('a pair is <s> A </s></s> B </s>, all type ids 0', () => {
      const a = 'A man is playing a guitar.';
      const b = 'A man plays the guitar.';
      const ia = tok.encodeText(a).inputIds.slice(1, -1);
      const ib = tok.encodeText(b).inputIds.slice(1, -1);
      const p = tok.encodePair(a, b);
      expect(p.inputIds).to.deep.equal([0, ...ia, 2, 2, ...ib, 2]);
      expect(p.tokenTypeIds.every((x) => x === 0)).to.equal(true);
      // <mask> strips the space before it (lstrip), as transformers' RobertaTokenizer does.
      expect(tok.encodeText('a <mask> b').inputIds).to.deep.equal([0, 102, 50264, 741, 2]);
    });

    it('matches transformers on edge cases (accents, CJK, controls, emoji, special-token text), max_length 24', () => {
      for (const g of PY_GOLDEN) {
        expect(tok.encodePair(g.pair[0], g.pair[1], 24).inputIds, JSON.stringify(g.pair).slice(0, 80)).to.deep.equal(g.roberta);
      }
    });

    it('save() then fromDir() gives identical ids, with the RoBERTa settings transformers checks', async () => {
      const out = await tempDir();
      try {
        await tok.save(out);
        const again = await PairTokenizer.fromDir(out);
        const pairs = stsbPairs(200);
        expect(idsOf(again, pairs)).to.deep.equal(idsOf(tok, pairs));
        expect(idsOf(again, pairs, 12)).to.deep.equal(idsOf(tok, pairs, 12));
        const cfg = readJson<Record<string, unknown>>(path.join(out, 'tokenizer_config.json'));
        expect(cfg).to.include({
          tokenizer_class: 'RobertaTokenizer',
          model_max_length: 512,
          add_prefix_space: false,
          trim_offsets: true,
          bos_token: '<s>',
          eos_token: '</s>',
          cls_token: '<s>',
          sep_token: '</s>',
          pad_token: '<pad>',
          unk_token: '<unk>',
          mask_token: '<mask>',
        });
        const map = readJson<Record<string, { content: string; lstrip: boolean }>>(path.join(out, 'special_tokens_map.json'));
        expect(map.mask_token).to.deep.include({ content: '<mask>', lstrip: true });
        const saved = readJson<{ model: { type: string; merges: string[] }; post_processor: { type: string } }>(path.join(out, 'tokenizer.json'));
        expect(saved.model.type).to.equal('BPE');
        expect(saved.model.merges).to.have.length(50000);
        expect(saved.post_processor.type).to.equal('RobertaProcessing');
      } finally {
        await fsp.rm(out, { recursive: true, force: true });
      }
    });
  });

  describe('legacy byte-level BPE build', () => {
    it("matches the shape of transformers' RoBERTa tokenizer.json and its golden ids", async () => {
      const src = path.join(fixtures, 'tiny-roberta-cross-encoder');
      const shipped = readJson<{ model: { vocab: Record<string, number>; merges: string[] } }>(path.join(src, 'tokenizer.json'));
      const dir = await tempDir();
      try {
        await fsp.writeFile(path.join(dir, 'vocab.json'), JSON.stringify(shipped.model.vocab));
        await fsp.writeFile(path.join(dir, 'merges.txt'), `#version: 0.2\n${shipped.model.merges.join('\n')}\n`);
        await fsp.copyFile(path.join(src, 'tokenizer_config.json'), path.join(dir, 'tokenizer_config.json'));
        await fsp.copyFile(path.join(src, 'config.json'), path.join(dir, 'config.json'));
        const tok = await PairTokenizer.fromDir(dir);
        expect(tok.toJSON()).to.deep.equal(shipped);
        for (const c of readJson<{ cases: Case[] }>(path.join(src, 'expected.json')).cases) {
          const b = tok.encodeBatch(c.pairs, c.max_length ?? undefined);
          expect(rows(b, b.inputIds)).to.deep.equal(c.input_ids);
        }
        // save → load of a legacy-built tokenizer keeps the ids.
        const out = path.join(dir, 'saved');
        await tok.save(out);
        const again = await PairTokenizer.fromDir(out);
        const pairs = stsbPairs(50);
        expect(idsOf(again, pairs)).to.deep.equal(idsOf(tok, pairs));
      } finally {
        await fsp.rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('padding', () => {
    it('pads pre-encoded rows (e.g. length-sorted) with the pad id, mask 0 and type 0', async () => {
      const tok = await PairTokenizer.fromDir(path.join(fixtures, 'tiny-roberta-cross-encoder'));
      const rowsIn = [tok.encodePair('It is sunny.', 'A man plays the guitar.'), tok.encodeText('Hi')];
      const b = tok.pad(rowsIn);
      expect(b.batchSize).to.equal(2);
      expect(b.lengths).to.deep.equal([rowsIn[0]!.inputIds.length, rowsIn[1]!.inputIds.length]);
      expect(b.seqLen).to.equal(b.lengths[0]);
      const second = rows(b, b.inputIds)[1]!;
      expect(second.slice(0, b.lengths[1])).to.deep.equal(rowsIn[1]!.inputIds);
      expect(second.slice(b.lengths[1]).every((x) => x === 1)).to.equal(true);
      expect(rows(b, b.attentionMask)[1]).to.deep.equal(second.map((_, i) => (i < b.lengths[1]! ? 1 : 0)));
      const empty = tok.pad([]);
      expect(empty).to.deep.include({ batchSize: 0, seqLen: 0, lengths: [] });
      expect(empty.inputIds).to.have.length(0);
    });
  });

  describe('errors name the file', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await tempDir();
    });
    afterEach(async () => {
      await fsp.rm(dir, { recursive: true, force: true });
    });
    const tinyBertJson = (): Record<string, unknown> => readJson(path.join(fixtures, 'tiny-bert-cross-encoder', 'tokenizer.json'));

    it('a folder without tokenizer files', async () => {
      await expectTokenizerError(PairTokenizer.fromDir(dir), dir, /no tokenizer files/);
    });
    it('a missing folder', async () => {
      const missing = path.join(dir, 'nope');
      await expectTokenizerError(PairTokenizer.fromDir(missing), missing, /not found/);
    });
    it('tokenizer.json that is not JSON', async () => {
      const f = path.join(dir, 'tokenizer.json');
      await fsp.writeFile(f, '{"version": "1.0", ');
      await expectTokenizerError(PairTokenizer.fromDir(dir), f, /not valid JSON/);
    });
    it('tokenizer.json with an unsupported model type', async () => {
      const f = path.join(dir, 'tokenizer.json');
      await fsp.writeFile(f, JSON.stringify({ ...tinyBertJson(), model: { type: 'WordLevel', vocab: { a: 0 }, unk_token: 'a' } }));
      await expectTokenizerError(PairTokenizer.fromDir(dir), f, /WordLevel/);
    });
    it('tokenizer.json with an unsupported post_processor', async () => {
      const f = path.join(dir, 'tokenizer.json');
      await fsp.writeFile(f, JSON.stringify({ ...tinyBertJson(), post_processor: { type: 'Fancy' } }));
      await expectTokenizerError(PairTokenizer.fromDir(dir), f, /post_processor/);
    });
    it('tokenizer.json whose WordPiece unk token is not in the vocab', async () => {
      const f = path.join(dir, 'tokenizer.json');
      const j = tinyBertJson();
      await fsp.writeFile(f, JSON.stringify({ ...j, model: { ...(j.model as object), unk_token: '[NOPE]' } }));
      await expectTokenizerError(PairTokenizer.fromDir(dir), f, /unk_token/);
    });
    it('tokenizer_config.json that is not JSON', async () => {
      await fsp.copyFile(path.join(fixtures, 'tiny-bert-cross-encoder', 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
      const f = path.join(dir, 'tokenizer_config.json');
      await fsp.writeFile(f, 'model_max_length: 512');
      await expectTokenizerError(PairTokenizer.fromDir(dir), f, /not valid JSON/);
    });
    it('vocab.json without merges.txt', async () => {
      await fsp.writeFile(path.join(dir, 'vocab.json'), JSON.stringify({ '<s>': 0, '<pad>': 1, '</s>': 2 }));
      await expectTokenizerError(PairTokenizer.fromDir(dir), path.join(dir, 'merges.txt'), /vocab\.json needs merges\.txt/);
    });
    it('a malformed merges.txt line', async () => {
      await fsp.writeFile(path.join(dir, 'vocab.json'), JSON.stringify({ '<s>': 0, '<pad>': 1, '</s>': 2, '<unk>': 3, a: 4, b: 5, ab: 6 }));
      const f = path.join(dir, 'merges.txt');
      await fsp.writeFile(f, '#version: 0.2\na b\na b c\n');
      await expectTokenizerError(PairTokenizer.fromDir(dir), f, /line 3/);
    });
    it('vocab.json that is not a token → id object', async () => {
      const f = path.join(dir, 'vocab.json');
      await fsp.writeFile(f, JSON.stringify(['<s>', '</s>']));
      await fsp.writeFile(path.join(dir, 'merges.txt'), '#version: 0.2\na b\n');
      await expectTokenizerError(PairTokenizer.fromDir(dir), f, /JSON object/);
    });
    it('vocab.txt without [CLS]', async () => {
      const f = path.join(dir, 'vocab.txt');
      await fsp.writeFile(f, '[PAD]\n[UNK]\n[SEP]\n[MASK]\nhello\n');
      await expectTokenizerError(PairTokenizer.fromDir(dir), f, /\[CLS\]/);
    });
    it('a SentencePiece-only folder', async () => {
      const f = path.join(dir, 'sentencepiece.bpe.model');
      await fsp.writeFile(f, 'x');
      await expectTokenizerError(PairTokenizer.fromDir(dir), f, /SentencePiece/);
    });
  });
});
