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
      expect(() => fromJson.encodePair('hello', 'world', 2)).to.throw(UsageError, />= 3/);
      expect(() => fromJson.encodeText('hello', 1)).to.throw(UsageError, />= 2/);
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
      await fsp.writeFile(f, JSON.stringify({ ...tinyBertJson(), model: { type: 'Unigram', unk_id: 0, vocab: [['<unk>', 0]] } }));
      await expectTokenizerError(PairTokenizer.fromDir(dir), f, /Unigram/);
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
