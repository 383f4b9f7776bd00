/**
 * Model and dataset files in a page: Hugging Face Hub repos through their CORS-enabled resolve URLs, plain URLs, and
 * folders of user Files, all exposed as folders of the page's in-memory file system (platform/memory-fs.ts) so the
 * platform-neutral loaders read them like local folders.
 *
 * The Hub protocol differs from Node's (hub.ts) where a browser forces it: fetch cannot stop at the CDN redirect
 * (an opaque redirect hides Location and X-Repo-Commit), so the commit comes from the API listing
 * (/api/models/{repo}/revision/{rev} → sha), and every file is fetched pinned to that commit, following the redirect.
 * Downloads are kept in Cache Storage, as transformers.js does, keyed by their URL: file URLs name the commit, so a
 * cached file never goes stale; the listing is fetched fresh and its cached copy used when the network fails or
 * `offline` is set, which is what lets a page load a model with no server at all the second time.
 */
import { HubError } from '../errors.js';
import type { MemoryFs } from '../platform/memory-fs.js';
import type { PlatformHub } from '../platform/types.js';
import { log } from '../util/log.js';
import type { HubOptions, RepoType } from './hub-options.js';
import { SENTENCE_TRANSFORMERS_FILES, TOKENIZER_FILES, UNSUPPORTED_WEIGHTS, validateRepoId, validateRepoPath, validateRevision } from './repo-names.js';
import { WEIGHTS_FILE, WEIGHTS_INDEX_FILE } from './weights.js';

/** Page-wide defaults (lib/browser.ts `configure`), the counterpart of Node's HF_* environment variables. */
export interface BrowserHubSettings {
  /** Like HF_ENDPOINT; default https://huggingface.co. */
  endpoint: string;
  /** Like HF_TOKEN; sent to the endpoint only (the browser drops it on the cross-origin CDN redirect). */
  token?: string;
  /** Like HF_HUB_OFFLINE: only Cache Storage, no request. */
  offline: boolean;
  /** The Cache Storage cache; default 'tfjs-cross-encoder'. */
  cacheName: string;
}

interface Resolved extends BrowserHubSettings {
  revision: string;
  repoType: RepoType;
}

/** The part of the Cache API used here (lib.dom is not loaded: the library also compiles for Node). */
interface CacheLike {
  match(url: string): Promise<Response | undefined>;
  put(url: string, res: Response): Promise<void>;
}
interface CacheStorageLike {
  open(name: string): Promise<CacheLike>;
}

function cacheStorage(): CacheStorageLike | undefined {
  return (globalThis as { caches?: CacheStorageLike }).caches;
}

async function openCache(name: string): Promise<CacheLike | undefined> {
  const cs = cacheStorage();
  if (!cs) {
    log.warnOnce('no-cache-storage', 'Cache Storage is not available here (not a secure context?): downloads are kept in memory only');
    return undefined;
  }
  return cs.open(name);
}

/** ArrayBuffer-backed (not ArrayBufferLike), so the bytes are a BodyInit for new Response() under lib.dom too. */
const bytesOf = async (res: Response): Promise<Uint8Array<ArrayBuffer>> => new Uint8Array(await res.arrayBuffer());

/** A fetch that failed to reach the server at all (fetch rejects with a TypeError then), as opposed to an HTTP error. */
class Unreachable extends Error {}

async function get(url: string, token: string | undefined): Promise<Response> {
  try {
    return await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  } catch (e) {
    throw new Unreachable(`cannot reach ${url} (${(e as Error).message})`);
  }
}

async function httpError(res: Response, repoId: string, url: string, file?: string): Promise<HubError> {
  const code = res.headers.get('X-Error-Code');
  const message = res.headers.get('X-Error-Message');
  const why =
    code === 'RepoNotFound' || res.status === 401
      ? `repository ${repoId} not found, or it is private or gated and no token was given`
      : code === 'RevisionNotFound'
        ? 'revision not found'
        : code === 'EntryNotFound' || res.status === 404
          ? `${file ?? 'file'} not found in the repository`
          : `${message ?? res.statusText}`;
  return new HubError(`${url}: HTTP ${res.status}: ${why}.`, repoId, file, res.status);
}

/** Fetch a whole body, checking it against Content-Length: a cut connection must not become a cached file. */
async function fetchBytes(url: string, token: string | undefined, repoId: string, file?: string): Promise<{ bytes: Uint8Array<ArrayBuffer>; type: string }> {
  const res = await get(url, token);
  if (!res.ok) throw await httpError(res, repoId, url, file);
  const bytes = await bytesOf(res).catch((e: unknown) => Promise.reject(new Unreachable(`${url}: the download was cut off (${(e as Error).message})`)));
  const declared = res.headers.get('Content-Length');
  if (declared !== null && !res.headers.get('Content-Encoding') && Number(declared) !== bytes.byteLength) {
    throw new HubError(`${url}: received ${bytes.byteLength} of ${declared} bytes (interrupted download).`, repoId, file, res.status);
  }
  return { bytes, type: res.headers.get('Content-Type') ?? 'application/octet-stream' };
}

