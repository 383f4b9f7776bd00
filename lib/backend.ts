/**
 * The Node entry to backend selection (lib/backend/node.ts), and `tf` for code that also picks the backend.
 * Platform-neutral code imports `tf` from lib/tf.ts and the active backend's name from lib/backend/state.ts.
 */
// Anything that chooses a backend in Node runs on the Node platform: installing it here covers every Node caller.
import './platform/node.js';

export { tf } from './tf.js';
export { activeBackend, currentBackendName, describeBackend, type BackendInfo, type BackendName } from './backend/state.js';
export { initBackend, probeBackends, type BackendProbe, type InitBackendOptions } from './backend/node.js';
