/**
 * Parity suite, part 3: a model saved on the active backend reloads with the same logits (bit for bit), in the HF
 * layout Python's CrossEncoder reads (HF names, [out, in] Linear weights, the sentence_transformers config block).
 */
import { expect } from 'chai';
import { promises as fsp, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CrossEncoder } from '../../lib/cross-encoder/model.js';
import { SafetensorsFile } from '../../lib/io/safetensors.js';
import { expectWithin, maxAbsDiff } from '../helpers/parity.js';
import { fixtureModel } from '../helpers/paths.js';

function expectedCases(name: string): Array<{ pairs: [string, string][] }> {
  return (JSON.parse(readFileSync(path.join(fixtureModel(name), 'expected.json'), 'utf-8')) as { cases: Array<{ pairs: [string, string][] }> }).cases;
}

describe('parity: save and reload on the active backend', () => {
  it('save then fromPretrained gives identical logits; safetensors hold HF names and [out, in] Linear shapes', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'xenc-save-'));
    for (const name of ['tiny-bert-cross-encoder', 'tiny-roberta-cross-encoder', 'tiny-distilbert-cross-encoder', 'tiny-roberta-base'] as const) {
      const out = path.join(dir, name);
      const a = await CrossEncoder.fromPretrained(fixtureModel(name), { seed: 3 });
      const [c] = name === 'tiny-roberta-base' ? expectedCases('tiny-roberta-cross-encoder') : expectedCases(name);
      const before = await a.predict(c.pairs, { activation: 'identity' });
      await a.save(out);
      const b = await CrossEncoder.fromPretrained(out);
      const after = await b.predict(c.pairs, { activation: 'identity' });
      expectWithin('save/load round trip: logits', maxAbsDiff(after, before), 0, name);
      expect(b.loadReport.initialised, `${name} reloads without fresh weights`).to.deep.equal([]);

      const st = await SafetensorsFile.open(path.join(out, 'model.safetensors'));
      expect(st.metadata.format).to.equal('pt');
      const cfg = JSON.parse(await fsp.readFile(path.join(out, 'config.json'), 'utf-8')) as Record<string, unknown>;
      expect(cfg.architectures).to.have.length(1);
      expect(String((cfg.architectures as string[])[0])).to.match(/ForSequenceClassification$/);
      expect(cfg.id2label).to.deep.equal({ 0: 'LABEL_0' });
      expect((cfg.sentence_transformers as { activation_fn: string }).activation_fn).to.equal('torch.nn.modules.activation.Sigmoid');
      // sentence-transformers parses this with packaging.version: it must be a plain release number.
      expect((cfg.sentence_transformers as { version: string }).version).to.match(/^\d+\.\d+\.\d+$/);
      const H = a.config.hiddenSize;
      const I = a.config.intermediateSize;
      if (name.startsWith('tiny-bert')) {
        expect(st.info('bert.encoder.layer.0.intermediate.dense.weight').shape).to.deep.equal([I, H]);
        expect(st.info('bert.pooler.dense.weight').shape).to.deep.equal([H, H]);
        expect(st.info('classifier.weight').shape).to.deep.equal([1, H]);
      } else if (name.startsWith('tiny-roberta')) {
        expect(st.info('roberta.encoder.layer.1.output.dense.weight').shape).to.deep.equal([H, I]);
        expect(st.info('classifier.out_proj.weight').shape).to.deep.equal([1, H]);
        expect(st.names().some((n) => n.startsWith('lm_head'))).to.equal(false);
      } else {
        expect(st.info('distilbert.transformer.layer.0.ffn.lin1.weight').shape).to.deep.equal([I, H]);
        expect(st.info('pre_classifier.weight').shape).to.deep.equal([H, H]);
      }
      for (const f of ['tokenizer.json', 'tokenizer_config.json', 'config.json', 'model.safetensors']) {
        expect(await fsp.stat(path.join(out, f)).then(() => true), f).to.equal(true);
      }
      a.dispose();
      b.dispose();
    }
    await fsp.rm(dir, { recursive: true, force: true });
  });
});
