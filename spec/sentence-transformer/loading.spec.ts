/**
 * Loading sentence-transformers folders: a plain encoder gets mean pooling (and says so), bad configs are errors
 * naming the file, save() round-trips; the encode and similarity commands, in a real child process.
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { ConfigError, ModelDisposedError, UsageError } from '../../lib/errors.js';
import { SentenceTransformer } from '../../lib/sentence-transformer/model.js';
import { fixtureModel } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';

const TINY = fixtureModel('tiny-st-bert');

async function copyOf(src: string): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'st-load-'));
  await fsp.cp(src, dir, { recursive: true });
  return dir;
}

describe('SentenceTransformer loading and saving', function () {
  this.timeout(300_000);

  it('a plain Hugging Face encoder (no modules.json) gets mean pooling, and the log says so', async () => {
    const m = await SentenceTransformer.fromPretrained(fixtureModel('tiny-bert-base'));
    expect(m.modules.map((x) => x.kind)).to.deep.equal(['transformer', 'pooling']);
    expect(m.dimension).to.equal(32);
    m.dispose();
    const r = await runCli(['encode', '--model', fixtureModel('tiny-bert-base')], { input: 'one text\n' });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/no modules\.json: a plain Hugging Face encoder, so mean pooling is used/);
  });

  it('an unknown pooling mode, a missing Pooling config or a bad modules.json is a ConfigError naming the file', async () => {
    const dir = await copyOf(TINY);
    try {
      const pool = path.join(dir, '1_Pooling', 'config.json');
      await fsp.writeFile(pool, JSON.stringify({ word_embedding_dimension: 32, pooling_mode: 'median' }));
      await SentenceTransformer.fromPretrained(dir).then(
        () => expect.fail('loaded'),
        (e: Error) => {
          expect(e).to.be.instanceOf(ConfigError);
          expect(e.message).to.include(pool).and.match(/unknown pooling_mode "median"; valid modes: cls, max, mean/);
        },
      );
      await fsp.writeFile(pool, JSON.stringify({ word_embedding_dimension: 32, pooling_mode_median_tokens: true }));
      await SentenceTransformer.fromPretrained(dir).catch((e: Error) => expect(e.message).to.match(/unknown key "pooling_mode_median_tokens"/));
      await fsp.rm(pool);
      await SentenceTransformer.fromPretrained(dir).catch((e: Error) => expect(e).to.be.instanceOf(ConfigError).with.property('message').that.includes(pool).and.match(/cannot read \(ENOENT\)/));
      await fsp.writeFile(path.join(dir, 'modules.json'), '[{"idx": 0, "type": "sentence_transformers.models.Pooling", "path": "1_Pooling"}]');
      await SentenceTransformer.fromPretrained(dir).catch((e: Error) => expect(e.message).to.match(/modules\.json: the Transformer must be the first module/));
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });

  it('save() writes the sentence-transformers layout and loads back to the same embeddings', async () => {
    const m = await SentenceTransformer.fromPretrained(TINY);
    const out = await fsp.mkdtemp(path.join(os.tmpdir(), 'st-save-'));
    try {
      const texts = ['A man is eating food.', 'A plane is taking off.'];
      const before = await m.encode(texts, { showProgress: false });
      await m.save(path.join(out, 'copy'));
      const files = (await fsp.readdir(path.join(out, 'copy'))).sort();
      expect(files).to.include.members(['modules.json', 'sentence_bert_config.json', 'config_sentence_transformers.json', 'config.json', 'model.safetensors', 'tokenizer.json', '1_Pooling', '2_Dense', '3_Normalize']);
      const modules = JSON.parse(await fsp.readFile(path.join(out, 'copy', 'modules.json'), 'utf-8')) as Array<{ type: string; path: string }>;
      expect(modules.map((x) => [x.path, x.type])).to.deep.equal([
        ['', 'sentence_transformers.models.Transformer'],
        ['1_Pooling', 'sentence_transformers.models.Pooling'],
        ['2_Dense', 'sentence_transformers.models.Dense'],
        ['3_Normalize', 'sentence_transformers.models.Normalize'],
      ]);
      const back = await SentenceTransformer.fromPretrained(path.join(out, 'copy'));
      expect((await back.encode(texts, { showProgress: false })).map((r) => Array.from(r))).to.deep.equal(before.map((r) => Array.from(r)));
      back.dispose();
      m.dispose();
      await m.encode(texts).then(
        () => expect.fail('encoded after dispose'),
        (e: Error) => expect(e).to.be.instanceOf(ModelDisposedError).with.property('message').that.match(/this SentenceTransformer was disposed/),
      );
      expect(() => m.similarity([[1, 0]], [[1, 0, 0]])).to.throw(UsageError, /dimensions/);
    } finally {
      await fsp.rm(out, { recursive: true, force: true });
    }
  });

  it('similarity() follows sentence-transformers: cosine, dot, negative euclidean and manhattan distances', async () => {
    const m = await SentenceTransformer.fromPretrained(TINY);
    try {
      const a = [[3, 4]];
      const b = [[6, 8], [0, 1]];
      expect(m.similarity(a, b)[0].map((x) => +x.toFixed(12))).to.deep.equal([1, 0.8]);
      expect(m.similarity(a, b, 'dot')[0]).to.deep.equal([50, 4]);
      expect(m.similarity(a, b, 'euclidean')[0]).to.deep.equal([-5, -Math.sqrt(9 + 9)]);
      expect(m.similarity(a, b, 'manhattan')[0]).to.deep.equal([-7, -6]);
    } finally {
      m.dispose();
    }
  });

  it('CLI encode writes one {"embedding"} line per input line in order; similarity one {"score"} per pair; a missing "text" is an error naming the row', async () => {
    const texts = ['A man is eating food.', 'A plane is taking off.', 'x'];
    const enc = await runCli(['encode', '--model', TINY], { input: texts.map((t) => JSON.stringify({ text: t })).join('\n') + '\n' });
    expect(enc.code, enc.stderr).to.equal(0);
    const rows = enc.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { embedding: number[] }).embedding);
    const m = await SentenceTransformer.fromPretrained(TINY);
    const want = await m.encode(texts, { showProgress: false });
    expect(rows.map((r) => r.map(Math.fround))).to.deep.equal(want.map((r) => Array.from(r)));
    const sim = await runCli(['similarity', '--model', TINY], { input: `${texts[0]}\t${texts[1]}\n${texts[2]}\t${texts[2]}\n` });
    expect(sim.code, sim.stderr).to.equal(0);
    const scores = sim.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { score: number }).score);
    // The command embeds both sides in one call (other batches, other padding): equal to float32 rounding.
    expect(scores[0]).to.be.closeTo(m.similarity([want[0]], [want[1]])[0][0], 1e-6);
    expect(scores[1]).to.be.closeTo(1, 1e-6);
    m.dispose();
    const bad = await runCli(['encode', '--model', TINY], { input: '{"text": "ok"}\n{"sentence": "no text"}\n' });
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.match(/<stdin>, row 2: needs a string field "text"/);
    expect(bad.stderr).not.to.match(/\n\s+at /); // one error line, no stack
  });
});
