/**
 * The on-disk layout of the Hugging Face Hub cache, byte-compatible with Python's huggingface_hub, so a model
 * downloaded by either side is reused by the other:
 *
 *   {root}/models--{org}--{name}/
 *     blobs/{etag}                       file contents, named by git sha1 (small files) or sha256 (LFS files)
 *     snapshots/{commit}/{path}          relative symlink to ../../blobs/{etag} (more ../ for nested paths)
 *     refs/{revision}                    the commit sha a branch/tag pointed to when last seen online
 *     .no_exist/{commit}/{path}          empty marker: the file is known NOT to exist at that commit
 *
 * This module only knows paths and files; the network lives in hub.ts.
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exists, fsError, makeDir, tempPathFor, trackTemp, writeFileAtomic } from '../util/fs.js';

import type { RepoType } from './hub-options.js';

export type { RepoType };

export { isCommitSha, isSafeName, validateRepoId, validateRepoPath, validateRevision } from './repo-names.js';
import { isCommitSha, isSafeName } from './repo-names.js';

/** Expand a leading `~` the way a shell would, because env vars like HF_HOME are often written that way in .env files. */
function expandHome(p: string): string {
  if (p === '~') return os.homedir();
  if (p.startsWith('~/') || p.startsWith('~\\')) return path.join(os.homedir(), p.slice(2));
  return p;
}

/**
 * Cache root, in huggingface_hub's order: explicit option, HF_HUB_CACHE (or legacy HUGGINGFACE_HUB_CACHE), $HF_HOME/hub,
 * $XDG_CACHE_HOME/huggingface/hub, ~/.cache/huggingface/hub.
 */
export function hubCacheDir(opts?: { cacheDir?: string }): string {
  const env = process.env;
  const chosen =
    opts?.cacheDir ||
    env.HF_HUB_CACHE ||
    env.HUGGINGFACE_HUB_CACHE || // the pre-0.20 name, still honoured by huggingface_hub
    (env.HF_HOME ? path.join(expandHome(env.HF_HOME), 'hub') : undefined) ||
    (env.XDG_CACHE_HOME ? path.join(expandHome(env.XDG_CACHE_HOME), 'huggingface', 'hub') : undefined) ||
    path.join(os.homedir(), '.cache', 'huggingface', 'hub');
  return path.resolve(expandHome(chosen));
}

/** Where huggingface_hub keeps its token after `huggingface-cli login` (HF_TOKEN_PATH, else $HF_HOME/token). */
export function hubTokenPath(): string {
  const env = process.env;
  if (env.HF_TOKEN_PATH) return path.resolve(expandHome(env.HF_TOKEN_PATH));
  const home = env.HF_HOME
    ? expandHome(env.HF_HOME)
    : env.XDG_CACHE_HOME
      ? path.join(expandHome(env.XDG_CACHE_HOME), 'huggingface')
      : path.join(os.homedir(), '.cache', 'huggingface');
  return path.resolve(home, 'token');
}

/** `models--org--name`, `datasets--org--name`, or `models--name` for ids without an org. */
export function repoFolderName(repoId: string, repoType: RepoType = 'model'): string {
  return [`${repoType}s`, ...repoId.split('/')].join('--');
}

/** Paths inside one repo's cache folder. */
export class RepoCache {
  readonly root: string;

  constructor(
    readonly cacheDir: string,
    readonly repoId: string,
    readonly repoType: RepoType,
  ) {
    this.root = path.join(cacheDir, repoFolderName(repoId, repoType));
  }

  blobPath(etag: string): string {
    return path.join(this.root, 'blobs', etag);
  }

  snapshotDir(commit: string): string {
    return path.join(this.root, 'snapshots', commit);
  }

  snapshotPath(commit: string, filename: string): string {
    return path.join(this.snapshotDir(commit), ...filename.split('/'));
  }

  refPath(revision: string): string {
    return path.join(this.root, 'refs', ...revision.split('/'));
  }

  noExistPath(commit: string, filename: string): string {
    return path.join(this.root, '.no_exist', commit, ...filename.split('/'));
  }

  /** Commit sha for a revision without the network: the sha itself, or what refs/ recorded. */
  async resolveCommit(revision: string): Promise<string | undefined> {
    if (isCommitSha(revision)) return revision;
    try {
      const sha = (await fsp.readFile(this.refPath(revision), 'utf8')).trim();
      return isSafeName(sha) ? sha : undefined;
    } catch {
      return undefined;
    }
  }

  /** Record branch/tag → commit, as huggingface_hub does (no trailing newline, only rewritten when it changed). */
  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit) return;
    const p = this.refPath(revision);
    try {
      if ((await fsp.readFile(p, 'utf8')) === commit) return;
    } catch {
      // missing: write it below
    }
    await writeFileAtomic(p, commit);
  }

  /** The snapshot file if present and its symlink target exists (a dangling link is a miss, not a hit). */
  async cachedFile(commit: string, filename: string): Promise<string | undefined> {
    const p = this.snapshotPath(commit, filename);
    return (await exists(p)) ? p : undefined;
  }

  async markNoExist(commit: string, filename: string): Promise<void> {
    const p = this.noExistPath(commit, filename);
    await fsp.mkdir(path.dirname(p), { recursive: true });
    await fsp.writeFile(p, '');
  }

  async isMarkedNoExist(commit: string, filename: string): Promise<boolean> {
    return exists(this.noExistPath(commit, filename));
  }

  /**
   * Point snapshots/{commit}/{filename} at blobs/{etag} with a relative symlink, so the cache folder can be moved
   * or mounted elsewhere. Created under a temp name then renamed, so a reader never sees a half-made entry.
   * Where symlinks are not allowed (Windows without developer mode) we copy, as huggingface_hub does.
   */
  async linkBlob(commit: string, filename: string, etag: string): Promise<string> {
    const pointer = this.snapshotPath(commit, filename);
    const blob = this.blobPath(etag);
    await makeDir(path.dirname(pointer));
    const tmp = tempPathFor(pointer);
    const untrack = trackTemp(tmp);
    try {
      try {
        await fsp.symlink(path.relative(path.dirname(pointer), blob), tmp);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EPERM' && code !== 'EACCES' && code !== 'ENOTSUP') throw e;
        await fsp.copyFile(blob, tmp);
      }
      await fsp.rename(tmp, pointer);
    } catch (e) {
      await fsp.rm(tmp, { force: true });
      throw fsError(e, pointer);
    } finally {
      untrack();
    }
    return pointer;
  }

  /** Files of a cached snapshot, '/'-separated and sorted; dangling links (blob deleted) are left out. */
  async listSnapshot(commit: string): Promise<string[] | undefined> {
    const dir = this.snapshotDir(commit);
    if (!(await exists(dir))) return undefined;
    const out: string[] = [];
    const walk = async (rel: string[]): Promise<void> => {
      const entries = await fsp.readdir(path.join(dir, ...rel), { withFileTypes: true });
      for (const e of entries) {
        if (e.name.startsWith('.') && e.name.endsWith('.tmp')) continue; // our in-flight temp links
        const parts = [...rel, e.name];
        const full = path.join(dir, ...parts);
        let st;
        try {
          st = await fsp.stat(full);
        } catch {
          continue;
        }
        if (st.isDirectory()) await walk(parts);
        else if (st.isFile()) out.push(parts.join('/'));
      }
    };
    await walk([]);
    return out.sort();
  }
}
