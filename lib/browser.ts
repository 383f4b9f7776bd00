/**
 * tfjs-cross-encoder in a web page (package.json `exports`, condition `browser`): the same models, tokenizer, training
 * and evaluation as in Node, on webgpu, webgl, wasm or cpu.
 *
 *   import '@tensorflow/tfjs-backend-webgl';              // optional: the GPU backends register on import
 *   import { CrossEncoder, setWasmPaths } from 'tfjs-cross-encoder';
 *   setWasmPaths('/assets/tfjs-wasm/');                    // where the bundler put tfjs-backend-wasm's .wasm files
 *   const model = await CrossEncoder.fromPretrained('cross-encoder/ms-marco-MiniLM-L6-v2');  // Hub, cached
 *   const scores = await model.predict([['query', 'passage']]);
 *
 * Files live in an in-memory file system: Hub downloads (kept in Cache Storage), URLs, and user Files
 * (`mountFiles`) are folders in it; `save()` and training write into it, and `readFolder` reads a folder back out.
 */
// First: installs the page platform (in-memory files, Cache Storage, no environment, the page's backend order).
import './platform/browser.js';
import { hubSettings } from './platform/browser.js';
import type { BrowserHubSettings } from './io/browser-hub.js';

export * from './exports.js';
export { initBrowserBackend as initBackend, setWasmPaths } from './backend/browser.js';
export { activeBackend, describeBackend, type BackendInfo, type BackendName } from './backend/state.js';
export { tf } from './tf.js';
export { SafetensorsFile, serializeSafetensors } from './io/safetensors.js';
export { type HubOptions } from './io/hub-options.js';
export { mountFiles, readFolder, type FileLike } from './platform/files.js';

/**
 * Page-wide Hub settings, the page's counterpart of Node's HF_ENDPOINT, HF_TOKEN and HF_HUB_OFFLINE (a page has no
 * environment), and the Cache Storage cache's name. Per-call options (`endpoint`, `token`, ...) still win.
 */
export function configureHub(settings: Partial<BrowserHubSettings>): void {
  Object.assign(hubSettings, settings);
}

// The model worker (load, score, rank, fine-tune and export in a Web Worker) and a zip writer for the download.
export { serveModelWorker, type WorkerScopeLike } from './web/worker.js';
export { ModelWorkerClient, WorkerError, type WorkerLike } from './web/client.js';
export type { DataSpec, LoadOptions, ModelFile, ModelInfo, ModelSource, PredictResult, TrainEvent, TrainOutcome, TrainRequest, WorkerSetup } from './web/protocol.js';
export { zipStore, crc32, type ZipEntry } from './web/zip.js';
