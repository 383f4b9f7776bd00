/**
 * Parity suite, part 4: `cross-encoder train` killed with SIGKILL after its first checkpoint, then `--resume`d, ends
 * with bit-identical weights to an uninterrupted run, on the active backend (real child processes, dropout on). Every
 * backend we run is deterministic for a fixed input: tfjs draws dropout masks on the host from a seeded generator,
 * and no kernel we use reduces in a data-dependent order.
 */
import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SafetensorsFile } from '../../lib/io/safetensors.js';
import { backendName, expectWithin, maxAbsDiff } from '../helpers/parity.js';
import { fixtureModel } from '../helpers/paths.js';
import { killAtFirstCheckpoint } from '../helpers/kill-at-checkpoint.js';
import { spawnScript } from '../helpers/run-cli.js';
import { fixtureExamples } from '../helpers/training-fixture.js';

describe('parity: kill -9 and --resume on the active backend', function () {
  this.timeout(900_000);
  let tmp: string;
  let data: string;
  before(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'xenc-parity-resume-'));
    data = path.join(tmp, 'train.jsonl');
    // 24 pairs, batch 4: 6 steps an epoch, 2 epochs, a checkpoint every 4 steps.
    const rows = Array.from({ length: 4 }, () => fixtureExamples()).flat();
    await fsp.writeFile(data, rows.map((e) => JSON.stringify({ sentence1: e.sentence1, sentence2: e.sentence2, score: e.label })).join('\n') + '\n');
  });
  after(async () => {
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  const args = (out: string, extra: string[] = []) => [
    'train', '--model', fixtureModel('tiny-bert-cross-encoder'), '--train', data, '--output', out, '--batch-size', '4',
    '--epochs', '2', '--lr', '1e-3', '--save-steps', '4', '--logging-steps', '1', '--seed', '3', '--no-progress', ...extra,
  ];

  it('the resumed run ends with the uninterrupted run\'s weights, bit for bit', async () => {
    const full = path.join(tmp, 'uninterrupted');
    const killed = path.join(tmp, 'killed');
    // The uninterrupted run is independent of the other two: it runs while the killed run dies and resumes.
    const killedThenResumed = killAtFirstCheckpoint('scripts/cli.ts', args(killed), killed).then(async (at) => ({ at, resumed: await spawnScript('scripts/cli.ts', args(killed, ['--resume'])).done }));
    const [a, { at: killedAt, resumed }] = await Promise.all([spawnScript('scripts/cli.ts', args(full)).done, killedThenResumed]);
    expect(a.code, a.stderr.slice(-2000)).to.equal(0);
    expect(resumed.code, resumed.stderr.slice(-2000)).to.equal(0);
    expect(resumed.stderr).to.match(/resumed from .*step-\d+/);

    const wa = await SafetensorsFile.open(path.join(full, 'final', 'model.safetensors'));
    const wb = await SafetensorsFile.open(path.join(killed, 'final', 'model.safetensors'));
    expect(wb.names().sort()).to.deep.equal(wa.names().sort());
    let worst = 0;
    for (const name of wa.names()) worst = Math.max(worst, maxAbsDiff(wb.getFloat32(name), wa.getFloat32(name)));
    expectWithin('kill -9 + resume: final weights', worst, 0, `${backendName()}, killed after step ${killedAt}`);
  });
});
