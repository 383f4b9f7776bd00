/**
 * User files in a page: a folder picked with `<input type=file webkitdirectory>` or dropped, mounted as a folder of
 * the page's file system, and a folder the library wrote (save(), a training run) read back out for download.
 */
import { memoryFs } from './browser.js';
import { posixPath as path } from './posix-path.js';

/** The part of the DOM's File used here (lib.dom is not loaded: the library also compiles for Node). */
export interface FileLike {
  readonly name: string;
  /** 'my-model/config.json' for files picked with webkitdirectory; '' otherwise. */
  readonly webkitRelativePath?: string;
  readonly size: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}

let mounts = 0;

/**
 * Mount `files` and return the folder to pass to fromPretrained / readPairsFile. Picked from a folder, the files keep
 * their relative paths and the folder returned is the picked folder itself; loose files land in one new folder.
 */
export function mountFiles(files: ArrayLike<FileLike> | Iterable<FileLike>): string {
  const list = Array.from(files as Iterable<FileLike>);
  const root = `/files/${mounts++}`;
  const rel = list.map((f) => (f.webkitRelativePath || f.name).replace(/^\/+/, ''));
  for (const [i, f] of list.entries()) memoryFs.mount(path.join(root, rel[i]), async () => new Uint8Array(await f.arrayBuffer()), f.size);
  const tops = new Set(rel.map((r) => (r.includes('/') ? r.split('/')[0] : '')));
  const [top] = [...tops];
  return tops.size === 1 && top ? path.join(root, top) : root;
}

/** Every file under `dir` (a folder save() or a training run wrote), with its path relative to `dir`. */
export async function readFolder(dir: string): Promise<Array<{ path: string; bytes: Uint8Array }>> {
  const out: Array<{ path: string; bytes: Uint8Array }> = [];
  const walk = async (rel: string): Promise<void> => {
    const abs = rel ? path.join(dir, rel) : dir;
    for (const name of await memoryFs.readdir(abs)) {
      const r = rel ? `${rel}/${name}` : name;
      if ((await memoryFs.stat(path.join(dir, r))).isDirectory()) await walk(r);
      else out.push({ path: r, bytes: await memoryFs.readFile(path.join(dir, r)) });
    }
  };
  await walk('');
  return out;
}
