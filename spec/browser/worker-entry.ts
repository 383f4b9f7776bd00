/**
 * The model worker as a page would ship it (bundled by spec/browser/harness.ts, served as /worker.js): the library's
 * browser entry and serveModelWorker. wasm and cpu only: the GPU backends are opt-in imports, not needed here.
 */
import { serveModelWorker } from '../../lib/browser.js';

serveModelWorker();
