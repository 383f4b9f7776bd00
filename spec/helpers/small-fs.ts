/**
 * Real small or read-only file systems for the disk-fault specs: a tmpfs mounted by the spec where mounting is
 * allowed (root, or a container that permits it), else an ext2 image on a loop device; `undefined` (with why) when
 * neither can be mounted, so the spec can skip and say so.
 */
import { spawnSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

export interface SmallFs {
  dir: string;
  /** Which kind, for the spec's title: 'a 2 MB tmpfs' or 'a 2 MB ext2 image on a loop device'. */
  kind: string;
  unmount(): void;
}

function run(cmd: string, args: string[]): { ok: boolean; why: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { ok: r.status === 0, why: (r.stderr || r.error?.message || `exit ${r.status}`).trim() };
}

/** Mount a file system of `kb` kilobytes at `dir` (created), read-only when asked. */
export async function mountSmallFs(dir: string, kb: number, opts: { readOnly?: boolean } = {}): Promise<SmallFs | { unavailable: string }> {
  await fsp.mkdir(dir, { recursive: true });
  const ro = opts.readOnly ? 'ro,' : '';
  const size = kb >= 1024 && kb % 1024 === 0 ? `${kb / 1024} MB` : `${kb} kB`;
  const t = run('mount', ['-t', 'tmpfs', '-o', `${ro}size=${kb}k,mode=0777`, 'tmpfs', dir]);
  if (t.ok) return { dir, kind: `a ${size}${opts.readOnly ? ' read-only' : ''} tmpfs`, unmount: () => void run('umount', ['-l', dir]) };
  const image = `${dir}.img`;
  const mk = run('sh', ['-c', `truncate -s ${kb}K '${image}' && mkfs.ext2 -q -F '${image}'`]);
  if (mk.ok) {
    const l = run('mount', ['-o', `${ro}loop`, image, dir]);
    if (l.ok) {
      if (!opts.readOnly) run('chmod', ['0777', dir]);
      return {
        dir,
        kind: `a ${size}${opts.readOnly ? ' read-only' : ''} ext2 image on a loop device`,
        unmount: () => {
          run('umount', ['-l', dir]);
          void fsp.rm(image, { force: true });
        },
      };
    }
    await fsp.rm(image, { force: true });
    return { unavailable: `cannot mount a tmpfs (${t.why}) or a loop image (${l.why})` };
  }
  await fsp.rm(image, { force: true });
  return { unavailable: `cannot mount a tmpfs (${t.why}) and cannot make an ext2 image (${mk.why})` };
}

/** Fill the file system at `dir` until only `freeKb` kilobytes are left. */
export async function fillUntil(dir: string, freeKb: number): Promise<void> {
  const st = await fsp.statfs(dir);
  const free = st.bavail * st.bsize;
  const filler = Math.max(0, free - freeKb * 1024);
  const fh = await fsp.open(path.join(dir, 'filler.bin'), 'w');
  try {
    const chunk = new Uint8Array(64 * 1024).fill(1);
    for (let written = 0; written < filler; written += chunk.length) await fh.write(chunk, 0, Math.min(chunk.length, filler - written));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    await fh.close();
  }
}
