/**
 * AdamW's no-decay rule equals Hugging Face Trainer's (get_decay_parameter_names, transformers 5.24, written by
 * bench/decay_names.py into spec/fixtures/decay-names.json) on every architecture fixture, ModernBERT's norms included.
 */
import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { CrossEncoder } from '../lib/cross-encoder/model.js';
import { defaultNoDecay } from '../lib/training/optimizer.js';
import { fixtureModel, REPO_ROOT } from './helpers/paths.js';

describe('AdamW no-decay rule vs Hugging Face Trainer', function () {
  this.timeout(60_000);
  it('exempts exactly the parameters transformers exempts, on every architecture fixture', async () => {
    const ref = JSON.parse(await fsp.readFile(path.join(REPO_ROOT, 'spec', 'fixtures', 'decay-names.json'), 'utf-8')) as { no_decay: Record<string, string[]> };
    expect(Object.keys(ref.no_decay)).to.include('tiny-modernbert-cross-encoder');
    for (const [fixture, hfNoDecay] of Object.entries(ref.no_decay)) {
      const model = await CrossEncoder.fromPretrained(fixtureModel(fixture));
      const names = model.model.params().map(([n]) => n);
      model.dispose();
      const ours = names.filter(defaultNoDecay).sort();
      // Every name HF lists is one of ours (HF's and our parameter names are the same), and the sets are equal.
      expect(hfNoDecay.filter((n) => !names.includes(n)), `${fixture}: HF names we do not have`).to.deep.equal([]);
      expect(ours, fixture).to.deep.equal([...hfNoDecay].sort());
    }
  });
});
