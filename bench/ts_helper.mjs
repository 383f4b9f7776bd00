// The TS side of the harness, run through tsx so it imports lib/ directly (no build needed):
//
//   npx tsx bench/ts_helper.mjs ids     --model DIR --data PAIRS.tsv --out IDS.json
//   npx tsx bench/ts_helper.mjs save    --model DIR --out DIR
//   npx tsx bench/ts_helper.mjs predict --model DIR --data PAIRS.tsv --out LOGITS.json [--batch-size 32] [--warmup 1] [--threads 1]
//
// PAIRS.tsv: header sentence1<TAB>sentence2[<TAB>score], split on tab only, no trimming, like bench/write_stsb_parquet.py's
// read_tsv (the sentences contain bare quotes). `ids` writes the unpadded input ids CrossEncoder.encode() gives
// (the ids predict() feeds the model) and, separately, PairTokenizer.fromDir(dir).encodePair() at its default length.
// `save` is CrossEncoder.fromPretrained(dir) then .save(out). `predict` times CrossEncoder.logits() in-process
// (model load excluded, an optional warm-up batch first) and writes the raw logits with the timing.
// Not a lib/ file and not the TS benchmark: it belongs to the Python harness in bench/ (see bench/README.md).
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { CrossEncoder } from '../lib/cross-encoder/model.js';
import { PairTokenizer } from '../lib/tokenizer/index.js';
import { activeBackend, describeBackend } from '../lib/backend.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    model: { type: 'string' },
    data: { type: 'string' },
    out: { type: 'string' },
    'batch-size': { type: 'string' },
    warmup: { type: 'string' },
    threads: { type: 'string' },
  },
});

async function readTsv(file) {
  const text = await fsp.readFile(file, 'utf8');
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const header = lines[0].split('\t');
  if (header[0] !== 'sentence1' || header[1] !== 'sentence2') throw new Error(`${file}: unexpected header ${JSON.stringify(header)}`);
  return lines.slice(1).map((line, i) => {
    const f = line.split('\t');
    if (f.length !== header.length) throw new Error(`${file}:${i + 2}: ${f.length} fields`);
    return [f[0], f[1]];
  });
}

async function writeJson(file, obj) {
  await fsp.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await fsp.writeFile(file, JSON.stringify(obj) + '\n');
}

const need = (k) => {
  if (!values[k]) throw new Error(`--${k} is required`);
  return values[k];
};

const cmd = positionals[0];
if (cmd === 'ids') {
  const pairs = await readTsv(need('data'));
  const ce = await CrossEncoder.fromPretrained(need('model'));
  const viaModel = ce.encode(pairs).map((e) => e.inputIds);
  ce.dispose();
  const tok = await PairTokenizer.fromDir(values.model);
  const viaTokenizer = pairs.map(([a, b]) => tok.encodePair(a, b).inputIds);
  await writeJson(need('out'), { model: values.model, n: pairs.length, maxLength: ce.maxLength, tokenizerMaxLength: tok.modelMaxLength, input_ids: viaModel, tokenizer_input_ids: viaTokenizer });
  process.stdout.write(`ids for ${pairs.length} pairs (max length ${ce.maxLength}) -> ${values.out}\n`);
} else if (cmd === 'save') {
  const ce = await CrossEncoder.fromPretrained(need('model'));
  await ce.save(need('out'));
  ce.dispose();
  process.stdout.write(`loaded ${values.model}, saved with CrossEncoder.save() to ${values.out}\n`);
} else if (cmd === 'predict') {
  const pairs = await readTsv(need('data'));
  const batchSize = Number(values['batch-size'] ?? 32);
  const t0 = performance.now();
  const ce = await CrossEncoder.fromPretrained(need('model'));
  const loadSeconds = (performance.now() - t0) / 1000;
  const warm = Number(values.warmup ?? 1);
  const threads = Number(values.threads ?? 1);
  // Two batches, so a threads > 1 warm-up also starts the worker replicas (a one-time cost, like loading).
  if (warm > 0) await ce.logits(pairs.slice(0, 2 * batchSize), { batchSize, showProgress: false, threads });
  const t1 = performance.now();
  const logits = await ce.logits(pairs, { batchSize, showProgress: false, threads });
  const seconds = (performance.now() - t1) / 1000;
  ce.dispose();
  const info = activeBackend();
  const res = {
    model: values.model, n: pairs.length, batchSize, threads, loadSeconds, seconds, pairsPerSecond: pairs.length / seconds,
    backend: info ? describeBackend(info) : 'unknown', logits: logits.map((r) => r[0]),
  };
  await writeJson(need('out'), res);
  process.stdout.write(`${pairs.length} pairs in ${seconds.toFixed(2)} s (${res.pairsPerSecond.toFixed(1)} pairs/s, batch ${batchSize}, load ${loadSeconds.toFixed(1)} s, ${res.backend}) -> ${values.out}\n`);
} else {
  process.stderr.write('usage: npx tsx bench/ts_helper.mjs ids|save|predict --model DIR [--data PAIRS.tsv] --out PATH\n');
  process.exit(2);
}
