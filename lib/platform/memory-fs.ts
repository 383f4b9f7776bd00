/**
 * A page's file system: an in-memory tree with Node's fs.promises semantics (errors carry `code` and `syscall`, so
 * the library's messages read as in Node). Files are either bytes written by the library (save(), training logs,
 * checkpoints) or read on demand from elsewhere: Cache Storage for Hub downloads, a user's File, a URL. Mounting
 * such a file costs nothing until it is read, so a 300 MB model is not held twice.
 */
import { posixPath as path } from './posix-path.js';
import type { FileStats, PlatformFs, WritableFile } from './types.js';

/** A file's bytes on demand. */
export type ByteSource = () => Promise<Uint8Array>;

interface FileEntry {
  /** Known once read or written; a mounted file may not know it before. */
  size: number;
  read: ByteSource;
}

function fsErr(code: 'ENOENT' | 'EISDIR' | 'ENOTDIR' | 'EEXIST' | 'ENOTEMPTY', syscall: string, p: string): Error {
  const text = { ENOENT: 'no such file or directory', EISDIR: 'illegal operation on a directory', ENOTDIR: 'not a directory', EEXIST: 'file already exists', ENOTEMPTY: 'directory not empty' }[code];
  return Object.assign(new Error(`${code}: ${text}, ${syscall} '${p}'`), { code, syscall, path: p });
}

const encoder = new TextEncoder();
const toBytes = (d: string | Uint8Array): Uint8Array => (typeof d === 'string' ? encoder.encode(d) : d.slice());

export class MemoryFs implements PlatformFs {
  private readonly files = new Map<string, FileEntry>();
  private readonly dirs = new Set<string>(['/']);

  /** Make `file` readable, its bytes coming from `read`; its folders are created. */
  mount(file: string, read: ByteSource, size = -1): void {
    const p = path.resolve(file);
    this.mkdirsSync(path.dirname(p));
    this.files.set(p, { size, read });
  }

  private mkdirsSync(dir: string): string | undefined {
    let first: string | undefined;
    const chain: string[] = [];
    for (let d = path.resolve(dir); !this.dirs.has(d); d = path.dirname(d)) {
      if (this.files.has(d)) throw fsErr('ENOTDIR', 'mkdir', dir);
      chain.push(d);
    }
    for (const d of chain.reverse()) {
      first ??= d;
      this.dirs.add(d);
    }
    return first;
  }

  private file(p: string, syscall: string): FileEntry {
    const r = path.resolve(p);
    const f = this.files.get(r);
    if (f) return f;
    throw fsErr(this.dirs.has(r) ? 'EISDIR' : 'ENOENT', syscall, p);
  }

  private parentOf(p: string, syscall: string): void {
    const d = path.dirname(path.resolve(p));
    if (!this.dirs.has(d)) throw fsErr(this.files.has(d) ? 'ENOTDIR' : 'ENOENT', syscall, p);
  }

  private put(p: string, bytes: Uint8Array): void {
    const r = path.resolve(p);
    if (this.dirs.has(r)) throw fsErr('EISDIR', 'open', p);
    this.parentOf(p, 'open');
    this.files.set(r, { size: bytes.byteLength, read: async () => bytes });
  }

  private children(dir: string): string[] {
    const prefix = dir === '/' ? '/' : `${dir}/`;
    const out = new Set<string>();
    for (const k of [...this.files.keys(), ...this.dirs]) {
      if (k !== dir && k.startsWith(prefix)) out.add(k.slice(prefix.length).split('/')[0]);
    }
    return [...out].sort();
  }

  readFile(p: string): Promise<Uint8Array>;
  readFile(p: string, encoding: 'utf-8' | 'utf8'): Promise<string>;
  async readFile(p: string, encoding?: 'utf-8' | 'utf8'): Promise<Uint8Array | string> {
    const f = this.file(p, 'open');
    const bytes = await f.read();
    f.size = bytes.byteLength;
    return encoding ? new TextDecoder('utf-8').decode(bytes) : bytes;
  }

  async writeFile(p: string, data: string | Uint8Array): Promise<void> {
    this.put(p, toBytes(data));
  }

  async appendFile(p: string, data: string): Promise<void> {
    const r = path.resolve(p);
    const old = this.files.has(r) ? await this.readFile(r) : new Uint8Array(0);
    const add = encoder.encode(data);
    const both = new Uint8Array(old.byteLength + add.byteLength);
    both.set(old);
    both.set(add, old.byteLength);
    this.put(p, both);
  }

