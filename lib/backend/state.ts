/**
 * Which TF.js backend this process runs on, as the platform-neutral code sees it. The platform's selection step
 * (lib/backend/node.ts in Node) records its choice here; models, training and kernels only read it.
 */
import { tf } from '../tf.js';
import { log } from '../util/log.js';

/** tfjs' own backend names: 'tensorflow' is tfjs-node / tfjs-node-gpu. */
export type BackendName = 'tensorflow' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export interface BackendInfo {
  name: BackendName;
  /** Which package provided it: '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-webgpu on webgpu (dawn.node)', ... */
  source: string;
  reason: string;
  /** The device it computes on, where there is one to name: a GPU adapter, TensorFlow's CPU or GPU device. */
  device?: string;
  /** A GPU backend on a software adapter (SwiftShader): right answers, CPU speed at best. */
  softwareAdapter?: boolean;
}

let active: BackendInfo | undefined;

export function setActiveBackend(info: BackendInfo): void {
  active = info;
}

/** The last step of choosing a backend, in Node and in a page: wait for it, record it, and say why it was chosen. */
export async function activateBackend(info: BackendInfo): Promise<BackendInfo> {
  await tf.ready();
  setActiveBackend(info);
  log.debug(`backend: ${info.name} (${info.source}${info.device ? `, ${info.device}` : ''}) because ${info.reason}`);
  return info;
}

export function activeBackend(): BackendInfo | undefined {
  return active;
}

/** The backend tensors live on now: the recorded choice, else what tfjs reports. */
export function currentBackendName(): string {
  return active?.name ?? tf.getBackend();
}

export function describeBackend(info: BackendInfo): string {
  return `${info.name} (${info.source}${info.device ? `, ${info.device}` : ''}): ${info.reason}`;
}
