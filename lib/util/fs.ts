/**
 * Writing files and folders so that a reader (or a resumed run) sees the old version or the new one, never a mix,
 * and so that a failure (disk full, no permission, Ctrl-C twice) leaves no temp file behind and names the path.
 */
import { CrossEncoderError, FileSystemError } from '../errors.js';
import { fsp, path, platform, type WritableFile } from '../platform/index.js';

/** Temp files and folders this process is writing right now, each with how to clean it up synchronously. */
const liveTemps = new Map<string, () => void>();

function removeSync(p: string): void {
  try {
    fsp.rmSync(p, { recursive: true, force: true });
  } catch {
    // Best effort: we are exiting anyway, and the path is named *.tmp.
  }
}

/**
 * Register a temp path (removed by removeTempsSync unless `cleanup` says otherwise); call the returned function
 * once it has been renamed into place or removed.
 */
export function trackTemp(p: string, cleanup: () => void = () => removeSync(p)): () => void {
  liveTemps.set(p, cleanup);
  return () => liveTemps.delete(p);
}

/**
 * Remove every temp path still being written. For a process that must exit now (a second Ctrl-C, a fatal error):
 * synchronous, because no await runs after process.exit().
 */
export function removeTempsSync(): void {
  for (const cleanup of liveTemps.values()) cleanup();
  liveTemps.clear();
}

/** A sibling temp path: same directory, so the final rename is atomic on one file system. */
export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${platform().tempTag()}.tmp`);
}

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the device (ENOSPC)',
  EDQUOT: 'disk quota exceeded (EDQUOT)',
  EFBIG: 'file too large for this file system (EFBIG)',
  EACCES: 'permission denied (EACCES)',
  EPERM: 'operation not permitted (EPERM)',
  EROFS: 'the file system is read-only (EROFS)',
  EISDIR: 'it is a folder, not a file (EISDIR)',
  ENOTDIR: 'a part of the path is a file, not a folder (ENOTDIR)',
  EEXIST: 'it already exists and is not a folder (EEXIST)',
  ENOENT: 'no such file or folder (ENOENT)',
  EPIPE: 'the reading end of the pipe was closed (EPIPE)',
  EMFILE: 'too many open files (EMFILE)',
  EIO: 'input/output error (EIO)',
};

export function isErrno(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

/** Why a system call failed, in words, with its code. */
export function errnoReason(e: NodeJS.ErrnoException): string {
  return REASONS[e.code ?? ''] ?? `${e.message.replace(/^[A-Z]+: /, '').replace(/, \w+( '.*')?$/, '')} (${e.code})`;
}

/**
 * A file system error as a FileSystemError naming `file` (Node's own ENOSPC message has no path). Our typed
 * errors and anything that is not a system error pass through unchanged.
 */
export function fsError(e: unknown, file: string, action: FileSystemError['action'] = 'write'): unknown {
  if (e instanceof CrossEncoderError || !isErrno(e)) return e;
  return new FileSystemError(file, action, e.code, errnoReason(e));
}

/**
 * mkdir -p, failing with a FileSystemError that says why. Node's recursive mkdir reports ENOENT where the real
 * cause is a read-only file system or a missing permission on the parent, so the first missing folder is retried
 * alone to learn the actual error. Returns the first folder created, as fsp.mkdir does.
 */
export async function makeDir(dir: string): Promise<string | undefined> {
  try {
    return await fsp.mkdir(dir, { recursive: true });
  } catch (e) {
    let first = path.resolve(dir);
    while (path.dirname(first) !== first && !(await exists(path.dirname(first)))) first = path.dirname(first);
    const actual = await fsp.mkdir(first).then(
      () => e,
      (e2: unknown) => e2,
    );
    throw fsError(actual, dir, 'create');
  }
}

/**
 * Write every byte of `data` at the file's position. FileHandle.write may write fewer bytes than asked (a nearly
 * full disk does that) without an error; retrying the rest turns that into the real error, ENOSPC.
 */
export async function writeAll(fh: WritableFile, data: Uint8Array): Promise<void> {
  for (let off = 0; off < data.length; ) {
    const { bytesWritten } = await fh.write(data, off, data.length - off);
    off += bytesWritten;
  }
}

/** Write a file atomically: write a temp file, fsync, rename. Readers never see a half-written file. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await makeDir(path.dirname(target));
  const tmp = tempPathFor(target);
  const untrack = trackTemp(tmp);
  try {
    const fh = await fsp.open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, target);
  } catch (e) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw fsError(e, target);
  } finally {
    untrack();
  }
}

/**
 * Fill a temp folder beside `dir`, then swap it into place: readers see the old folder or the new one, never a mix,
 * and a failure leaves the old one untouched and no temp behind. Errors name paths under `dir`, not the temp.
 */
export async function writeDirAtomic(dir: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  const pid = platform().pid;
  const tmp = `${dir}.tmp-${pid}`;
  const old = `${dir}.old-${pid}`;
  // On a forced exit mid-swap, the old folder goes back in place rather than being lost with the temp.
  const untrack = trackTemp(tmp, () => {
    removeSync(tmp);
    if (!fsp.existsSync(dir) && fsp.existsSync(old)) fsp.renameSync(old, dir);
    else removeSync(old);
  });
  try {
    await fsp.rm(tmp, { recursive: true, force: true });
    await fsp.mkdir(tmp, { recursive: true });
    await fill(tmp);
    await fsp.rm(old, { recursive: true, force: true });
    const had = await fsp.rename(dir, old).then(
      () => true,
      () => false,
    );
    await fsp.rename(tmp, dir);
    if (had) await fsp.rm(old, { recursive: true, force: true });
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    // If the swap itself failed half-way, put the old folder back.
    if (!(await exists(dir)) && (await exists(old))) await fsp.rename(old, dir).catch(() => undefined);
    const err = fsError(e, dir);
    if (err instanceof FileSystemError && err.file.startsWith(tmp)) {
      throw new FileSystemError(dir + err.file.slice(tmp.length), err.action, err.errno, err.reason);
    }
    throw err;
  } finally {
    untrack();
  }
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fsp.access(p);
    return true;
  } catch {
    return false;
  }
}
