/**
 * Issue 11, item 7: Ctrl-C during `cross-encoder train`, with real signals to a real child process. The first SIGINT
 * finishes the step, writes a checkpoint and prints how to resume; the resumed run ends exactly where an
 * uninterrupted one does. A second SIGINT exits at once and leaves no temp folder.
 */
import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listCheckpoints } from '../lib/training/checkpoint-state.js';
import { readLog } from '../lib/training/training-log.js';
import { runCli, spawnScript, type CliResult } from './helpers/run-cli.js';
import { csvRows, expectNoStackDump, findTemps, trainArgs, writeTrainData } from './helpers/train-run.js';

/**
 * Start a run; once it has logged step `step` (a log line per step), send SIGINT; with `twice`, send a second one as
 * soon as the first is acknowledged (two signals sent back to back would arrive as one). Wait for it to exit.
 */
async function interruptAt(args: string[], step: number, twice: boolean): Promise<CliResult> {
  const run = spawnScript('scripts/cli.ts', args);
  let sent = 0;
  let seen = '';
  run.child.stderr!.on('data', (b: Buffer) => {
    seen += b.toString();
    if (sent === 0 && seen.includes(`step ${step}/`)) {
      sent = 1;
      run.child.kill('SIGINT');
    } else if (sent === 1 && twice && seen.includes('Ctrl-C: stopping')) {
      sent = 2;
      run.child.kill('SIGINT');
    }
  });
  return run.done;
}

/** The shell words of the printed command (our quoting: plain words or '...' with '\'' inside). */
function shellWords(cmd: string): string[] {
  return [...cmd.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]));
}

describe('Ctrl-C (SIGINT) during training (issue 11, item 7)', function () {
  this.timeout(300_000);
  let tmp: string;
  let data: string;
  before(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'xenc-sigint-'));
    data = await writeTrainData(path.join(tmp, 'pairs.jsonl'));
  });
  after(async () => {
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  it('7. the first SIGINT finishes the step, checkpoints it and prints the resume command; resuming gives the uninterrupted run\'s metrics', async () => {
    // Dropout on (the model's 0.1): the resumed run must also continue the dropout masks where they stopped.
    const full = path.join(tmp, 'uninterrupted');
    const a = await runCli(trainArgs(data, full));
    expect(a.code, a.stderr.slice(-2000)).to.equal(0);

    const out = path.join(tmp, 'interrupted');
    const r = await interruptAt(trainArgs(data, out), 4, false);
    expect(r.code, r.stderr.slice(-2000)).to.equal(130);
    expect(r.stderr).to.match(/Ctrl-C: stopping after the current step/);
    const m = /interrupted: training interrupted after step (\d+) of 12; saved (.*step-\d+)\nto continue: (.*)\n/.exec(r.stderr);
    expect(m, r.stderr.slice(-2000)).to.not.equal(null);
    const [, step, saved, command] = m!;
    expect(Number(step)).to.be.within(4, 11);
    expect((await listCheckpoints(out)).map((c) => c.dir)).to.deep.equal([saved]);
    expect(await findTemps(out)).to.deep.equal([]);
    expectNoStackDump(r);
    expect(await fsp.stat(path.join(out, 'results.json')).catch(() => undefined), 'no results for an unfinished run').to.equal(undefined);

    // Run exactly what it printed.
    const words = shellWords(command);
    expect(words.slice(0, 3)).to.deep.equal(['npx', 'tsx', 'scripts/cli.ts']);
    expect(words.slice(-3)).to.deep.equal(['--output', out, '--resume']);
    const resumed = await spawnScript('scripts/cli.ts', words.slice(3)).done;
    expect(resumed.code, resumed.stderr.slice(-2000)).to.equal(0);
    expect(resumed.stderr).to.match(new RegExp(`resumed from .*step-${step} \\(step ${step}`));

    const ra = JSON.parse(await fsp.readFile(path.join(full, 'results.json'), 'utf-8')) as { metrics: unknown; steps: number };
    const rb = JSON.parse(await fsp.readFile(path.join(out, 'results.json'), 'utf-8')) as { metrics: unknown; steps: number };
    expect(rb.steps).to.equal(ra.steps);
    expect(rb.metrics, 'final validation and test metrics').to.deep.equal(ra.metrics);
    expect(await csvRows(out, 'validation')).to.deep.equal(await csvRows(full, 'validation'));
    const [wa, wb] = await Promise.all([full, out].map((d) => fsp.readFile(path.join(d, 'final', 'model.safetensors'))));
    expect(wb.equals(wa), 'final weights are bit-identical').to.equal(true);
    const steps = (await readLog(path.join(out, 'log.jsonl'))).filter((x) => x.type === 'train').map((x) => x.step);
    expect(steps).to.deep.equal(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it('7. a second SIGINT exits at once with 130 and leaves no temp file or folder', async () => {
    // A checkpoint and a best/ model every step: temp folders are being written most of the time.
    const out = path.join(tmp, 'twice');
    const r = await interruptAt(trainArgs(data, out, ['--save-steps', '1', '--eval-steps', '1']), 3, true);
    expect(r.code, r.stderr.slice(-2000)).to.equal(130);
    expect(r.stderr).to.match(/interrupted; exiting now/);
    expect(await findTemps(out)).to.deep.equal([]);
    expectNoStackDump(r);
    // What it had written before is intact: the newest checkpoint resumes.
    const resumed = await runCli(trainArgs(data, out, ['--save-steps', '1', '--eval-steps', '1', '--resume']));
    expect(resumed.code, resumed.stderr.slice(-2000)).to.equal(0);
  });
});