export class BrowserHub implements PlatformHub {
  private urlFolders = 0;

  constructor(
    private readonly fs: MemoryFs,
    private readonly settings: () => BrowserHubSettings,
  ) {}

  private resolve(opts: HubOptions = {}): Resolved {
    const s = this.settings();
    return {
      endpoint: (opts.endpoint ?? s.endpoint).replace(/\/+$/, ''),
      token: opts.token !== undefined ? opts.token || undefined : s.token,
      offline: opts.offline ?? s.offline,
      cacheName: opts.cacheDir ?? s.cacheName,
      revision: opts.revision ?? 'main',
      repoType: opts.repoType ?? 'model',
    };
  }

  private repoBase(o: Resolved, repoId: string): string {
    return `${o.endpoint}/${o.repoType === 'dataset' ? 'datasets/' : ''}${repoId}`;
  }

  private fileUrl(o: Resolved, repoId: string, commit: string, file: string): string {
    return `${this.repoBase(o, repoId)}/resolve/${encodeURIComponent(commit)}/${file.split('/').map(encodeURIComponent).join('/')}`;
  }

  /** The commit and file list: the API online (cached on success), else its cached copy. */
  private async listing(o: Resolved, repoId: string): Promise<{ sha: string; files: string[] }> {
    validateRepoId(repoId);
    validateRevision(repoId, o.revision);
    const url = `${o.endpoint}/api/${o.repoType}s/${repoId}/revision/${encodeURIComponent(o.revision)}`;
    const cache = await openCache(o.cacheName);
    let body: unknown;
    const cached = async (why: string): Promise<unknown> => {
      const hit = await cache?.match(url);
      if (!hit) {
        throw new HubError(`${repoId} (revision "${o.revision}") is not in Cache Storage "${o.cacheName}"${why}. Load it once with network access.`, repoId);
      }
      return hit.json();
    };
    if (o.offline) {
      body = await cached(' and offline is set');
    } else {
      try {
        const { bytes, type } = await fetchBytes(url, o.token, repoId);
        body = JSON.parse(new TextDecoder().decode(bytes));
        await cache?.put(url, new Response(bytes, { headers: { 'Content-Type': type } }));
      } catch (e) {
        if (!(e instanceof Unreachable)) throw e;
        body = await cached(`, and the Hub cannot be reached (${e.message})`);
        log.warn(`${e.message}; using the copy of ${repoId} in Cache Storage`);
      }
    }
    const info = body as { sha?: unknown; siblings?: unknown };
    if (typeof info.sha !== 'string' || !Array.isArray(info.siblings)) throw new HubError(`${url} returned JSON without "sha" and "siblings"; check the endpoint.`, repoId);
    const files = (info.siblings as unknown[])
      .map((s) => (s && typeof s === 'object' ? (s as { rfilename?: unknown }).rfilename : undefined))
      .filter((f): f is string => typeof f === 'string');
    return { sha: info.sha, files };
  }

  /** One file of a commit into Cache Storage (unless there already) and mounted at `local`. */
  private async fetchPinned(o: Resolved, repoId: string, sha: string, file: string, local: string): Promise<void> {
    validateRepoPath(repoId, file);
    const url = this.fileUrl(o, repoId, sha, file);
    const cache = await openCache(o.cacheName);
    if (cache && (await cache.match(url))) {
      this.fs.mount(local, async () => bytesOf((await cache.match(url))!));
      return;
    }
    if (o.offline) throw new HubError(`${repoId}: ${file} of commit ${sha} is not in Cache Storage "${o.cacheName}" and offline is set.`, repoId, file);
    const { bytes, type } = await fetchBytes(url, o.token, repoId, file).catch((e: unknown) => {
      throw e instanceof Unreachable ? new HubError(`${repoId}: ${e.message}; ${file} is not in Cache Storage either.`, repoId, file) : e;
    });
    if (cache) {
      await cache.put(url, new Response(bytes, { headers: { 'Content-Type': type, 'Content-Length': String(bytes.byteLength) } }));
      // Read back from the cache when the model loads, so the page does not hold the bytes twice.
      this.fs.mount(local, async () => bytesOf((await cache.match(url))!), bytes.byteLength);
    } else {
      this.fs.mount(local, async () => bytes, bytes.byteLength);
    }
  }

  private snapshotDir(o: Resolved, repoId: string, sha: string): string {
    return `/hub/${o.repoType}s/${repoId}/${sha}`;
  }

