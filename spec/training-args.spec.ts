/**
 * The training options' one home (lib/training/training-args.ts): the trainer's defaults and checks, the CLI's
 * flags and help, the model card and the resume check all come from the same table, so none can drift.
 */
import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UsageError } from '../lib/errors.js';
import { cardHyperparameters, comparedArgs, diffArgs, resolveTrainingArgs, TRAINING_ARGS, type TrainingArgs } from '../lib/training/training-args.js';
import { trainingArgsFromFlags } from '../scripts/commands/flags.js';
import { TRAIN_OPTIONS } from '../scripts/commands/train.js';
import { fixtureModel } from './helpers/paths.js';
import { runCli } from './helpers/run-cli.js';
import { writeTrainData } from './helpers/train-run.js';

/**
 * A value other than the default, of the right type, for each option. (Threads: 'auto' or 1 through the CLI, which
 * caps counts at the cores; a count for the library, which does not.)
 */
function another(key: string, viaFlags = false): unknown {
  const spec = TRAINING_ARGS.find((s) => s.key === key)!;
  switch (spec.type) {
    case 'bool':
      return !spec.default;
    case 'choice':
      return spec.choices.find((c) => c !== spec.default);
    case 'threads':
      if (viaFlags) return spec.default === 1 ? 'auto' : 1;
      return spec.default === 1 ? 3 : 1;
    default:
      return (spec.default ?? 0) === 0.5 ? 0.25 : spec.type === 'int' ? Math.max(spec.min, 1) + 2 : 0.5;
  }
}

describe('training options: one home (training-args.ts)', () => {
  it('the trainer\'s defaults are the table\'s, and every option is range-checked by the table\'s rule', () => {
    const d = resolveTrainingArgs({});
    for (const s of TRAINING_ARGS.filter((x) => x.scope !== 'model')) expect(d[s.key as keyof TrainingArgs], s.key).to.equal(s.default);
    expect(() => resolveTrainingArgs({ warmupRatio: 1.5 })).to.throw(UsageError, 'warmupRatio must be ≥ 0 and ≤ 1, got 1.5');
    expect(() => trainingArgsFromFlags({ 'warmup-ratio': '1.5' })).to.throw(UsageError, '--warmup-ratio must be ≥ 0 and ≤ 1, got 1.5');
  });

  it('every option has a flag the CLI parses, shown in `train --help` with its default', async () => {
    const help = (await runCli(['train', '--help'])).stdout;
    for (const s of TRAINING_ARGS) {
      expect(TRAIN_OPTIONS, s.flag).to.have.property(s.flag);
      expect(help, s.flag).to.match(new RegExp(`\\n[* ] --${s.flag}\\b`));
      const v = another(s.key, true);
      const flags = s.type === 'bool' ? { [s.flag]: true } : { [s.flag]: String(v) };
      expect(trainingArgsFromFlags(flags)[s.key as keyof TrainingArgs], s.flag).to.equal(s.type === 'bool' ? (s.negated ? false : true) : v);
    }
  });

  it('the resume check compares exactly the options marked resume, plus the data', () => {
    const model = { dropout: 0.1, maxLength: 128 };
    const data = { examples: 24, sha256: 'x' };
    const base = comparedArgs(resolveTrainingArgs({}), model, data);
    for (const s of TRAINING_ARGS) {
      let now;
      if (s.key === 'dropout') now = comparedArgs(resolveTrainingArgs({}), { ...model, dropout: 0.2 }, data);
      else if (s.key === 'maxLength') now = comparedArgs(resolveTrainingArgs({}), { ...model, maxLength: 64 }, data);
      else now = comparedArgs(resolveTrainingArgs({ [s.key]: another(s.key) }), model, data);
      expect(diffArgs(now, base), s.key).to.have.length(s.resume ? 1 : 0);
    }
    expect(diffArgs(comparedArgs(resolveTrainingArgs({}), model, { ...data, sha256: 'y' }), base)[0]).to.match(/the training data/);
  });

  it('the model card lists every option with a card name, with the run\'s values', async () => {
    const args = resolveTrainingArgs({ warmupSteps: 7, seed: 5 });
    const card = cardHyperparameters(args, { dropout: undefined, maxLength: 64 });
    expect(card).to.include({ warmup_ratio: '7 steps', seed: 5, max_length: 64, dropout: 'model default', learning_rate: 2e-5, epochs: 4 });
    for (const s of TRAINING_ARGS.filter((x) => x.card && x.key !== 'posWeight')) expect(card, s.card).to.have.property(s.card!);

    // And a real run's card shows them.
    const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'xenc-args-'));
    try {
      const data = await writeTrainData(path.join(tmp, 'p.jsonl'), 1);
      const out = path.join(tmp, 'run');
      const r = await runCli(['train', '--model', fixtureModel('tiny-bert-cross-encoder'), '--train', data, '--output', out, '--seed', '5', '--max-steps', '2', '--no-progress']);
      expect(r.code, r.stderr.slice(-2000)).to.equal(0);
      const text = await fsp.readFile(path.join(out, 'README.md'), 'utf-8');
      expect(text).to.include('| seed | 5 |').and.to.include('| epochs | 2 steps |').and.to.include('| threads | 1 |');
    } finally {
      await fsp.rm(tmp, { recursive: true, force: true });
    }
  });
});
