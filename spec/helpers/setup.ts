// Mocha root hooks: every spec runs on the library's default backend (wasm, or tfjs-node once `npm run
// setup:tfjs-node` installed it), unless TFJS_BACKEND says otherwise. XENC_PARITY_REPORT=<file> writes the parity
// suite's worst differences there at the end (spec/helpers/parity.ts).
import { initBackend } from '../../lib/backend.js';
import { setLogLevel } from '../../lib/util/log.js';
import { writeParityReport } from './parity.js';

export const mochaHooks = {
  async beforeAll(): Promise<void> {
    if (!process.env.CROSS_ENCODER_LOG) setLogLevel('error');
    const info = await initBackend();
    process.stdout.write(`  backend: ${info.name} (${info.source}${info.device ? `, ${info.device}` : ''})\n`);
  },
  afterAll(): void {
    const file = process.env.XENC_PARITY_REPORT;
    if (file) writeParityReport(file);
  },
};
