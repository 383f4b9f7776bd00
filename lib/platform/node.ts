/**
 * The Node platform: node:fs, node:path, process.env, stderr, the huggingface_hub-compatible file cache (io/hub.ts),
 * worker-thread replicas (parallel/replica-pool.ts) and Node's backend order (backend/node.ts). Importing this module
 * installs it; every Node entry (lib/index.ts, lib/backend.ts, the replica worker, the scripts) does.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, promises as nodeFsp, renameSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import * as v8 from 'node:v8';
import { initBackend } from '../backend/node.js';
import { hubDownloadFile, hubListFiles, resolveModelDir } from '../io/hub.js';
import { ReplicaPool } from '../parallel/replica-pool.js';
import { installPlatform, type Platform, type PlatformFs } from './index.js';

const fs: PlatformFs = {
  readFile: ((p: string, enc?: 'utf-8' | 'utf8') => (enc ? nodeFsp.readFile(p, enc) : nodeFsp.readFile(p))) as PlatformFs['readFile'],
  writeFile: (p, d) => nodeFsp.writeFile(p, d),
  appendFile: (p, d) => nodeFsp.appendFile(p, d),
  stat: (p) => nodeFsp.stat(p),
  access: (p) => nodeFsp.access(p),
  readdir: (p) => nodeFsp.readdir(p),
  mkdir: (p, o) => nodeFsp.mkdir(p, o),
  rm: (p, o) => nodeFsp.rm(p, o),
  rename: (a, b) => nodeFsp.rename(a, b),
  copyFile: (a, b) => nodeFsp.copyFile(a, b),
  open: (p, flags) => nodeFsp.open(p, flags),
  existsSync: (p) => existsSync(p),
  renameSync: (a, b) => renameSync(a, b),
  rmSync: (p, o) => rmSync(p, o),
};

export const nodePlatform: Platform = {
  name: 'node',
  env: (name) => process.env[name],
  fs,
  path: nodePath,
  stderr: process.stderr,
  hub: { resolveModelDir, listFiles: hubListFiles, downloadFile: hubDownloadFile },
  initBackend: (requested) => initBackend(requested),
  cpuCount: () => os.availableParallelism(),
  totalMemoryBytes: () => os.totalmem(),
  startReplicas: (model, threads, build) => ReplicaPool.start(model, threads, build),
  createSha256: () => createHash('sha256'),
  tempTag: () => `${process.pid}.${randomBytes(4).toString('hex')}`,
  processAlive(pid) {
    if (pid === process.pid) return true;
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
  get pid() {
    return process.pid;
  },
  yieldToEventLoop: () => new Promise<void>((r) => setImmediate(r)),
  enableRelaxedSimd() {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    return true;
  },
};

installPlatform(nodePlatform);
