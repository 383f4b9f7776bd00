/**
 * Negative suite for model loading: each malformed safetensors / config / weight / tokenizer input gets a typed
 * error that names the file (and the tensor where one is at fault) — never a crash or garbage scores.
 */
import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CrossEncoder } from '../lib/cross-encoder/model.js';
import { ConfigError, CrossEncoderError, SafetensorsError, TokenizerError, WeightsError } from '../lib/errors.js';
import { SafetensorsFile, serializeSafetensors } from '../lib/io/safetensors.js';
import { fixtureModel } from './helpers/paths.js';

const SOURCE = fixtureModel('tiny-bert-cross-encoder');

/** A copy of the tiny BERT fixture with one file replaced or removed. */
async function variant(tmp: string, name: string, edit: (dir: string) => Promise<void>): Promise<string> {
  const dir = path.join(tmp, name);
  await fsp.mkdir(dir, { recursive: true });
  for (const f of await fsp.readdir(SOURCE)) if (f !== 'expected.json') await fsp.copyFile(path.join(SOURCE, f), path.join(dir, f));
  await edit(dir);
  return dir;
}

/** Raw safetensors bytes from a header object and a data section. */
function rawSafetensors(header: unknown, data: Uint8Array, headerLenOverride?: bigint): Uint8Array {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLenOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Re-serialisable copy of a tensor (integer buffers such as position_ids stay integers). */
function tensorOf(st: SafetensorsFile, n: string): { name: string; shape: number[]; data: Float32Array | Int32Array } {
  const info = st.info(n);
  return { name: n, shape: info.shape, data: info.dtype.startsWith('I') ? st.getInt32(n) : st.getFloat32(n) };
}

async function expectError<T extends CrossEncoderError>(p: Promise<unknown>, type: new (...a: never[]) => T, ...patterns: RegExp[]): Promise<T> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(err, 'expected an error').to.be.instanceOf(type);
  for (const re of patterns) expect((err as Error).message).to.match(re);
  return err as T;
}

