/**
 * A local stand-in for the Hugging Face Hub, speaking the parts of its protocol that hub.ts relies on, so the
 * download code is tested for real (sockets, redirects, headers) without the internet:
 *
 * - HEAD/GET /{repo}/resolve/{rev}/{path} and /datasets/{repo}/resolve/{rev}/{path}
 *   small files: 200, ETag W/"{git blob sha1}"; large files (LFS): 302 to a CDN URL with X-Linked-Etag (sha256),
 *   X-Linked-Size and an ETag that is NOT the content hash, as on the real hub.
 * - GET /api/{models|datasets}/{repo}/revision/{rev} → {id, sha, siblings:[{rfilename}]}
 * - 401/403/404 with X-Error-Code (RepoNotFound, EntryNotFound, RevisionNotFound, GatedRepo) and X-Error-Message.
 * - The CDN is a second listener (another port, hence another origin) unless `cdn: 'same-origin'`, so tests can
 *   check that the token is not sent there.
 * - Fault injection: drop the connection half-way through a file, or serve corrupted bytes.
 * - A request log, so tests can assert that an offline call made no request at all.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

export type FakeRepoType = 'model' | 'dataset';

export interface FakeRepoSpec {
  /** Folder served as the repo at 'main'. */
  dir: string;
  type?: FakeRepoType;
  /** Require `Authorization: Bearer <token>`; without it 401, with a wrong one 401 (403 if gated). */
  token?: string;
  /** Auth failures say X-Error-Code: GatedRepo instead of RepoNotFound. */
  gated?: boolean;
  /** More branches / refs, e.g. { 'refs/pr/1': '/path/to/converted' }. */
  revisions?: Record<string, string>;
}

export interface HubServerOptions {
  /** repo id → folder or spec. A model and a dataset may share an id. */
  repos: Record<string, string | FakeRepoSpec>;
  /** Files at least this large are served like LFS files (302 to the CDN, sha256 etag). Default 10 kB. */
  lfsThreshold?: number;
  /** Default 'other-origin': the CDN listens on its own port. */
  cdn?: 'other-origin' | 'same-origin';
  /** Old repo id → new id; /resolve/ on the old id answers 307 with a relative Location, like a renamed repo. */
  renamed?: Record<string, string>;
  /**
   * Answer as the real Hub does to a web page: Access-Control-Allow-Origin * on every response (the CDN's too), the
   * headers the client reads exposed, and preflights (an Authorization header causes one) answered 204.
   */
  cors?: boolean;
}

export interface LoggedRequest {
  server: 'hub' | 'cdn';
  method: string;
  url: string;
  authorization?: string;
}

export interface HubServer {
  endpoint: string;
  cdnOrigin: string;
  requests: LoggedRequest[];
  /** The fake commit sha of a repo at a revision (default 'main'). */
  commitOf(repoId: string, revision?: string, type?: FakeRepoType): string;
  /** The next `times` downloads of `file` (repo-relative path) send half the bytes, then drop the connection. */
  interruptNext(file: string, times?: number): void;
  /** The next `times` downloads of `file` send the right number of bytes with one byte flipped. */
  corruptNext(file: string, times?: number): void;
  stop(): Promise<void>;
}

interface Repo {
  id: string;
  type: FakeRepoType;
  token?: string;
  gated: boolean;
  /** revision name → { dir, commit } */
  revs: Map<string, { dir: string; commit: string }>;
}

interface BlobInfo {
  size: number;
  gitSha1: string;
  sha256: string;
}

export function gitBlobSha1(data: Uint8Array): string {
  return createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function fakeCommit(type: FakeRepoType, id: string, rev: string): string {
  return createHash('sha1').update(`${type}:${id}@${rev}`).digest('hex');
}

async function listFiles(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(path.join(dir, rel), { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, r)));
    else out.push(r);
  }
  return out.sort();
}

