/**
 * Issue 11, items 8 and 9: a full disk, a folder the user cannot write, a closed pipe and paths of the wrong kind
 * give one error line naming the path and the reason, exit 1, no stack dump, and no temp file left behind; the last
 * good checkpoint survives. Real file systems: a small tmpfs (or loop-mounted ext2 image) mounted by the spec, a
 * read-only mount, a root-owned folder written by an unprivileged user, a real pipe closed by its reader.
 */
import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CrossEncoder } from '../lib/cross-encoder/model.js';
import { listCheckpoints, readCheckpoint } from '../lib/training/checkpoint-state.js';
import { startHubServer } from './helpers/hub-server.js';
import { fixtureModel } from './helpers/paths.js';
import { runCli, spawnScript } from './helpers/run-cli.js';
import { fillUntil, mountSmallFs, type SmallFs } from './helpers/small-fs.js';
import { expectNoStackDump, findTemps, writeTrainData } from './helpers/train-run.js';

const MODEL = fixtureModel('tiny-bert-cross-encoder');
const isRoot = process.getuid?.() === 0;

describe('disk full, no permission, closed pipe (issue 11, items 8 and 9)', function () {
  this.timeout(300_000);
  let tmp: string;
  let data: string;
  const mounts: SmallFs[] = [];
  before(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'xenc-disk-'));
    await fsp.chmod(tmp, 0o755);
    data = await writeTrainData(path.join(tmp, 'pairs.jsonl'));
  });
  after(async () => {
    for (const m of mounts) m.unmount();
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  /** A mounted small file system, or skip the test saying why none could be mounted. */
  async function smallFs(ctx: Mocha.Context, name: string, kb: number, readOnly = false): Promise<SmallFs> {
    const m = await mountSmallFs(path.join(tmp, name), kb, { readOnly });
    if ('unavailable' in m) {
      ctx.test!.title += ` [skipped: ${m.unavailable}]`;
      ctx.skip();
    }
    const fs = m as SmallFs;
    mounts.push(fs);
    ctx.test!.title += ` [on ${fs.kind}, mounted by the spec]`;
    return fs;
  }

  const trainOn = (out: string, extra: string[] = []) => ['train', '--model', MODEL, '--train', data, '--output', out, '--batch-size', '4', '--epochs', '2', '--save-steps', '2', '--no-progress', ...extra];

  it('8. disk full while checkpointing: names the file and ENOSPC, keeps the last good checkpoint, removes temp files', async function () {
    const fs = await smallFs(this, 'full', 2048);
    // Room for one checkpoint (~350 kB) and the logs, not for the next one beside it.
    await fillUntil(fs.dir, 560);
    const out = path.join(fs.dir, 'run');
    const r = await runCli(trainOn(out));
    expect(r.code, r.stderr.slice(-2000)).to.equal(1);
    expect(r.stderr).to.match(/error: cannot write .*\/run\/checkpoints\/step-\d+\/\S+: no space left on the device \(ENOSPC\)\n/);
    expectNoStackDump(r);
    expect(await findTemps(out), 'temp files left').to.deep.equal([]);
    const ckpts = await listCheckpoints(out);
    expect(ckpts.map((c) => c.step)).to.deep.equal([2]);
    const model = await CrossEncoder.fromPretrained(ckpts[0].dir);
    const shapes = new Map(model.model.trainableVariables().map(([n, v]) => [n, v.shape as number[]]));
    await readCheckpoint(ckpts[0].dir, shapes); // complete and finite
    model.dispose();
    // With space again, the kept checkpoint resumes to the end.
    await fsp.rm(path.join(fs.dir, 'filler.bin'));
    const resumed = await runCli(trainOn(out, ['--resume']));
    expect(resumed.code, resumed.stderr.slice(-2000)).to.equal(0);
    expect(resumed.stderr).to.match(/resumed from .*step-2/);
  });

  it('8. a full disk is found before the model loads, and no empty run folder stays', async function () {
    const fs = await smallFs(this, 'full0', 1024);
    await fillUntil(fs.dir, 0);
    const out = path.join(fs.dir, 'run');
    const r = await runCli(trainOn(out));
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/error: cannot write .*\/run: no space left on the device \(ENOSPC\); the output folder must be writable\n/);
    expect(r.stderr, 'failed before loading the model').not.to.match(/memory estimate|layers ×/);
    expectNoStackDump(r);
    expect(await fsp.readdir(fs.dir)).to.deep.equal(['filler.bin']);
  });

  it('8. an output folder that cannot be written: a read-only file system (EROFS)', async function () {
    const fs = await smallFs(this, 'readonly', 1024, true);
    const r = await runCli(trainOn(path.join(fs.dir, 'run')));
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/error: cannot create .*\/readonly\/run: the file system is read-only \(EROFS\)\n/);
    expectNoStackDump(r);
  });

  it('8. an output folder the user may not write (EACCES)', async function () {
    const locked = path.join(tmp, 'locked');
    await fsp.mkdir(locked);
    // Root may write anywhere: run the CLI as nobody against a root-owned folder; otherwise take write permission away.
    const as = isRoot ? { uid: 65534, gid: 65534 } : {};
    if (isRoot) this.test!.title += ' [a root-owned 0755 folder, the CLI run as uid 65534]';
    else {
      await fsp.chmod(locked, 0o555);
      this.test!.title += ' [a 0555 folder]';
    }
    const r = await runCli(trainOn(path.join(locked, 'run')), { ...as, env: { HOME: tmp } });
    expect(r.code, r.stderr.slice(-2000)).to.equal(1);
    expect(r.stderr).to.match(/error: cannot create .*\/locked\/run: permission denied \(EACCES\)\n/);
    expectNoStackDump(r);
  });

  it('8. predict writing to a closed pipe says so and exits 1, without a stack dump', async () => {
    const run = spawnScript('scripts/cli.ts', ['predict', '--model', MODEL], { input: 'a\tb\nc\td\n' });
    run.child.stdout!.destroy(); // the reader went away, as `| head -0` would
    const r = await run.done;
    expect(r.code, r.stderr.slice(-2000)).to.equal(1);
    expect(r.stderr).to.match(/error: cannot write standard output: the reading end of the pipe was closed \(EPIPE\)\n/);
    expectNoStackDump(r);
  });

  it('8. a full disk under the hub cache names the cache file and leaves no partial download', async function () {
    const fs = await smallFs(this, 'cache', 64);
    const server = await startHubServer({ repos: { 'test-org/tiny-bert': MODEL } });
    try {
      const r = await runCli(['predict', '--model', 'test-org/tiny-bert'], { input: 'a\tb\n', env: { HF_ENDPOINT: server.endpoint, HF_HUB_CACHE: fs.dir, HF_HUB_OFFLINE: '' } });
      expect(r.code, r.stderr.slice(-2000)).to.equal(1);
      expect(r.stderr).to.match(/error: cannot write .*models--test-org--tiny-bert\/blobs\/[0-9a-f]+: no space left on the device \(ENOSPC\); nothing was left in the Hugging Face cache/);
      expectNoStackDump(r);
      expect(await findTemps(fs.dir)).to.deep.equal([]);
    } finally {
      await server.stop();
    }
  });

  it('9. --output naming a regular file, --input naming a folder: one error line each, no stack dump', async () => {
    const file = path.join(tmp, 'a-file');
    await fsp.writeFile(file, 'not a folder');
    const r = await runCli(trainOn(file));
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/error: cannot create .*a-file: it is a file, not a folder/);
    expectNoStackDump(r);
    const r2 = await runCli(trainOn(path.join(file, 'run')));
    expect(r2.code).to.equal(1);
    expect(r2.stderr).to.match(/error: cannot create .*a-file\/run: a part of the path is a file, not a folder \(ENOTDIR\)/);
    expectNoStackDump(r2);
    const p = await runCli(['predict', '--model', MODEL, '--input', tmp]);
    expect(p.code).to.equal(1);
    expect(p.stderr).to.match(/error: cannot read .*xenc-disk-\w+: it is a folder; --input takes a file of pairs/);
    expectNoStackDump(p);
  });
});