  async listFiles(repoId: string, opts?: HubOptions): Promise<string[]> {
    return (await this.listing(this.resolve(opts), repoId)).files;
  }

  async downloadFile(repoId: string, filename: string, opts?: HubOptions): Promise<string> {
    const o = this.resolve(opts);
    const { sha } = await this.listing(o, repoId);
    const local = `${this.snapshotDir(o, repoId, sha)}/${filename}`;
    await this.fetchPinned(o, repoId, sha, filename, local);
    return local;
  }

  /**
   * A folder already in the page's file system (a mounted folder of Files, or one the library wrote) as is; a URL
   * (absolute, or starting with / ./ ../ and resolved against the page) as a plain folder of files; anything else
   * as a Hub repo id.
   */
  async resolveModelDir(idOrPath: string, opts?: HubOptions): Promise<string> {
    if (this.fs.existsSync(idOrPath) && (await this.fs.stat(idOrPath)).isDirectory()) return idOrPath;
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(idOrPath) || /^\.{0,2}\//.test(idOrPath)) return this.urlFolder(idOrPath, this.resolve(opts));
    const o = this.resolve(opts);
    const repoId = idOrPath;
    const { sha, files } = await this.listing(o, repoId);
    const has = new Set(files);
    if (!has.has('config.json')) throw new HubError(`${repoId} (revision "${o.revision}") has no config.json: is it a transformers model repo?`, repoId, 'config.json', 404);
    const wanted: string[] = ['config.json', ...TOKENIZER_FILES.filter((f) => has.has(f)), ...SENTENCE_TRANSFORMERS_FILES.filter((f) => has.has(f))];
    const dir = this.snapshotDir(o, repoId, sha);
    if (has.has(WEIGHTS_FILE)) wanted.push(WEIGHTS_FILE);
    else if (has.has(WEIGHTS_INDEX_FILE)) {
      await this.fetchPinned(o, repoId, sha, WEIGHTS_INDEX_FILE, `${dir}/${WEIGHTS_INDEX_FILE}`);
      const index = JSON.parse(await this.fs.readFile(`${dir}/${WEIGHTS_INDEX_FILE}`, 'utf-8')) as { weight_map?: Record<string, unknown> };
      wanted.push(...new Set(Object.values(index.weight_map ?? {}).filter((s): s is string => typeof s === 'string')));
    } else {
      const found = UNSUPPORTED_WEIGHTS.filter((f) => has.has(f));
      throw new HubError(
        `${repoId} (revision "${o.revision}") has no ${WEIGHTS_FILE}${found.length ? `, only ${found.join(', ')}: this library does not execute pickles; use a revision with safetensors` : ''}.`,
        repoId,
        WEIGHTS_FILE,
      );
    }
    for (const f of wanted) await this.fetchPinned(o, repoId, sha, f, `${dir}/${f}`);
    return dir;
  }

  /**
   * A model folder at a URL: there is no listing, so the files a model can have are asked for by name and the ones
   * that answer 404 are taken as absent. Each is fetched fresh, its Cache Storage copy used when the network fails.
   */
  private async urlFolder(url: string, o: Resolved): Promise<string> {
    const base = new URL(url.endsWith('/') ? url : `${url}/`, (globalThis as { location?: { href: string } }).location?.href).href;
    const dir = `/url/${this.urlFolders++}`;
    const cache = await openCache(o.cacheName);
    const one = async (file: string): Promise<boolean> => {
      const u = base + file;
      try {
        const res = await get(u, undefined);
        if (res.status === 404) return false;
        if (!res.ok) throw await httpError(res, url, u, file);
        const bytes = await bytesOf(res);
        await cache?.put(u, new Response(bytes));
        this.fs.mount(`${dir}/${file}`, async () => bytes, bytes.byteLength);
        return true;
      } catch (e) {
        if (!(e instanceof Unreachable)) throw e;
        const hit = await cache?.match(u);
        if (!hit) return false;
        const bytes = await bytesOf(hit);
        this.fs.mount(`${dir}/${file}`, async () => bytes, bytes.byteLength);
        return true;
      }
    };
    if (!(await one('config.json'))) throw new HubError(`${base}config.json could not be loaded (not found, unreachable and not in Cache Storage)`, url, 'config.json');
    await Promise.all(TOKENIZER_FILES.map(one));
    if (!(await one(WEIGHTS_FILE)) && (await one(WEIGHTS_INDEX_FILE))) {
      const index = JSON.parse(await this.fs.readFile(`${dir}/${WEIGHTS_INDEX_FILE}`, 'utf-8')) as { weight_map?: Record<string, unknown> };
      for (const shard of new Set(Object.values(index.weight_map ?? {}))) {
        if (typeof shard === 'string') {
          validateRepoPath(url, shard);
          await one(shard);
        }
      }
    }
    return dir;
  }
}
