/**
 * The browser entry bundles for a page with no Node shims: esbuild, platform browser, nothing external. Also records
 * the core's size (minified, gzip). Needs no browser.
 */
import { expect } from 'chai';
import { build } from 'esbuild';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { REPO_ROOT } from '../helpers/paths.js';

describe('the browser bundle', () => {
  it('esbuild --bundle --platform=browser lib/browser.ts succeeds with no node:* input and no Node shim', async () => {
    const out = await build({
      entryPoints: [path.join(REPO_ROOT, 'lib', 'browser.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      minify: true,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    expect(out.errors).to.deep.equal([]);
    const inputs = Object.keys(out.metafile.inputs);
    expect(inputs.filter((i) => i.startsWith('node:') || /(^|\/)lib\/(platform\/node|backend\/node|backend\/webgpu-node|io\/hub|io\/cache|parallel\/replica-(pool|worker))\.ts$/.test(i))).to.deep.equal([]);
    const bytes = out.outputFiles[0].contents;
    const gz = gzipSync(bytes).byteLength;
    process.stdout.write(`    core bundle: ${(bytes.byteLength / 1e6).toFixed(2)} MB minified, ${(gz / 1e3).toFixed(0)} kB gzip (tfjs-core, layers, cpu and wasm backends included; no GPU backend)\n`);
  });
});
