import { expect } from 'chai';
import { initBackend, tf, describeBackend } from '../lib/backend.js';

describe('backend', () => {
  it('starts the default backend and says why', async () => {
    const info = await initBackend();
    expect(['wasm', 'cpu', 'tensorflow']).to.include(info.name);
    expect(tf.getBackend()).to.equal(info.name);
    expect(describeBackend(info)).to.match(/because|TFJS_BACKEND|installed|fastest|slower/);
  });
});
