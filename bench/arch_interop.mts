// The TS side of bench/arch_interop.py: fine-tune a fixture model for a few steps, save it, and write its scores.
//
//   npx tsx bench/arch_interop.mts --model DIR --out DIR --steps 3
//
// Trains on the first 2 × steps STSb train pairs (batch 2, lr 5e-3, constant schedule, dropout 0, no shuffling), saves
// with CrossEncoder.save(out) and writes out/ours-logits.json: raw logits (identity) for the first 32 STSb test pairs.
import { promises as fsp, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import '../lib/platform/node.js'; // library modules imported directly need the Node platform installed first
import { CrossEncoder } from '../lib/cross-encoder/model.js';
import { Trainer } from '../lib/cross-encoder/trainer.js';

const { values } = parseArgs({ options: { model: { type: 'string' }, out: { type: 'string' }, steps: { type: 'string', default: '3' } } });
const stsb = (split: string): [string, string, number][] =>
  readFileSync(path.join('..', 'shared', 'data', 'stsb', `${split}.tsv`), 'utf-8')
    .split('\n')
    .slice(1)
    .filter((l) => l !== '')
    .map((l) => {
      const f = l.split('\t');
      return [f[0]!, f[1]!, Number(f[2])];
    });
const steps = Number(values.steps);
const model = await CrossEncoder.fromPretrained(values.model!, { dropout: 0 });
const work = await fsp.mkdtemp(path.join(os.tmpdir(), 'arch-interop-'));
const examples = stsb('train').slice(0, 2 * steps).map(([a, b, s]) => ({ sentence1: a, sentence2: b, label: s }));
const trainer = new Trainer(model, examples, { outputDir: work, batchSize: 2, maxSteps: steps, lr: 5e-3, scheduler: 'constant', shuffle: false, loggingSteps: 1, showProgress: false });
await trainer.run();
trainer.dispose();
await model.save(values.out!);
const pairs = stsb('test').slice(0, 32).map(([a, b]) => [a, b] as [string, string]);
const logits = await model.predict(pairs, { activation: 'identity' });
const scores = await model.predict(pairs);
await fsp.writeFile(path.join(values.out!, 'ours-logits.json'), JSON.stringify({ pairs, logits: Array.from(logits), scores: Array.from(scores) }));
model.dispose();
await fsp.rm(work, { recursive: true, force: true });
