import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as lib from '../lib/index.js';
import { REPO_ROOT } from './helpers/paths.js';

describe('package', () => {
  it('exports the public API from lib/index.ts', () => {
    for (const name of ['CrossEncoder', 'pearson', 'spearman', 'Trainer', 'PairTokenizer', 'loadPairs', 'initBackend', 'SafetensorsError', 'runTrainingJob']) {
      expect(lib, name).to.have.property(name);
    }
  });

  it('VERSION matches package.json', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf-8')) as { version: string };
    expect(lib.VERSION).to.equal(pkg.version);
  });
});
