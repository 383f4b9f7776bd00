/**
 * Issue 11, items 18-20: the package as users install it. `npm pack` (which builds), `npm install` of the tarball in
 * a fresh folder (dependencies from the npm cache or registry), then import, require (Node 20.19+: require(esm)) and
 * the bin, all in real child processes. Slow (a build and an install): not in `npm run test:fast`.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fixtureModel, REPO_ROOT } from './helpers/paths.js';

function sh(cmd: string, args: string[], cwd: string, input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, input, encoding: 'utf8', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' }, maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const [major, minor] = process.versions.node.split('.').map(Number);
const requireEsm = major > 22 || (major === 22 && minor >= 12) || (major === 20 && minor >= 19);

describe('the package as users install it (issue 11, items 18-20)', function () {
  this.timeout(600_000);
  let tmp: string;
  let app: string;
  let files: string[];
  before(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'xenc-pack-'));
    const pack = sh('npm', ['pack', '--pack-destination', tmp, '--json'], REPO_ROOT);
    expect(pack.code, pack.stderr.slice(-3000)).to.equal(0);
    const tarball = path.join(tmp, (JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as Array<{ filename: string }>)[0].filename);
    files = sh('tar', ['-tzf', tarball], tmp).stdout.trim().split('\n').map((f) => f.replace(/^package\//, '')).sort();
    app = path.join(tmp, 'app');
    await fsp.mkdir(app);
    await fsp.writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    const install = sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], app);
    expect(install.code, install.stderr.slice(-3000)).to.equal(0);
  });
  after(async () => {
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  it('19. the tarball ships the library and the CLI only: no bench scripts, no source maps, no scripts\' .d.ts', () => {
    expect(files).to.include.members(['package.json', 'README.md', 'LICENSE', 'dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/scripts/cli.js', 'dist/lib/parallel/replica-worker.js']);
    const unexpected = files.filter(
      (f) => !['package.json', 'README.md', 'LICENSE'].includes(f) && !/^dist\/lib\/.+\.(js|d\.ts)$/.test(f) && !/^dist\/scripts\/(cli|commands\/[\w-]+)\.js$/.test(f),
    );
    expect(unexpected).to.deep.equal([]);
    expect(files.filter((f) => f.endsWith('.map'))).to.deep.equal([]);
  });

  it('19. nothing installed imports a package that is not a dependency (onnxruntime-node)', async () => {
    const dist = path.join(app, 'node_modules', 'tfjs-cross-encoder', 'dist');
    const shipped = files.filter((f) => f.endsWith('.js'));
    for (const f of shipped) expect(await fsp.readFile(path.join(dist, '..', f), 'utf-8'), f).not.to.include('onnxruntime');
  });

  it('18. import and require both load it from the installed package, and ./package.json is exported', () => {
    const model = fixtureModel('tiny-bert-cross-encoder');
    const esm = sh(process.execPath, ['--input-type=module', '-e', `import { CrossEncoder, VERSION } from 'tfjs-cross-encoder';
      const m = await CrossEncoder.fromPretrained(${JSON.stringify(model)});
      const [s] = await m.predict([['A man is playing a guitar.', 'A man plays the guitar.']]);
      m.dispose();
      console.log(VERSION, s.toFixed(4));`], app);
    expect(esm.code, esm.stderr.slice(-3000)).to.equal(0);
    expect(esm.stdout.trim()).to.match(/^0\.1\.0 0\.\d{4}$/);
    const pkg = sh(process.execPath, ['--input-type=module', '-e', `import pkg from 'tfjs-cross-encoder/package.json' with { type: 'json' }; console.log(pkg.name);`], app);
    expect(pkg.code, pkg.stderr.slice(-2000)).to.equal(0);
    expect(pkg.stdout.trim()).to.equal('tfjs-cross-encoder');
    if (!requireEsm) return; // older Node cannot require() an ES module at all; import works there
    const cjs = sh(process.execPath, ['-e', `const m = require('tfjs-cross-encoder'); console.log(typeof m.CrossEncoder, typeof m.runTrainingJob, require('tfjs-cross-encoder/package.json').version);`], app);
    expect(cjs.code, cjs.stderr.slice(-3000)).to.equal(0);
    expect(cjs.stdout.trim()).to.equal('function function 0.1.0');
  });

  it('18/19. the installed bin runs: --help, and predict on a local model', () => {
    const bin = path.join(app, 'node_modules', '.bin', 'cross-encoder');
    const help = sh(bin, ['--help'], app);
    expect(help.code, help.stderr).to.equal(0);
    expect(help.stdout).to.match(/^usage: cross-encoder <command>/);
    const p = sh(bin, ['predict', '--model', fixtureModel('tiny-bert-cross-encoder')], app, 'A man is playing a guitar.\tA man plays the guitar.\n');
    expect(p.code, p.stderr.slice(-3000)).to.equal(0);
    expect(JSON.parse(p.stdout.trim())).to.have.property('score').that.is.a('number');
  });

  it('20. inside the clone the README\'s import works after `npm run build` (the package\'s entry is dist/), and the README says so', async () => {
    // `npm pack` above ran the build, so dist/ exists in the checkout: the package's own name resolves to it.
    const r = sh(process.execPath, ['--input-type=module', '-e', `import { CrossEncoder } from 'tfjs-cross-encoder'; console.log(typeof CrossEncoder);`], REPO_ROOT);
    expect(r.code, r.stderr.slice(-2000)).to.equal(0);
    expect(r.stdout.trim()).to.equal('function');
    const readme = await fsp.readFile(path.join(REPO_ROOT, 'README.md'), 'utf-8');
    const section = readme.slice(readme.indexOf('## Use it from TypeScript'), readme.indexOf('## Command line'));
    expect(section).to.match(/npm run build/);
    expect(section).to.match(/inside (a|this) clone/i);
  });
});