  async stat(p: string): Promise<FileStats> {
    const r = path.resolve(p);
    const f = this.files.get(r);
    const isDir = this.dirs.has(r);
    if (!f && !isDir) throw fsErr('ENOENT', 'stat', p);
    return { isFile: () => Boolean(f), isDirectory: () => isDir, size: f ? f.size : 0 };
  }

  async access(p: string): Promise<void> {
    if (!this.existsSync(p)) throw fsErr('ENOENT', 'access', p);
  }

  async readdir(p: string): Promise<string[]> {
    const r = path.resolve(p);
    if (!this.dirs.has(r)) throw fsErr(this.files.has(r) ? 'ENOTDIR' : 'ENOENT', 'scandir', p);
    return this.children(r);
  }

  async mkdir(p: string, opts: { recursive?: boolean } = {}): Promise<string | undefined> {
    const r = path.resolve(p);
    if (opts.recursive) return this.mkdirsSync(r);
    if (this.dirs.has(r) || this.files.has(r)) throw fsErr('EEXIST', 'mkdir', p);
    this.parentOf(r, 'mkdir');
    this.dirs.add(r);
    return undefined;
  }

  async rm(p: string, opts: { recursive?: boolean; force?: boolean } = {}): Promise<void> {
    const r = path.resolve(p);
    if (this.files.delete(r)) return;
    if (!this.dirs.has(r)) {
      if (opts.force) return;
      throw fsErr('ENOENT', 'rm', p);
    }
    if (!opts.recursive) throw fsErr('EISDIR', 'rm', p);
    const prefix = `${r}/`;
    for (const k of [...this.files.keys()]) if (k.startsWith(prefix)) this.files.delete(k);
    for (const k of [...this.dirs]) if (k === r || k.startsWith(prefix)) this.dirs.delete(k);
  }

  async rename(from: string, to: string): Promise<void> {
    this.renameSync(from, to);
  }

  async copyFile(from: string, to: string): Promise<void> {
    this.put(to, await this.readFile(from));
  }

  async open(p: string, flags: 'w' | 'wx'): Promise<WritableFile> {
    if (flags === 'wx' && this.existsSync(p)) throw fsErr('EEXIST', 'open', p);
    this.put(p, new Uint8Array(0));
    const chunks: Uint8Array[] = [];
    const flush = (): void => {
      const total = chunks.reduce((n, c) => n + c.byteLength, 0);
      const out = new Uint8Array(total);
      let at = 0;
      for (const c of chunks) {
        out.set(c, at);
        at += c.byteLength;
      }
      this.put(p, out);
    };
    return {
      write: async (data, offset, length) => {
        chunks.push(data.slice(offset, offset + length));
        flush();
        return { bytesWritten: length };
      },
      writeFile: async (data) => {
        chunks.push(toBytes(data));
        flush();
      },
      sync: async () => undefined,
      close: async () => undefined,
    };
  }

  existsSync(p: string): boolean {
    const r = path.resolve(p);
    return this.files.has(r) || this.dirs.has(r);
  }

  renameSync(from: string, to: string): void {
    const a = path.resolve(from);
    const b = path.resolve(to);
    const f = this.files.get(a);
    if (f) {
      if (this.dirs.has(b)) throw fsErr('EISDIR', 'rename', to);
      this.parentOf(b, 'rename');
      this.files.delete(a);
      this.files.set(b, f);
      return;
    }
    if (!this.dirs.has(a)) throw fsErr('ENOENT', 'rename', from);
    if (this.files.has(b)) throw fsErr('ENOTDIR', 'rename', to);
    if (this.dirs.has(b) && this.children(b).length) throw fsErr('ENOTEMPTY', 'rename', to);
    this.parentOf(b, 'rename');
    const move = (k: string): string => b + k.slice(a.length);
    const prefix = `${a}/`;
    for (const [k, v] of [...this.files]) if (k.startsWith(prefix)) (this.files.delete(k), this.files.set(move(k), v));
    for (const k of [...this.dirs]) if (k === a || k.startsWith(prefix)) (this.dirs.delete(k), this.dirs.add(move(k)));
  }

  rmSync(p: string): void {
    void this.rm(p, { recursive: true, force: true });
  }
}
