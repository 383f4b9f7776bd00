import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as lib from '../lib/index.js';
import { REPO_ROOT } from './helpers/paths.js';
import { spawnSync } from 'node:child_process';

interface Pkg {
  version: string;
  scripts: Record<string, string>;
}
const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf-8')) as Pkg;

describe('package', () => {
  it('exports the public API from lib/index.ts', () => {
    for (const name of ['CrossEncoder', 'pearson', 'spearman', 'Trainer', 'PairTokenizer', 'loadPairs', 'initBackend', 'SafetensorsError', 'runTrainingJob', 'DEFAULT_SEED', 'ModelDisposedError', 'FileSystemError', 'TrainingInterruptedError', 'TRAINING_ARGS']) {
      expect(lib, name).to.have.property(name);
    }
  });

  it('VERSION matches package.json', () => {
    expect(lib.VERSION).to.equal(pkg.version);
  });
});

describe('running the suite (issue 11, item 21)', function () {
  this.timeout(120_000);

  it('21. `npx mocha spec/one.spec.ts` runs that file alone: the glob is in the npm scripts, not .mocharc.json', () => {
    const rc = JSON.parse(readFileSync(path.join(REPO_ROOT, '.mocharc.json'), 'utf-8')) as Record<string, unknown>;
    expect(rc).not.to.have.property('spec');
    expect(pkg.scripts.test).to.include("mocha 'spec/**/*.spec.ts'");
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js'), 'spec/schedule.spec.ts'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    const tests = (readFileSync(path.join(REPO_ROOT, 'spec', 'schedule.spec.ts'), 'utf-8').match(/\bit\(/g) ?? []).length;
    expect(r.stdout).to.match(new RegExp(`\\n${tests} passed, 0 failed`));
  });

  it('21. `npm run test:fast` leaves out the slow specs, and the README gives both durations', async () => {
    expect(pkg.scripts['test:fast']).to.match(/--ignore spec\/e2e\.spec\.ts/).and.to.match(/--ignore spec\/parity\/resume\.spec\.ts/);
    const readme = await fsp.readFile(path.join(REPO_ROOT, 'README.md'), 'utf-8');
    expect(readme).to.match(/`npm test`[^\n]*about \d+ min/);
    expect(readme).to.match(/`npm run test:fast`[^\n]*about \d+ min/);
  });

  it('21. no spec hard-codes an absolute path of this machine', async () => {
    const specs: string[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const e of await fsp.readdir(d, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(path.join(d, e.name));
        else if (e.name.endsWith('.ts')) specs.push(path.join(d, e.name));
      }
    };
    await walk(path.join(REPO_ROOT, 'spec'));
    for (const f of specs) expect(readFileSync(f, 'utf-8'), path.relative(REPO_ROOT, f)).not.to.match(/['"`]\/(work|home|root|Users)\//);
  });
});