/** Buffer of this @types/node does not type-check as Uint8Array under TS 5.9; a plain view of the same bytes does. */
async function readBytes(file: string): Promise<Uint8Array> {
  const b = await fsp.readFile(file);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function info(data: Uint8Array): BlobInfo {
  return { size: data.length, gitSha1: gitBlobSha1(data), sha256: sha256Hex(data) };
}

export async function startHubServer(opts: HubServerOptions): Promise<HubServer> {
  const threshold = opts.lfsThreshold ?? 10_000;
  const repos = new Map<string, Repo>();
  for (const [id, v] of Object.entries(opts.repos)) {
    const spec: FakeRepoSpec = typeof v === 'string' ? { dir: v } : v;
    const type = spec.type ?? 'model';
    const revs = new Map<string, { dir: string; commit: string }>();
    revs.set('main', { dir: spec.dir, commit: fakeCommit(type, id, 'main') });
    for (const [rev, dir] of Object.entries(spec.revisions ?? {})) revs.set(rev, { dir, commit: fakeCommit(type, id, rev) });
    repos.set(`${type}:${id}`, { id, type, token: spec.token, gated: spec.gated ?? false, revs });
  }
  const requests: LoggedRequest[] = [];
  const interrupts = new Map<string, number>();
  const corruptions = new Map<string, number>();
  /** CDN key → what to serve; filled when the hub hands out a redirect, as a signed URL would be. */
  const cdnFiles = new Map<string, { file: string; rel: string }>();
  let cdnOrigin = '';

  const takeFault = (m: Map<string, number>, rel: string): boolean => {
    const n = m.get(rel) ?? 0;
    if (n <= 0) return false;
    m.set(rel, n - 1);
    return true;
  };

  const sendBytes = async (req: http.IncomingMessage, res: http.ServerResponse, file: string, rel: string, extra: http.OutgoingHttpHeaders): Promise<void> => {
    const data = await readBytes(file);
    res.writeHead(200, { ...extra, 'Content-Length': String(data.length), 'Content-Type': 'application/octet-stream' });
    if (req.method === 'HEAD') return void res.end();
    if (takeFault(interrupts, rel)) {
      // Flush half, then kill the socket: the client sees a body shorter than Content-Length.
      res.write(data.subarray(0, Math.floor(data.length / 2)), () => res.socket?.destroy());
      return;
    }
    if (takeFault(corruptions, rel)) {
      const bad = new Uint8Array(data);
      bad[Math.floor(bad.length / 2)] ^= 0xff;
      return void res.end(bad);
    }
    res.end(data);
  };

  const fail = (res: http.ServerResponse, status: number, code: string | undefined, message: string, extra: http.OutgoingHttpHeaders = {}): void => {
    const body = JSON.stringify({ error: message });
    res.writeHead(status, {
      ...extra,
      ...(code ? { 'X-Error-Code': code } : {}),
      'X-Error-Message': message,
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(body)),
    });
    res.end(body);
  };

  /** True when authorised; otherwise the 401/403 has been sent. */
  const checkAuth = (req: http.IncomingMessage, res: http.ServerResponse, repo: Repo): boolean => {
    if (!repo.token) return true;
    const auth = req.headers.authorization;
    if (auth === `Bearer ${repo.token}`) return true;
    if (repo.gated) {
      fail(res, auth ? 403 : 401, 'GatedRepo', `Access to model ${repo.id} is restricted. You must have access to it and be authenticated to access it.`);
    } else {
      fail(res, 401, 'RepoNotFound', 'Repository not found');
    }
    return false;
  };

  const findRev = (repo: Repo, rev: string): { dir: string; commit: string } | undefined =>
    repo.revs.get(rev) ?? [...repo.revs.values()].find((r) => r.commit === rev);

  const handleResolve = async (req: http.IncomingMessage, res: http.ServerResponse, m: RegExpMatchArray): Promise<void> => {
    const [, ds, repoId, revEnc, fileEnc] = m as unknown as [string, string | undefined, string, string, string];
    const type: FakeRepoType = ds ? 'dataset' : 'model';
    const newId = opts.renamed?.[repoId];
    if (newId) {
      res.writeHead(307, { Location: `${ds ? '/datasets' : ''}/${newId}/resolve/${revEnc}/${fileEnc}`, 'Content-Length': '0' });
      return void res.end();
    }
    const repo = repos.get(`${type}:${repoId}`);
    if (!repo) return fail(res, 404, 'RepoNotFound', 'Repository not found');
    if (!checkAuth(req, res, repo)) return;
    const rev = findRev(repo, decodeURIComponent(revEnc));
    if (!rev) return fail(res, 404, 'RevisionNotFound', 'Invalid rev id');
    const rel = fileEnc.split('/').map(decodeURIComponent).join('/');
    const file = path.join(rev.dir, ...rel.split('/'));
    const head = { 'X-Repo-Commit': rev.commit };
    let data: Uint8Array;
    try {
      if (rel.split('/').some((p) => p === '..' || p === '.' || p.startsWith('.'))) throw new Error('bad path');
      data = await readBytes(file);
    } catch {
      return fail(res, 404, 'EntryNotFound', 'Entry not found', head);
    }
    const b = info(data);
    if (b.size < threshold) {
      return sendBytes(req, res, file, rel, { ...head, ETag: `W/"${b.gitSha1}"` });
    }
    const key = `${b.sha256}/${encodeURIComponent(path.basename(rel))}`;
    cdnFiles.set(key, { file, rel });
    const location = `${cdnOrigin}/cdn/${key}?expires=9999999999&signature=fake`;
    const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${b.sha256}\nsize ${b.size}\n`;
    const body = `Found. Redirecting to ${location}`;
    res.writeHead(302, {
      ...head,
      Location: location,
      ETag: `"${gitBlobSha1(new TextEncoder().encode(pointer))}"`,
      'X-Linked-Etag': `"${b.sha256}"`,
      'X-Linked-Size': String(b.size),
      'Content-Length': String(Buffer.byteLength(body)),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const handleApi = async (req: http.IncomingMessage, res: http.ServerResponse, m: RegExpMatchArray): Promise<void> => {
    const [, kind, repoId, revEnc] = m as unknown as [string, 'models' | 'datasets', string, string];
    const repo = repos.get(`${kind === 'datasets' ? 'dataset' : 'model'}:${repoId}`);
    if (!repo) return fail(res, 404, 'RepoNotFound', 'Repository not found');
    if (!checkAuth(req, res, repo)) return;
    const rev = findRev(repo, decodeURIComponent(revEnc));
    if (!rev) return fail(res, 404, 'RevisionNotFound', 'Invalid rev id');
    const files = await listFiles(rev.dir);
    const body = JSON.stringify({ id: repo.id, sha: rev.commit, siblings: files.map((rfilename) => ({ rfilename })) });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const handler =
    (server: 'hub' | 'cdn') =>
    (req: http.IncomingMessage, res: http.ServerResponse): void => {
      const url = req.url ?? '/';
      requests.push({ server, method: req.method ?? '?', url, authorization: req.headers.authorization });
      const pathname = url.split('?')[0] ?? '/';
      if (opts.cors) {
        res.setHeader('Access-Control-Allow-Origin', '*');
        res.setHeader('Access-Control-Allow-Headers', 'Authorization');
        res.setHeader('Access-Control-Expose-Headers', 'ETag, X-Repo-Commit, X-Linked-Etag, X-Linked-Size, X-Error-Code, X-Error-Message, Content-Length');
        if (req.method === 'OPTIONS') {
          res.writeHead(204, { 'Access-Control-Allow-Methods': 'GET, HEAD' });
          return void res.end();
        }
      }
      const run = async (): Promise<void> => {
        let m: RegExpMatchArray | null;
        if ((m = pathname.match(/^\/cdn\/([0-9a-f]{64}\/[^/]+)$/))) {
          const f = cdnFiles.get(m[1] ?? '');
          if (!f) return fail(res, 403, undefined, 'Signature expired');
          return sendBytes(req, res, f.file, f.rel, { ETag: `"${m[1]?.slice(0, 64)}"` });
        }
        if (server === 'cdn') return fail(res, 404, undefined, 'Not found');
        if ((m = pathname.match(/^\/api\/(models|datasets)\/(.+?)\/revision\/([^/]+)$/))) return handleApi(req, res, m);
        if ((m = pathname.match(/^\/(?:(datasets)\/)?(.+?)\/resolve\/([^/]+)\/(.+)$/))) return handleResolve(req, res, m);
        fail(res, 404, undefined, 'Not found');
      };
      run().catch((e: unknown) => {
        if (!res.headersSent) fail(res, 500, undefined, String(e));
        else res.destroy();
      });
    };

  const listen = (s: http.Server): Promise<string> =>
    new Promise((resolve, reject) => {
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}`));
    });

  const hub = http.createServer(handler('hub'));
  const endpoint = await listen(hub);
  let cdn: http.Server | undefined;
  if (opts.cdn === 'same-origin') {
    cdnOrigin = endpoint;
  } else {
    cdn = http.createServer(handler('cdn'));
    cdnOrigin = await listen(cdn);
  }

  const close = (s: http.Server): Promise<void> =>
    new Promise((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });

  return {
    endpoint,
    cdnOrigin,
    requests,
    commitOf(repoId, revision = 'main', type = 'model') {
      const rev = repos.get(`${type}:${repoId}`)?.revs.get(revision);
      if (!rev) throw new Error(`hub-server: no ${type} repo ${repoId}@${revision}`);
      return rev.commit;
    },
    interruptNext(file, times = 1) {
      interrupts.set(file, times);
    },
    corruptNext(file, times = 1) {
      corruptions.set(file, times);
    },
    async stop() {
      await Promise.all([close(hub), ...(cdn ? [close(cdn)] : [])]);
    },
  };
}

export async function stopHubServer(server: HubServer): Promise<void> {
  await server.stop();
}