describe('model loading: negative suite', () => {
  let tmp: string;
  let weights: Uint8Array;
  before(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'xenc-neg-'));
    weights = new Uint8Array(await fsp.readFile(path.join(SOURCE, 'model.safetensors')));
  });
  after(async () => {
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  it('1. truncated safetensors file (cut in the data section) names the file', async () => {
    const dir = await variant(tmp, 'truncated', (d) => fsp.writeFile(path.join(d, 'model.safetensors'), weights.subarray(0, weights.length - 1000)));
    const e = await expectError(CrossEncoder.fromPretrained(dir), SafetensorsError, /model\.safetensors/, /past the .*data section|truncated/);
    expect(e.tensor).to.be.a('string');
  });

  it('2. file shorter than the 8-byte header length', async () => {
    const dir = await variant(tmp, 'tiny-file', (d) => fsp.writeFile(path.join(d, 'model.safetensors'), new Uint8Array([1, 2, 3])));
    await expectError(CrossEncoder.fromPretrained(dir), SafetensorsError, /model\.safetensors/, /too short/);
  });

  it('3. header length beyond the limit or the file', () => {
    expect(() => SafetensorsFile.fromBytes('big.safetensors', rawSafetensors({}, new Uint8Array(), 1n << 40n))).to.throw(SafetensorsError, /big\.safetensors.*exceeds/);
    expect(() => SafetensorsFile.fromBytes('past.safetensors', rawSafetensors({}, new Uint8Array(), 5000n))).to.throw(SafetensorsError, /past\.safetensors.*runs past the end/);
  });

  it('4. header that is not JSON', () => {
    expect(() => SafetensorsFile.fromBytes('bad.safetensors', rawSafetensors('{"a": [1, 2', new Uint8Array()))).to.throw(SafetensorsError, /bad\.safetensors: header is not valid JSON/);
  });

  it('5. byte length that does not match shape × dtype names the tensor', () => {
    const h = { w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 20] } };
    expect(() => SafetensorsFile.fromBytes('m.safetensors', rawSafetensors(h, new Uint8Array(20)))).to.throw(SafetensorsError, /m\.safetensors \(tensor "w"\): byte length 20 does not match shape \[2, 3\] × F32 \(24 bytes\)/);
  });

  it('6. offsets that overlap or leave a gap name the tensor', () => {
    const overlap = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } };
    expect(() => SafetensorsFile.fromBytes('o.safetensors', rawSafetensors(overlap, new Uint8Array(12)))).to.throw(SafetensorsError, /tensor "b".*not contiguous.*overlaps/);
    const gap = { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } };
    expect(() => SafetensorsFile.fromBytes('g.safetensors', rawSafetensors(gap, new Uint8Array(12)))).to.throw(SafetensorsError, /tensor "b".*gap of 4 bytes/);
  });

  it('7. duplicate tensor names in the header', () => {
    const header = '{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
    expect(() => SafetensorsFile.fromBytes('d.safetensors', rawSafetensors(header, new Uint8Array(8)))).to.throw(SafetensorsError, /tensor "w".*appears twice/);
  });

  it('8. unknown dtype names the tensor', () => {
    const h = { w: { dtype: 'F8_E4M3X', shape: [1], data_offsets: [0, 1] } };
    expect(() => SafetensorsFile.fromBytes('t.safetensors', rawSafetensors(h, new Uint8Array(1)))).to.throw(SafetensorsError, /tensor "w"\): unknown dtype/);
  });

  it('9. a missing encoder tensor is a WeightsError naming it', async () => {
    const dir = await variant(tmp, 'missing-tensor', async (d) => {
      const st = SafetensorsFile.fromBytes('x', weights);
      const keep = st.names().filter((n) => n !== 'bert.encoder.layer.1.attention.self.key.weight');
      await fsp.writeFile(path.join(d, 'model.safetensors'), serializeSafetensors(keep.map((n) => tensorOf(st, n))));
    });
    const e = await expectError(CrossEncoder.fromPretrained(dir), WeightsError, /model\.safetensors/, /missing encoder weights: bert\.encoder\.layer\.1\.attention\.self\.key\.weight/);
    expect(e.tensors).to.deep.equal(['bert.encoder.layer.1.attention.self.key.weight']);
  });

  it('10. a tensor with the wrong shape names the tensor and both shapes', async () => {
    const dir = await variant(tmp, 'wrong-shape', async (d) => {
      const st = SafetensorsFile.fromBytes('x', weights);
      await fsp.writeFile(
        path.join(d, 'model.safetensors'),
        serializeSafetensors(st.names().map((n) => (n === 'bert.encoder.layer.0.output.dense.weight' ? { name: n, shape: [32, 32], data: new Float32Array(32 * 32) } : tensorOf(st, n)))),
      );
    });
    await expectError(CrossEncoder.fromPretrained(dir), WeightsError, /"bert\.encoder\.layer\.0\.output\.dense\.weight" has shape \[32, 32\] but the config needs \[32, 64\]/);
  });

  it('11. NaN in a weight is refused, naming the tensor', async () => {
    const dir = await variant(tmp, 'nan-weight', async (d) => {
      const st = SafetensorsFile.fromBytes('x', weights);
      await fsp.writeFile(
        path.join(d, 'model.safetensors'),
        serializeSafetensors(
          st.names().map((n) => {
            const t = tensorOf(st, n);
            if (n === 'classifier.weight') t.data[3] = NaN;
            return t;
          }),
        ),
      );
    });
    await expectError(CrossEncoder.fromPretrained(dir), WeightsError, /"classifier\.weight" holds a non-finite value \(NaN\) at flat index 3/);
  });

  it('12. config.json that is not JSON, lacks model_type, or names an unsupported model_type', async () => {
    const notJson = await variant(tmp, 'cfg-json', (d) => fsp.writeFile(path.join(d, 'config.json'), '{"model_type": "bert",'));
    await expectError(CrossEncoder.fromPretrained(notJson), ConfigError, /config\.json: not valid JSON/);
    const noType = await variant(tmp, 'cfg-notype', (d) => fsp.writeFile(path.join(d, 'config.json'), '{"hidden_size": 32}'));
    await expectError(CrossEncoder.fromPretrained(noType), ConfigError, /missing "model_type" \(supported: bert, roberta, xlm-roberta, camembert, distilbert, electra, modernbert, deberta-v2\)/);
    const gpt2 = await variant(tmp, 'cfg-gpt2', (d) => fsp.writeFile(path.join(d, 'config.json'), '{"model_type": "gpt2"}'));
    await expectError(CrossEncoder.fromPretrained(gpt2), ConfigError, /unsupported model_type "gpt2" \(supported: /);
  });

  it('13. config values that cannot describe a model (heads not dividing hidden, bad activation, bad dropout)', async () => {
    const base = JSON.parse(await fsp.readFile(path.join(SOURCE, 'config.json'), 'utf-8')) as Record<string, unknown>;
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ num_attention_heads: 5 }, /hidden size 32 is not divisible by the number of attention heads 5/],
      [{ hidden_act: 'swish' }, /unsupported hidden_act "swish"/],
      [{ hidden_dropout_prob: 1.5 }, /"hidden_dropout_prob" must be a probability/],
      [{ vocab_size: 'many' }, /"vocab_size" must be a non-negative integer/],
    ];
    for (const [i, [patch, re]] of cases.entries()) {
      const dir = await variant(tmp, `cfg-values-${i}`, (d) => fsp.writeFile(path.join(d, 'config.json'), JSON.stringify({ ...base, ...patch })));
      await expectError(CrossEncoder.fromPretrained(dir), ConfigError, /config\.json/, re);
    }
  });

  it('14. only pytorch_model.bin: refuses to execute the pickle and says how to convert', async () => {
    const dir = await variant(tmp, 'pickle-only', async (d) => {
      await fsp.rm(path.join(d, 'model.safetensors'));
      await fsp.writeFile(path.join(d, 'pytorch_model.bin'), 'not really a pickle');
    });
    await expectError(CrossEncoder.fromPretrained(dir), WeightsError, /no model\.safetensors/, /does not execute pickles/, /save_file/);
  });

  it('15. sharded index naming a tensor its shard lacks', async () => {
    const dir = await variant(tmp, 'bad-index', async (d) => {
      await fsp.rename(path.join(d, 'model.safetensors'), path.join(d, 'model-00001-of-00001.safetensors'));
      const st = SafetensorsFile.fromBytes('x', weights);
      const map = Object.fromEntries([...st.names(), 'bert.ghost.weight'].map((n) => [n, 'model-00001-of-00001.safetensors']));
      await fsp.writeFile(path.join(d, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: map }));
    });
    await expectError(CrossEncoder.fromPretrained(dir), SafetensorsError, /model-00001-of-00001\.safetensors \(tensor "bert\.ghost\.weight"\): the shard index names this tensor but the shard does not hold it/);
  });

  it('16. tokenizer.json that is not JSON, or no tokenizer files at all', async () => {
    const broken = await variant(tmp, 'tok-json', (d) => fsp.writeFile(path.join(d, 'tokenizer.json'), '{"model": '));
    await expectError(CrossEncoder.fromPretrained(broken), TokenizerError, /tokenizer\.json/);
    const none = await variant(tmp, 'tok-none', async (d) => {
      await fsp.rm(path.join(d, 'tokenizer.json'));
      await fsp.rm(path.join(d, 'tokenizer_config.json'));
    });
    await expectError(CrossEncoder.fromPretrained(none), TokenizerError, /tok-none/);
  });

  it('a sharded checkpoint (index + 2 shards) loads and scores like the single file', async () => {
    const dir = await variant(tmp, 'sharded', async (d) => {
      await fsp.rm(path.join(d, 'model.safetensors'));
      const st = SafetensorsFile.fromBytes('x', weights);
      const names = st.names();
      const half = Math.ceil(names.length / 2);
      const shards = [names.slice(0, half), names.slice(half)];
      const map: Record<string, string> = {};
      for (const [i, part] of shards.entries()) {
        const file = `model-0000${i + 1}-of-00002.safetensors`;
        await fsp.writeFile(path.join(d, file), serializeSafetensors(part.map((n) => tensorOf(st, n))));
        for (const n of part) map[n] = file;
      }
      await fsp.writeFile(path.join(d, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: map }));
    });
    const a = await CrossEncoder.fromPretrained(SOURCE);
    const b = await CrossEncoder.fromPretrained(dir);
    const pairs: Array<[string, string]> = [['A man is playing a guitar.', 'A man plays the guitar.']];
    expect(await b.predict(pairs)).to.deep.equal(await a.predict(pairs));
    a.dispose();
    b.dispose();
  });
});
