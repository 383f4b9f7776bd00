#!/usr/bin/env node
/**
 * The parity suite (spec/parity) run through mocha's API, for bench/gpu/run.sh: there the specs run as esbuild
 * bundles beside this one, with no tsx and no node_modules. Same root hooks and reporter line as `npm test`.
 *
 *   node run-parity.mjs <spec bundle> ...
 */
import Mocha from 'mocha';
import { mochaHooks } from '../../spec/helpers/setup.js';

const files = process.argv.slice(2);
if (!files.length) {
  process.stderr.write('usage: node run-parity.mjs <spec bundle> ...\n');
  process.exit(2);
}
const mocha = new Mocha({ timeout: 1_200_000, slow: 5000, reporter: 'spec', rootHooks: mochaHooks });
for (const f of files) mocha.addFile(f);
await mocha.loadFilesAsync();
const runner = mocha.run((failures) => {
  const s = runner.stats ?? { passes: 0, failures, pending: 0 };
  process.stdout.write(`\n${s.passes} passed, ${s.failures} failed${s.pending ? `, ${s.pending} skipped` : ''}\n`);
  process.exitCode = failures ? 1 : 0;
});
