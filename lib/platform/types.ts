/**
 * The platform seam: everything the library needs that Node and a web page provide differently. Models, tokenizer,
 * training, evaluation, data parsing and safetensors reach files, the environment, the Hub and the backend choice only
 * through this interface, so they import nothing from `node:*`. The Node entry installs lib/platform/node.ts, the
 * browser entry lib/platform/browser.ts (lib/platform/index.ts holds the installed one).
 */
import type { BackendInfo } from '../backend/state.js';
import type { HubOptions } from '../io/hub-options.js';
import type { ReplicaModel, Replicas } from '../parallel/threads.js';
import type { ReplicaBuild } from '../parallel/protocol.js';

/** What stat() tells; Node's fs.Stats has these and more. */
export interface FileStats {
  isFile(): boolean;
  isDirectory(): boolean;
  size: number;
}

/** An open file being written (Node's FileHandle subset that util/fs.ts uses). */
export interface WritableFile {
  write(data: Uint8Array, offset: number, length: number): Promise<{ bytesWritten: number }>;
  writeFile(data: string | Uint8Array): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The file operations the library uses, with Node's `fs.promises` semantics: failures are errors carrying Node's
 * `code` (ENOENT, EISDIR, ...) and `syscall`, so messages read the same on both platforms. The sync trio is for
 * removing temp files on a forced exit, when no await runs any more.
 */
export interface PlatformFs {
  readFile(path: string): Promise<Uint8Array>;
  readFile(path: string, encoding: 'utf-8' | 'utf8'): Promise<string>;
  writeFile(path: string, data: string | Uint8Array): Promise<void>;
  appendFile(path: string, data: string): Promise<void>;
  stat(path: string): Promise<FileStats>;
  access(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  mkdir(path: string, opts?: { recursive?: boolean }): Promise<string | undefined>;
  rm(path: string, opts?: { recursive?: boolean; force?: boolean }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  copyFile(from: string, to: string): Promise<void>;
  open(path: string, flags: 'w' | 'wx'): Promise<WritableFile>;
  existsSync(path: string): boolean;
  renameSync(from: string, to: string): void;
  rmSync(path: string, opts: { recursive: true; force: true }): void;
}

/** node:path's subset; POSIX semantics in a page (lib/platform/posix-path.ts). */
export interface PlatformPath {
  readonly sep: string;
  join(...parts: string[]): string;
  resolve(...parts: string[]): string;
  dirname(p: string): string;
  basename(p: string, ext?: string): string;
  extname(p: string): string;
  relative(from: string, to: string): string;
  isAbsolute(p: string): boolean;
}

/** Where text for a person goes (log lines, progress bars): stderr in Node, the console in a page. */
export interface TextSink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** An incremental SHA-256 (node:crypto's createHash('sha256') subset). */
export interface Sha256 {
  update(data: string | Uint8Array): Sha256;
  digest(encoding: 'hex'): string;
}

/** Hub access: downloads into the platform's cache (Node: huggingface_hub's folder; page: Cache Storage). */
export interface PlatformHub {
  /** A model folder path for an id, a local folder or (in a page) a URL or a mounted folder of Files. */
  resolveModelDir(idOrPath: string, opts?: HubOptions): Promise<string>;
  listFiles(repoId: string, opts?: HubOptions): Promise<string[]>;
  /** Download one repo file; returns a path readable through PlatformFs. */
  downloadFile(repoId: string, filename: string, opts?: HubOptions): Promise<string>;
}

export interface Platform {
  readonly name: 'node' | 'browser';
  /** An environment variable in Node; in a page there is no environment, so always undefined. */
  env(name: string): string | undefined;
  readonly fs: PlatformFs;
  readonly path: PlatformPath;
  readonly stderr: TextSink;
  readonly hub: PlatformHub;
  /** Choose and start a backend once (idempotent); `requested` names one, else the platform's automatic order. */
  initBackend(requested?: string): Promise<BackendInfo>;
  /** Logical cores, for threads 'auto'. */
  cpuCount(): number;
  /** Bytes of memory a non-wasm backend may plan to use (Node: 70 % of RAM is taken from this). */
  totalMemoryBytes(): number;
  /** Replica threads for data parallelism (Node: worker_threads). A page has none yet: it throws UsageError. */
  startReplicas(model: ReplicaModel, threads: number, build?: ReplicaBuild): Promise<Replicas>;
  createSha256(): Sha256;
  /** A short random hex string and a process tag, for temp file names. */
  tempTag(): string;
  /** Whether process `pid` still runs (a page has one "process": itself). */
  processAlive(pid: number): boolean;
  readonly pid: number;
  /** Let pending I/O, timers and signals run (setImmediate in Node, a macrotask in a page). */
  yieldToEventLoop(): Promise<void>;
  /** Ask the engine for relaxed SIMD when it has it behind a flag (Node 20's V8); false where that is impossible. */
  enableRelaxedSimd(): boolean;
}
