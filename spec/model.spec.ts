import { expect } from 'chai';
import { WeightsFolder } from '../lib/io/weights.js';
import { readConfig, type EncoderConfig } from '../lib/models/config.js';
import { loadWeights } from '../lib/models/load-weights.js';
import { SequenceClassifier } from '../lib/models/sequence-classifier.js';
import { fixtureModel } from './helpers/paths.js';

async function load(name: string): Promise<{ model: SequenceClassifier; cfg: EncoderConfig; initialised: string[] }> {
  const dir = fixtureModel(name);
  const cfg = await readConfig(dir);
  const model = new SequenceClassifier(cfg);
  const { initialised } = loadWeights(model, await WeightsFolder.fromDir(dir), { seed: 0 });
  return { model, cfg, initialised };
}

describe('model loading', () => {
  it('fresh heads are initialised like HF: normal(0, initializer_range) weights, zero bias, reproducible by seed', async () => {
    const a = await load('tiny-roberta-base');
    const b = await load('tiny-roberta-base');
    const get = (m: SequenceClassifier, n: string): number[] => Array.from(new Map(m.params()).get(n)!.variable.read().dataSync());
    const wa = get(a.model, 'classifier.dense.weight');
    expect(wa).to.deep.equal(get(b.model, 'classifier.dense.weight'));
    const mean = wa.reduce((s, v) => s + v, 0) / wa.length;
    const std = Math.sqrt(wa.reduce((s, v) => s + (v - mean) ** 2, 0) / wa.length);
    expect(Math.abs(mean)).to.be.below(0.004);
    expect(std).to.be.within(0.017, 0.023);
    expect(get(a.model, 'classifier.dense.bias').every((v) => v === 0)).to.equal(true);
    a.model.disposeAll();
    b.model.disposeAll();
  });
});
