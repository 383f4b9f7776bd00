/**
 * Hugging Face Hub downloads into a cache that Python's huggingface_hub shares (layout in cache.ts).
 *
 * The protocol mirrors hf_hub_download: a HEAD on /resolve/ (redirects to the CDN not followed) tells the commit,
 * the etag and the size; then a GET of the file, following the CDN redirect without our token. Downloads land in a
 * temp file, are checked for size (and sha256 for LFS files), then renamed into blobs/ and linked from snapshots/,
 * so an interrupted run never leaves something that a later run mistakes for a complete file.
 */
import { createHash } from 'node:crypto';
import { readFileSync, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { FileSystemError, HubError } from '../errors.js';
import { exists, fsError, isErrno, makeDir, tempPathFor, trackTemp, writeAll } from '../util/fs.js';
import { log } from '../util/log.js';
import { formatBytes, ProgressBar } from '../util/progress.js';
import { WEIGHTS_FILE as SAFETENSORS_FILE, WEIGHTS_INDEX_FILE as SAFETENSORS_INDEX } from './weights.js';
import {
  RepoCache,
  hubCacheDir,
  hubTokenPath,
  isSafeName,
  repoFolderName,
  validateRepoId,
  validateRepoPath,
  validateRevision,
  type RepoType,
} from './cache.js';

export { hubCacheDir, repoFolderName, type RepoType };
export type { HubOptions } from './hub-options.js';
import { SENTENCE_TRANSFORMERS_FILES, TOKENIZER_FILES, UNSUPPORTED_WEIGHTS } from './repo-names.js';
import type { HubOptions } from './hub-options.js';


interface Resolved {
  revision: string;
  cacheDir: string;
  endpoint: string;
  token: string | undefined;
  offline: boolean;
  repoType: RepoType;
  showProgress: boolean;
}

/** Built on first use: nothing reads the process at module scope. */
const userAgent = (): string => `tfjs-cross-encoder; node/${process.versions.node}`;
const MAX_REDIRECTS = 10;

function envTrue(v: string | undefined): boolean {
  return v !== undefined && ['1', 'true', 'yes', 'on'].includes(v.trim().toLowerCase());
}

function envSeconds(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

function defaultToken(): string | undefined {
  const env = process.env.HF_TOKEN || process.env.HUGGING_FACE_HUB_TOKEN;
  if (env) return env.trim();
  try {
    return readFileSync(hubTokenPath(), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function resolveOptions(opts: HubOptions = {}): Resolved {
  const endpoint = (opts.endpoint ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, '');
  return {
    revision: opts.revision ?? 'main',
    cacheDir: hubCacheDir(opts),
    endpoint,
    token: opts.token !== undefined ? opts.token || undefined : defaultToken(),
    offline: opts.offline ?? envTrue(process.env.HF_HUB_OFFLINE),
    repoType: opts.repoType ?? 'model',
    showProgress: opts.showProgress !== false,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Errors. HubError's shape is fixed (errors.ts), so the extra facts our own control flow needs (is it worth falling
// back to the cache? is it "entry not found"?) live in a side table instead of new public fields.

type FailureKind = 'network' | 'http' | 'offline' | 'integrity' | 'interrupted';
interface FailureInfo {
  kind: FailureKind;
  errorCode?: string;
  commit?: string;
}
const failures = new WeakMap<HubError, FailureInfo>();

function hubError(message: string, repoId: string, file: string | undefined, status: number | undefined, info: FailureInfo): HubError {
  const e = new HubError(message, repoId, file, status);
  failures.set(e, info);
  return e;
}

function failureOf(e: unknown): FailureInfo | undefined {
  return e instanceof HubError ? failures.get(e) : undefined;
}

/** Worth serving a cached copy instead: the hub could not be reached or is having trouble. */
function isTransient(e: unknown): boolean {
  return failureOf(e)?.kind === 'network';
}

function isEntryNotFound(e: unknown): boolean {
  const f = failureOf(e);
  if (!(e instanceof HubError) || e.status !== 404 || f?.kind !== 'http') return false;
  // A server that sends no X-Error-Code (a plain mirror) gets the benefit of the doubt.
  return f.errorCode === undefined || f.errorCode === 'EntryNotFound';
}

interface Ctx {
  o: Resolved;
  repoId: string;
  file?: string;
}

function describeCause(e: unknown): string {
  if (e instanceof Error) {
    if (e.name === 'TimeoutError') return 'timed out';
    const cause = (e as Error & { cause?: unknown }).cause;
    if (cause instanceof Error) {
      const code = (cause as NodeJS.ErrnoException).code;
      return code ? `${code}: ${cause.message}` : cause.message;
    }
    return e.message;
  }
  return String(e);
}

function repoLabel(o: Resolved, repoId: string): string {
  return o.repoType === 'dataset' ? `dataset ${repoId}` : repoId;
}

async function httpError(res: Response, ctx: Ctx, url: string): Promise<HubError> {
  // Free the connection; the body of a hub error is a short JSON we summarise from headers instead.
  await res.body?.cancel().catch(() => undefined);
  const { o, repoId, file } = ctx;
  const code = res.headers.get('x-error-code') ?? undefined;
  const hubMsg = res.headers.get('x-error-message');
  const commit = res.headers.get('x-repo-commit') ?? undefined;
  const repo = repoLabel(o, repoId);
  const what = file ? `"${file}" from ${repo}` : repo;
  const status = res.status;
  const tokenHint = o.token
    ? 'the token that was sent (HF_TOKEN) was refused or has no access to it'
    : 'no token was sent: set HF_TOKEN (or pass `token`) to a token with read access';
  let msg: string;
  if (code === 'GatedRepo') {
    msg =
      `${repo} is a gated repo: accept its conditions at ${o.endpoint}/${o.repoType === 'dataset' ? 'datasets/' : ''}${repoId} ` +
      `while logged in, then set HF_TOKEN to a token of that account (${o.token ? 'the token sent has no access yet' : 'no token was sent'}).`;
  } else if (status === 401 || status === 403) {
    msg =
      code === 'RepoNotFound'
        ? `Repository ${repo} not found on ${o.endpoint}, or it is private/gated and ${tokenHint}.`
        : `${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'} fetching ${what}: the repo may be private or gated, and ${tokenHint}.`;
  } else if (status === 404) {
    if (code === 'EntryNotFound') {
      msg = `File "${file ?? '?'}" not found in ${repo} at revision "${o.revision}".`;
    } else if (code === 'RevisionNotFound') {
      msg = `Revision "${o.revision}" not found in ${repo}: check the branch, tag or commit sha.`;
    } else if (code === 'RepoNotFound') {
      msg =
        `Repository ${repo} not found on ${o.endpoint}: check the id` +
        `${o.repoType === 'model' ? " (for a dataset, pass repoType: 'dataset')" : ''}; if it is private, set HF_TOKEN.`;
    } else {
      msg = `${url} answered 404: repo ${repo}, revision "${o.revision}"${file ? ` or file "${file}"` : ''} not found.`;
    }
  } else {
    msg = `${url} answered ${status} ${res.statusText || ''}`.trimEnd() + ` while fetching ${what}.`;
  }
  if (hubMsg) msg += ` (hub says: ${hubMsg})`;
  // 5xx and rate limits are the hub's trouble, not the request's: a cached copy is still a good answer.
  const kind: FailureKind = status >= 500 || status === 429 ? 'network' : 'http';
  return hubError(msg, repoId, file, status, { kind, errorCode: code, commit });
}

/** fetch, with transport failures turned into HubError (kind 'network') naming the endpoint and the cause. */
async function fetchHub(url: string, init: RequestInit, ctx: Ctx): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    const what = ctx.file ? `"${ctx.file}" from ${repoLabel(ctx.o, ctx.repoId)}` : repoLabel(ctx.o, ctx.repoId);
    throw hubError(
      `Could not reach ${new URL(url).origin} to fetch ${what} (${describeCause(e)}). ` +
        `Check the network or HF_ENDPOINT; to use only cached files set HF_HUB_OFFLINE=1.`,
      ctx.repoId,
      ctx.file,
      undefined,
      { kind: 'network' },
    );
  }
}

function headers(o: Resolved, withAuth: boolean): Record<string, string> {
  const h: Record<string, string> = {
    'User-Agent': userAgent(),
    // Sizes must be the real byte counts: a gzip'd body would make Content-Length lie about the file.
    'Accept-Encoding': 'identity',
  };
  if (withAuth && o.token) h.Authorization = `Bearer ${o.token}`;
  return h;
}

function repoUrlBase(o: Resolved): string {
  return o.repoType === 'dataset' ? `${o.endpoint}/datasets` : o.endpoint;
}

function fileUrl(o: Resolved, repoId: string, filename: string): string {
  // Revision is one path segment (refs/pr/3 → refs%2Fpr%2F3); the file keeps its '/' separators.
  const file = filename.split('/').map(encodeURIComponent).join('/');
  return `${repoUrlBase(o)}/${repoId}/resolve/${encodeURIComponent(o.revision)}/${file}`;
}

/** Like urllib's netloc == '': the hub uses relative redirects for renamed repos, absolute ones for the CDN. */
function isRelativeLocation(loc: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(loc) && !loc.startsWith('//');
}

function normalizeEtag(raw: string): string {
  return raw.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
}

// ---------------------------------------------------------------------------------------------------------------
// Single file

interface FileMeta {
  commit: string;
  etag: string;
  /** sha256 hex when the file is stored in LFS (from X-Linked-Etag); verified after download. */
  sha256?: string;
  size?: number;
  /** Where to GET the bytes: the CDN URL from the redirect, or the resolve URL itself. */
  location: string;
}

async function headFile(ctx: Ctx & { file: string }): Promise<FileMeta> {
  const { o, repoId, file } = ctx;
  let url = fileUrl(o, repoId, file);
  let res: Response | undefined;
  for (let i = 0; i <= MAX_REDIRECTS; i++) {
    res = await fetchHub(
      url,
      {
        method: 'HEAD',
        headers: headers(o, true),
        redirect: 'manual',
        signal: AbortSignal.timeout(envSeconds('HF_HUB_ETAG_TIMEOUT', 10) * 1000),
      },
      ctx,
    );
    const loc = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && loc && isRelativeLocation(loc)) {
      url = new URL(loc, url).href;
      continue;
    }
    break;
  }
  if (!res) throw new Error('unreachable');
  const isRedirect = res.status >= 300 && res.status < 400;
  if (!res.ok && !isRedirect) throw await httpError(res, ctx, url);

  const commit = res.headers.get('x-repo-commit');
  const linked = res.headers.get('x-linked-etag');
  const rawEtag = linked ?? res.headers.get('etag');
  if (!commit || !rawEtag) {
    throw hubError(
      `${url} did not answer like the Hugging Face Hub (missing ${!commit ? 'X-Repo-Commit' : 'ETag'} header); check HF_ENDPOINT.`,
      repoId,
      file,
      res.status,
      { kind: 'http' },
    );
  }
  const etag = normalizeEtag(rawEtag);
  if (!isSafeName(commit) || !isSafeName(etag)) {
    throw hubError(`${url} sent an unusable commit "${commit}" or etag "${etag}".`, repoId, file, res.status, { kind: 'http' });
  }
  const sizeHeader = res.headers.get('x-linked-size') ?? (isRedirect ? null : res.headers.get('content-length'));
  const size = sizeHeader !== null && /^\d+$/.test(sizeHeader) ? Number(sizeHeader) : undefined;
  const loc = res.headers.get('location');
  return {
    commit,
    etag,
    sha256: linked && /^[0-9a-f]{64}$/i.test(etag) ? etag.toLowerCase() : undefined,
    size,
    location: isRedirect && loc ? new URL(loc, url).href : url,
  };
}

/** GET the bytes into blobs/{etag}: temp file, size + sha256 check, fsync, rename. Never leaves a partial blob. */
async function downloadBlob(ctx: Ctx & { file: string }, meta: FileMeta, blobPath: string): Promise<void> {
  const { o, repoId, file } = ctx;
  const hubOrigin = new URL(o.endpoint).origin;
  const stallMs = envSeconds('HF_HUB_DOWNLOAD_TIMEOUT', 10) * 1000;
  const abort = new AbortController();
  let stalled = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      abort.abort();
    }, stallMs);
    timer.unref();
  };

  await makeDir(path.dirname(blobPath)).catch((e: unknown) => Promise.reject(cacheWriteError(e, path.dirname(blobPath), o)));
  const tmp = tempPathFor(blobPath);
  const untrack = trackTemp(tmp);
  let received = 0;
  let expected = meta.size;
  let bar: ProgressBar | undefined;
  try {
    let url = meta.location;
    let res: Response | undefined;
    for (let i = 0; i <= MAX_REDIRECTS; i++) {
      arm();
      // The token is for the hub only: a CDN (or any other origin) never sees it.
      const sameOrigin = new URL(url).origin === hubOrigin;
      res = await fetchHub(url, { headers: headers(o, sameOrigin), redirect: 'manual', signal: abort.signal }, ctx);
      const loc = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && loc) {
        await res.body?.cancel().catch(() => undefined);
        url = new URL(loc, url).href;
        continue;
      }
      break;
    }
    if (!res) throw new Error('unreachable');
    if (!res.ok) throw await httpError(res, ctx, url);
    if (!res.body) throw new Error('empty response body');
    const len = res.headers.get('content-length');
    if (expected === undefined && len !== null && /^\d+$/.test(len)) expected = Number(len);

    if (o.showProgress) {
      bar = new ProgressBar({ total: expected ?? 0, label: file, unit: 'B' });
      if (!bar.enabled && (expected ?? 0) >= 10e6) log.info(`downloading ${file} from ${repoLabel(o, repoId)} (${formatBytes(expected ?? 0)})`);
    }
    const hash = meta.sha256 ? createHash('sha256') : undefined;
    const fh = await fsp.open(tmp, 'wx');
    try {
      for await (const chunk of res.body) {
        arm();
        await writeAll(fh, chunk);
        hash?.update(chunk);
        received += chunk.length;
        bar?.update(received);
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    clearTimeout(timer);
    if (expected !== undefined && received !== expected) {
      throw hubError(
        `Size mismatch for "${file}" from ${repoLabel(o, repoId)}: expected ${expected} bytes, got ${received}. ` +
          `Nothing was written to the cache; run again to retry.`,
        repoId,
        file,
        undefined,
        { kind: 'integrity' },
      );
    }
    if (hash && meta.sha256) {
      const got = hash.digest('hex');
      if (got !== meta.sha256) {
        throw hubError(
          `Checksum mismatch for "${file}" from ${repoLabel(o, repoId)}: sha256 ${got}, the hub says ${meta.sha256}. ` +
            `Nothing was written to the cache; run again to retry.`,
          repoId,
          file,
          undefined,
          { kind: 'integrity' },
        );
      }
    }
    await fsp.rename(tmp, blobPath);
  } catch (e) {
    clearTimeout(timer);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    if (e instanceof HubError) throw e;
    if (isErrno(e)) throw cacheWriteError(e, blobPath, o);
    const reason = stalled ? `no data for ${stallMs / 1000}s (HF_HUB_DOWNLOAD_TIMEOUT)` : describeCause(e);
    throw hubError(
      `Download of "${file}"${expected !== undefined ? ` (${formatBytes(expected)})` : ''} from ${repoLabel(o, repoId)} ` +
        `was interrupted${received > 0 ? ` after ${formatBytes(received)}` : ''} (${reason}). ` +
        `Nothing was written to the cache; run again to retry.`,
      repoId,
      file,
      undefined,
      { kind: 'interrupted' },
    );
  } finally {
    untrack();
    bar?.done();
  }
}

/** Disk full or no permission in the cache: name the file and the cache root, not the network. */
function cacheWriteError(e: unknown, file: string, o: Resolved): unknown {
  const err = fsError(e, file);
  if (!(err instanceof FileSystemError)) return err;
  return new FileSystemError(file, err.action, err.errno, `${err.reason}; nothing was left in the Hugging Face cache (${o.cacheDir}); free space there or point HF_HUB_CACHE elsewhere`);
}

/** The cached file for (revision, file), using only the disk. */
async function cachedPath(cache: RepoCache, revision: string, file: string): Promise<string | undefined> {
  const commit = await cache.resolveCommit(revision);
  return commit ? cache.cachedFile(commit, file) : undefined;
}

function notCachedError(o: Resolved, cache: RepoCache, repoId: string, file: string, commit: string | undefined): HubError {
  const where = commit ? cache.snapshotPath(commit, file) : cache.root;
  const why = commit ? '' : ` (no refs/${o.revision} recorded: the revision was never resolved online)`;
  return hubError(
    `"${file}" from ${repoLabel(o, repoId)} (revision "${o.revision}") is not in the cache at ${where}${why} ` +
      `and HF_HUB_OFFLINE=1 (or offline: true) forbids downloading it. Run once with network access, or unset HF_HUB_OFFLINE.`,
    repoId,
    file,
    undefined,
    { kind: 'offline' },
  );
}

async function fromCacheOffline(o: Resolved, cache: RepoCache, repoId: string, file: string): Promise<string> {
  const commit = await cache.resolveCommit(o.revision);
  const hit = commit ? await cache.cachedFile(commit, file) : undefined;
  if (hit) return hit;
  if (commit && (await cache.isMarkedNoExist(commit, file))) {
    throw hubError(
      `File "${file}" does not exist in ${repoLabel(o, repoId)} at revision "${o.revision}" (as recorded when last online).`,
      repoId,
      file,
      404,
      { kind: 'http', errorCode: 'EntryNotFound', commit },
    );
  }
  throw notCachedError(o, cache, repoId, file, commit);
}

/** Download (or take from cache) one file; returns the absolute path inside snapshots/{commit}/. */
export async function hubDownloadFile(repoId: string, filename: string, opts?: HubOptions): Promise<string> {
  const o = resolveOptions(opts);
  validateRepoId(repoId);
  validateRepoPath(repoId, filename);
  validateRevision(repoId, o.revision);
  const cache = new RepoCache(o.cacheDir, repoId, o.repoType);
  if (o.offline) return fromCacheOffline(o, cache, repoId, filename);

  const ctx = { o, repoId, file: filename };
  let meta: FileMeta;
  try {
    meta = await headFile(ctx);
  } catch (e) {
    if (isTransient(e)) {
      const hit = await cachedPath(cache, o.revision, filename);
      if (hit) {
        log.warn(`${(e as Error).message} Using the cached copy at ${hit}.`);
        return hit;
      }
    }
    // Remember the miss as huggingface_hub does, so offline runs (ours or Python's) know not to look for it.
    const commit = failureOf(e)?.commit;
    if (isEntryNotFound(e) && commit && isSafeName(commit)) await cache.markNoExist(commit, filename).catch(() => undefined);
    throw e;
  }

  await cache.writeRef(o.revision, meta.commit);
  const hit = await cache.cachedFile(meta.commit, filename);
  if (hit) return hit;
  const blob = cache.blobPath(meta.etag);
  if (!(await exists(blob))) await downloadBlob(ctx, meta, blob);
  return cache.linkBlob(meta.commit, filename, meta.etag);
}

/**
 * Like hubDownloadFile but returns undefined when the file does not exist in the repo (404 EntryNotFound), or,
 * offline, when it is not cached. Other errors still throw.
 */
export async function hubTryDownloadFile(repoId: string, filename: string, opts?: HubOptions): Promise<string | undefined> {
  try {
    return await hubDownloadFile(repoId, filename, opts);
  } catch (e) {
    if (isEntryNotFound(e) || failureOf(e)?.kind === 'offline') return undefined;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Listing

interface RepoListing {
  sha: string;
  files: string[];
}

async function listRepoOnline(o: Resolved, repoId: string, cache: RepoCache): Promise<RepoListing> {
  const ctx: Ctx = { o, repoId };
  const url = `${o.endpoint}/api/${o.repoType}s/${repoId}/revision/${encodeURIComponent(o.revision)}`;
  const res = await fetchHub(
    url,
    { headers: { ...headers(o, true), Accept: 'application/json' }, signal: AbortSignal.timeout(60_000) },
    ctx,
  );
  if (!res.ok) throw await httpError(res, ctx, url);
  let body: unknown;
  try {
    body = await res.json();
  } catch (e) {
    throw hubError(`${url} did not return JSON (${describeCause(e)}); check HF_ENDPOINT.`, repoId, undefined, res.status, {
      kind: 'http',
    });
  }
  const info = body as { sha?: unknown; siblings?: unknown };
  if (typeof info.sha !== 'string' || !isSafeName(info.sha) || !Array.isArray(info.siblings)) {
    throw hubError(`${url} returned JSON without "sha" and "siblings"; check HF_ENDPOINT.`, repoId, undefined, res.status, {
      kind: 'http',
    });
  }
  const files = (info.siblings as unknown[])
    .map((s) => (s && typeof s === 'object' ? (s as { rfilename?: unknown }).rfilename : undefined))
    .filter((f): f is string => typeof f === 'string');
  // snapshot_download records the ref too; it also lets a later offline run find this commit.
  await cache.writeRef(o.revision, info.sha);
  return { sha: info.sha, files };
}

async function listRepoCached(o: Resolved, cache: RepoCache): Promise<RepoListing | undefined> {
  const sha = await cache.resolveCommit(o.revision);
  const files = sha ? await cache.listSnapshot(sha) : undefined;
  return sha && files ? { sha, files } : undefined;
}

function notCachedRepoError(o: Resolved, repoId: string, cache: RepoCache, why: string): HubError {
  return hubError(
    `${repoLabel(o, repoId)} (revision "${o.revision}") is not in the cache at ${cache.root}${why}. ` +
      `Run once with network access${o.offline ? ', or unset HF_HUB_OFFLINE' : ''}.`,
    repoId,
    undefined,
    undefined,
    { kind: 'offline' },
  );
}

/** The listing: online from the API, falling back to the cached snapshot when the hub is unreachable. */
async function listRepo(o: Resolved, repoId: string): Promise<{ listing: RepoListing; online: boolean }> {
  const cache = new RepoCache(o.cacheDir, repoId, o.repoType);
  if (!o.offline) {
    try {
      return { listing: await listRepoOnline(o, repoId, cache), online: true };
    } catch (e) {
      if (!isTransient(e)) throw e;
      const cached = await listRepoCached(o, cache);
      if (!cached) throw e;
      log.warn(`${(e as Error).message} Using the cached snapshot ${cache.snapshotDir(cached.sha)}.`);
      return { listing: cached, online: false };
    }
  }
  const cached = await listRepoCached(o, cache);
  if (!cached) throw notCachedRepoError(o, repoId, cache, ' and HF_HUB_OFFLINE=1 (or offline: true) forbids the network');
  return { listing: cached, online: false };
}

/** List repo files: online via the API; offline from the cached snapshot folder (recursive). */
export async function hubListFiles(repoId: string, opts?: HubOptions): Promise<string[]> {
  const o = resolveOptions(opts);
  validateRepoId(repoId);
  validateRevision(repoId, o.revision);
  return (await listRepo(o, repoId)).listing.files;
}

// ---------------------------------------------------------------------------------------------------------------
// Models

/** True if `idOrPath` is an existing local directory. */
export async function isLocalDir(idOrPath: string): Promise<boolean> {
  try {
    return (await fsp.stat(idOrPath)).isDirectory();
  } catch {
    return false;
  }
}

function looksLikePath(s: string): boolean {
  return path.isAbsolute(s) || s.startsWith('./') || s.startsWith('../') || s.startsWith('~') || s.includes('\\');
}

function pickleError(o: Resolved, repoId: string, found: string[]): HubError {
  const repoPage = `${o.endpoint}/${o.repoType === 'dataset' ? 'datasets/' : ''}${repoId}`;
  return hubError(
    `${repoId} (revision "${o.revision}") has no model.safetensors, only ${found.join(', ')}. ` +
      `This library loads safetensors only: it does not execute pickles (loading pytorch_model.bin can run arbitrary code) ` +
      `and does not read TF/Flax weights. Either use a revision that has model.safetensors — the Hub's safetensors ` +
      `conversion bot often opens a PR, see ${repoPage}/discussions, then pass e.g. --revision refs/pr/N ` +
      `(revision: 'refs/pr/N') — or convert in Python: ` +
      `\`import torch; from safetensors.torch import save_file; sd = torch.load("pytorch_model.bin", map_location="cpu"); ` +
      `save_file({k: v.clone().contiguous() for k, v in sd.items()}, "model.safetensors")\` next to config.json and the ` +
      `tokenizer files, then pass that folder.`,
    repoId,
    found[0],
    undefined,
    { kind: 'http' },
  );
}

type WeightsPlan = { kind: 'single' } | { kind: 'sharded' };

function planWeights(o: Resolved, repoId: string, files: Set<string>, cache: RepoCache, sha: string, online: boolean): WeightsPlan {
  if (files.has(SAFETENSORS_FILE)) return { kind: 'single' };
  if (files.has(SAFETENSORS_INDEX)) return { kind: 'sharded' };
  const found = UNSUPPORTED_WEIGHTS.filter((f) => files.has(f));
  if (found.length > 0) throw pickleError(o, repoId, found);
  if (!online) throw notCachedRepoError(o, repoId, cache, ` (no ${SAFETENSORS_FILE} or ${SAFETENSORS_INDEX} in snapshot ${sha})`);
  throw hubError(
    `${repoId} (revision "${o.revision}") has no ${SAFETENSORS_FILE} or ${SAFETENSORS_INDEX} on the hub: no weights this library can load.`,
    repoId,
    SAFETENSORS_FILE,
    undefined,
    { kind: 'http' },
  );
}

async function readShardNames(repoId: string, indexPath: string): Promise<string[]> {
  let weightMap: unknown;
  try {
    weightMap = (JSON.parse(await fsp.readFile(indexPath, 'utf8')) as { weight_map?: unknown }).weight_map;
  } catch (e) {
    throw hubError(`${indexPath} is not valid JSON (${describeCause(e)}).`, repoId, SAFETENSORS_INDEX, undefined, {
      kind: 'integrity',
    });
  }
  if (!weightMap || typeof weightMap !== 'object') {
    throw hubError(`${indexPath} has no "weight_map" object.`, repoId, SAFETENSORS_INDEX, undefined, { kind: 'integrity' });
  }
  const shards = [...new Set(Object.values(weightMap as Record<string, unknown>))];
  if (shards.length === 0 || shards.some((s) => typeof s !== 'string')) {
    throw hubError(`${indexPath}: "weight_map" must map tensor names to shard file names.`, repoId, SAFETENSORS_INDEX, undefined, {
      kind: 'integrity',
    });
  }
  for (const s of shards as string[]) validateRepoPath(repoId, s);
  return (shards as string[]).sort();
}

/**
 * Resolve a model: a local folder is returned as-is (absolute). Otherwise download config.json, the tokenizer files
 * and sentence-transformers' modules.json / config_sentence_transformers.json that exist, and the safetensors weights
 * (single file, or index + every shard it names) and return the snapshot directory. Pickle/TF/Flax-only repos are
 * refused with a message saying how to get safetensors.
 */
export async function resolveModelDir(idOrPath: string, opts?: HubOptions): Promise<string> {
  if (await isLocalDir(idOrPath)) return path.resolve(idOrPath);
  if (looksLikePath(idOrPath)) {
    throw new HubError(`Local model folder ${path.resolve(idOrPath)} does not exist.`, idOrPath);
  }
  const o = resolveOptions(opts);
  validateRepoId(idOrPath);
  validateRevision(idOrPath, o.revision);
  const repoId = idOrPath;
  const cache = new RepoCache(o.cacheDir, repoId, o.repoType);
  const { listing, online } = await listRepo(o, repoId);
  const files = new Set(listing.files);

  if (!files.has('config.json')) {
    throw online
      ? hubError(`${repoId} (revision "${o.revision}") has no config.json: is it a transformers model repo?`, repoId, 'config.json', 404, {
          kind: 'http',
          errorCode: 'EntryNotFound',
        })
      : notCachedRepoError(o, repoId, cache, ` (config.json missing from snapshot ${listing.sha})`);
  }
  const plan = planWeights(o, repoId, files, cache, listing.sha, online);

  // Pin every file to the listed commit, so a push to the branch mid-download cannot mix two versions.
  const pinned: HubOptions = {
    revision: listing.sha,
    cacheDir: o.cacheDir,
    endpoint: o.endpoint,
    token: o.token ?? '',
    offline: o.offline || !online,
    repoType: o.repoType,
    showProgress: o.showProgress,
  };
  const wanted: string[] = ['config.json', ...TOKENIZER_FILES.filter((f) => files.has(f)), ...SENTENCE_TRANSFORMERS_FILES.filter((f) => files.has(f))];
  if (plan.kind === 'single') {
    wanted.push(SAFETENSORS_FILE);
  } else {
    const indexPath = await hubDownloadFile(repoId, SAFETENSORS_INDEX, pinned);
    const shards = await readShardNames(repoId, indexPath);
    if (!online) {
      const missing = shards.filter((s) => !files.has(s));
      if (missing.length > 0) {
        throw notCachedRepoError(o, repoId, cache, ` (shards missing from snapshot ${listing.sha}: ${missing.join(', ')})`);
      }
    }
    wanted.push(...shards);
  }
  for (const f of wanted) await hubDownloadFile(repoId, f, pinned);
  return cache.snapshotDir(listing.sha);
}
