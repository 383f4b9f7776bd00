import { expect } from 'chai';
import { parseConfig } from '../lib/models/config.js';
import { explainDoesNotFit, microBatchFor, planMemory, WASM_HEAP_BYTES } from '../lib/training/memory.js';

const distilroberta = parseConfig({ model_type: 'roberta', vocab_size: 50265, hidden_size: 768, intermediate_size: 3072, num_attention_heads: 12, num_hidden_layers: 6, max_position_embeddings: 514, type_vocab_size: 1, pad_token_id: 1, id2label: { 0: 'L' } });
const DISTIL_PARAMS = { total: 82_118_401, trainable: 82_118_401, largestTrainable: 50265 * 768 };

describe('memory plan', () => {
  it('distilroberta on wasm: fits, with micro-batches that shrink as batches get longer', () => {
    const plan = planMemory(distilroberta, DISTIL_PARAMS, 'wasm');
    expect(plan.limitBytes).to.equal(WASM_HEAP_BYTES);
    expect(explainDoesNotFit(plan, 1, 128, 0)).to.equal(undefined);
    const sizes = [24, 40, 64, 128].map((T) => microBatchFor(plan, 16, T));
    expect(sizes[0]).to.be.at.least(12);
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]).to.be.at.most(sizes[i - 1]);
    expect(sizes[3]).to.be.within(1, 15);
  });

  it('a model whose weights, gradients and moments exceed the wasm heap fails with what would fit', () => {
    const large = parseConfig({ ...distilroberta.raw, hidden_size: 1024, intermediate_size: 4096, num_attention_heads: 16, num_hidden_layers: 24 });
    const plan = planMemory(large, { total: 355e6, trainable: 355e6, largestTrainable: 50265 * 1024 }, 'wasm');
    const msg = explainDoesNotFit(plan, 1, 128, 12 * 50265 * 1024);
    expect(msg).to.match(/need \d+\.\d\d GB but the wasm backend has 3\.69 GB/);
    expect(msg).to.match(/tfjs-node/);
  });

  it('suggests --freeze-embeddings when that alone would make it fit', () => {
    const plan = planMemory(distilroberta, { total: 230e6, trainable: 230e6, largestTrainable: 50265 * 768 }, 'wasm');
    const msg = explainDoesNotFit(plan, 1, 64, 12 * 150e6);
    expect(msg).to.match(/--freeze-embeddings \(saves 1\.80 GB; changes the recipe\)/);
  });

  it('suggests a shorter --max-length when one example is too long', () => {
    const plan = planMemory(distilroberta, DISTIL_PARAMS, 'wasm');
    const msg = explainDoesNotFit(plan, 1, 4096, 0);
    expect(msg).to.match(/one example of 4096 tokens needs .* What would fit: --max-length \d+/);
  });
});
