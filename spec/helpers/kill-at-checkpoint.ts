/** Run a training CLI and kill it with SIGKILL as soon as its first checkpoint is on disk (the kill -9/resume specs). */
import { expect } from 'chai';
import { listCheckpoints } from '../../lib/training/checkpoint-state.js';
import { spawnScript } from './run-cli.js';

/** The step of the checkpoint that was on disk when the run was killed; fails the test if the run ended first. */
export async function killAtFirstCheckpoint(script: string, args: string[], outputDir: string): Promise<number> {
  const run = spawnScript(script, args);
  let killedAt: number | undefined;
  while (run.child.exitCode === null && killedAt === undefined) {
    // The output folder may not exist yet in the first polls.
    const ckpts = await listCheckpoints(outputDir).catch(() => []);
    if (ckpts.length) {
      run.child.kill('SIGKILL');
      killedAt = ckpts[0].step;
    } else {
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  const k = await run.done;
  expect(k.signal, 'the run was killed before it finished').to.equal('SIGKILL');
  expect(killedAt).to.be.a('number');
  return killedAt as number;
}
