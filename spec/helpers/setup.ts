// Mocha root hooks: every spec runs on the library's default backend (wasm here, unless TFJS_BACKEND says otherwise).
import { initBackend } from '../../lib/backend.js';
import { setLogLevel } from '../../lib/util/log.js';

export const mochaHooks = {
  async beforeAll(): Promise<void> {
    if (!process.env.CROSS_ENCODER_LOG) setLogLevel('error');
    await initBackend();
  },
};
