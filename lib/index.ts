/**
 * tfjs-cross-encoder: Hugging Face cross-encoders in TensorFlow.js.
 *
 *   import { CrossEncoder } from 'tfjs-cross-encoder';
 *   const model = await CrossEncoder.fromPretrained('cross-encoder/stsb-distilroberta-base');
 *   const scores = await model.predict([['A man is eating food.', 'A man is eating a piece of bread.']]);
 *
 * and bi-encoders (sentence-transformers' SentenceTransformer) on the same encoder:
 *   const st = await SentenceTransformer.fromPretrained('sentence-transformers/all-MiniLM-L6-v2');
 *   const [a, b] = await st.encode(['A man is eating food.', 'A man is eating a piece of bread.']);
 *
 * This is the Node entry (package.json `exports`, condition `node`); a page gets lib/browser.ts.
 */
// First: installs the Node platform (files, environment, the Hub cache, worker threads, Node's backend order).
import './platform/node.js';

export * from './exports.js';
export { initBackend, activeBackend, describeBackend, probeBackends, type BackendInfo, type BackendName, type BackendProbe, type InitBackendOptions } from './backend.js';
export { runTrainingJob, type JobOptions, type JobResult } from './cross-encoder/job.js';
export { hubDownloadFile, hubListFiles, resolveModelDir, hubCacheDir, type HubOptions } from './io/hub.js';
export { SafetensorsFile, writeSafetensors, serializeSafetensors } from './io/safetensors.js';
export { createRandomModel } from './models/random-init.js';
export { ReplicaPool } from './parallel/replica-pool.js';
export { installPlatform, type Platform } from './platform/index.js';
