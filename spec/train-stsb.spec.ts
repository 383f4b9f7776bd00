/**
 * Issue 11, item 17: `npm run train:stsb` without the hub says how to run offline, and has its own --help.
 * Real child processes; "offline" is a hub endpoint nobody listens on, and HF_HUB_OFFLINE=1 with an empty cache.
 */
import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from './helpers/paths.js';
import { spawnScript } from './helpers/run-cli.js';
import { expectNoStackDump } from './helpers/train-run.js';

const EXAMPLE = 'npm run train:stsb -- --model models/bert-2x128-random --data-dir ../shared/data/stsb';

/** A local port with nothing listening on it: connections are refused, as without a network. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('npm run train:stsb without the hub, and its --help (issue 11, item 17)', function () {
  this.timeout(120_000);
  let tmp: string;
  before(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'xenc-stsb-offline-'));
  });
  after(async () => {
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  it('17. an unreachable hub, or HF_HUB_OFFLINE=1 with nothing cached: the error says how to run offline, with the README\'s example', async () => {
    const readme = await fsp.readFile(path.join(REPO_ROOT, 'README.md'), 'utf-8');
    expect(readme, 'the example is the README\'s').to.include(EXAMPLE);
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const cases = [
      { env: { HF_ENDPOINT: endpoint, HF_HUB_CACHE: path.join(tmp, 'cache-a'), HF_HUB_OFFLINE: '' }, says: /Could not reach http:\/\/127\.0\.0\.1:\d+/ },
      { env: { HF_HUB_CACHE: path.join(tmp, 'cache-b'), HF_HUB_OFFLINE: '1' }, says: /not in the cache/ },
    ];
    for (const { env, says } of cases) {
      const r = await spawnScript('scripts/train-stsb.ts', ['--output', path.join(tmp, 'run'), '--no-progress'], { env }).done;
      expect(r.code, r.stderr.slice(-2000)).to.equal(1);
      expect(r.stderr).to.match(says);
      expect(r.stderr).to.include('To train offline, pass a local model folder and the STSb files: --model <dir> --data-dir <dir>');
      expect(r.stderr).to.include(EXAMPLE);
      expectNoStackDump(r);
    }
  });

  it('17. --help prints train:stsb\'s own usage, defaults and every training option', async () => {
    const r = await spawnScript('scripts/train-stsb.ts', ['--help']).done;
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/^npm run train:stsb -- \[--model distilroberta-base\] \[--data-dir DIR\]/);
    expect(r.stdout).to.include(EXAMPLE);
    expect(r.stdout).not.to.include('cross-encoder train --model');
    expect(r.stdout).to.match(/--warmup-ratio R +fraction of the steps with linear warm-up \[0\.1\]/);
  });
});
