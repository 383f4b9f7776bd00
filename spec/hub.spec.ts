import { expect } from 'chai';
import { existsSync, promises as fsp } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { HubError } from '../lib/errors.js';
import {
  hubCacheDir,
  hubDownloadFile,
  hubListFiles,
  hubTryDownloadFile,
  isLocalDir,
  repoFolderName,
  resolveModelDir,
  type HubOptions,
} from '../lib/io/hub.js';
import { gitBlobSha1, sha256Hex, startHubServer, type HubServer } from './helpers/hub-server.js';
import { fixtureModel, SHARED } from './helpers/paths.js';

/** The tiny checkpoint served as test-org/tiny-bert; the shared fixture set beside the checkout, or the copy under spec/fixtures. */
function fixtureDir(name: string): string {
  const candidates = [path.join(SHARED, 'fixtures', name), fixtureModel(name)];
  const found = candidates.find((d) => existsSync(path.join(d, 'model.safetensors')));
  if (!found) throw new Error(`fixture ${name} with model.safetensors not found in ${candidates.join(' or ')}`);
  return found;
}

const ENV_KEYS = [
  'HF_TOKEN',
  'HUGGING_FACE_HUB_TOKEN',
  'HF_TOKEN_PATH',
  'HF_HOME',
  'HF_HUB_CACHE',
  'HUGGINGFACE_HUB_CACHE',
  'HF_HUB_OFFLINE',
  'HF_ENDPOINT',
  'XDG_CACHE_HOME',
] as const;

const TOKEN = 'hf_test_token_123';

async function expectHubError(p: Promise<unknown>): Promise<HubError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(HubError);
    return e as HubError;
  }
  expect.fail('expected a HubError');
}

/** File bytes as a plain Uint8Array (this @types/node's Buffer does not type-check as one under TS 5.9). */
async function read(p: string): Promise<Uint8Array> {
  const b = await fsp.readFile(p);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Every regular file under dir, relative, '/'-separated. */
async function walk(dir: string, rel = ''): Promise<string[]> {
  if (!existsSync(path.join(dir, rel))) return [];
  const out: string[] = [];
  for (const e of await fsp.readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walk(dir, r)));
    else out.push(r);
  }
  return out.sort();
}

describe('hub', function () {
  let tmp: string;
  let server: HubServer;
  let bertDir: string;
  let shardedDir: string;
  let pickleDir: string;
  let datasetDir: string;
  const savedEnv: Partial<Record<(typeof ENV_KEYS)[number], string>> = {};
  let cacheDir: string;
  let opts: HubOptions;

  before(async () => {
    for (const k of ENV_KEYS) {
      savedEnv[k] = process.env[k];
      delete process.env[k];
    }
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'hub-spec-'));
    // Never pick up a developer's `huggingface-cli login` token.
    process.env.HF_TOKEN_PATH = path.join(tmp, 'no-token-here');
    bertDir = fixtureDir('tiny-bert-cross-encoder');

    // Sharded: the hub layer only moves bytes, so the two shards are simply the two halves of the fixture's weights.
    shardedDir = path.join(tmp, 'repo-sharded');
    await fsp.mkdir(shardedDir);
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) {
      await fsp.copyFile(path.join(bertDir, f), path.join(shardedDir, f));
    }
    const weights = await read(path.join(bertDir, 'model.safetensors'));
    const half = Math.floor(weights.length / 2);
    await fsp.writeFile(path.join(shardedDir, 'model-00001-of-00002.safetensors'), weights.subarray(0, half));
    await fsp.writeFile(path.join(shardedDir, 'model-00002-of-00002.safetensors'), weights.subarray(half));
    await fsp.writeFile(
      path.join(shardedDir, 'model.safetensors.index.json'),
      JSON.stringify({
        metadata: { total_size: weights.length },
        weight_map: {
          'bert.embeddings.word_embeddings.weight': 'model-00001-of-00002.safetensors',
          'bert.pooler.dense.weight': 'model-00002-of-00002.safetensors',
          'classifier.weight': 'model-00002-of-00002.safetensors',
        },
      }),
    );

    pickleDir = path.join(tmp, 'repo-pickle');
    await fsp.mkdir(pickleDir);
    await fsp.copyFile(path.join(bertDir, 'config.json'), path.join(pickleDir, 'config.json'));
    await fsp.copyFile(path.join(bertDir, 'tokenizer.json'), path.join(pickleDir, 'tokenizer.json'));
    await fsp.writeFile(path.join(pickleDir, 'pytorch_model.bin'), new Uint8Array(20_000).fill(7));

    datasetDir = path.join(tmp, 'repo-dataset');
    await fsp.mkdir(path.join(datasetDir, 'data'), { recursive: true });
    await fsp.writeFile(path.join(datasetDir, 'README.md'), '# tiny dataset\n');
    await fsp.writeFile(path.join(datasetDir, 'data', 'train.csv'), 'sentence1,sentence2,score\na,b,0.5\n');
    await fsp.writeFile(path.join(datasetDir, 'data', 'big.bin'), new Uint8Array(50_000).fill(3)); // LFS, nested

    server = await startHubServer({
      repos: {
        'test-org/tiny-bert': bertDir,
        'tiny-bert-no-org': bertDir,
        'test-org/sharded': shardedDir,
        // refs/pr/1 plays the safetensors conversion PR that the pickle error suggests.
        'test-org/pickle-only': { dir: pickleDir, revisions: { 'refs/pr/1': bertDir } },
        'test-org/private': { dir: bertDir, token: TOKEN },
        'test-org/gated': { dir: bertDir, token: TOKEN, gated: true },
        'test-org/tiny-data': { dir: datasetDir, type: 'dataset' },
      },
      renamed: { 'old-org/tiny-bert': 'test-org/tiny-bert' },
    });
  });

  after(async () => {
    await server?.stop();
    for (const k of ENV_KEYS) {
      if (savedEnv[k] === undefined) delete process.env[k];
      else process.env[k] = savedEnv[k];
    }
    if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
  });

  beforeEach(async () => {
    cacheDir = await fsp.mkdtemp(path.join(tmp, 'cache-'));
    opts = { cacheDir, endpoint: server.endpoint, showProgress: false };
  });

  describe('cache location and naming', () => {
    it('follows cacheDir > HF_HUB_CACHE > HF_HOME/hub > XDG_CACHE_HOME > ~/.cache/huggingface/hub', () => {
      try {
        expect(hubCacheDir()).to.equal(path.join(os.homedir(), '.cache', 'huggingface', 'hub'));
        process.env.XDG_CACHE_HOME = path.join(tmp, 'xdg');
        expect(hubCacheDir()).to.equal(path.join(tmp, 'xdg', 'huggingface', 'hub'));
        process.env.HF_HOME = path.join(tmp, 'hf-home');
        expect(hubCacheDir()).to.equal(path.join(tmp, 'hf-home', 'hub'));
        process.env.HF_HUB_CACHE = path.join(tmp, 'hub-cache');
        expect(hubCacheDir()).to.equal(path.join(tmp, 'hub-cache'));
        expect(hubCacheDir({ cacheDir: path.join(tmp, 'explicit') })).to.equal(path.join(tmp, 'explicit'));
        expect(path.isAbsolute(hubCacheDir({ cacheDir: 'relative/dir' }))).to.equal(true);
      } finally {
        delete process.env.XDG_CACHE_HOME;
        delete process.env.HF_HOME;
        delete process.env.HF_HUB_CACHE;
      }
    });

    it('names repo folders like huggingface_hub', () => {
      expect(repoFolderName('test-org/tiny-bert')).to.equal('models--test-org--tiny-bert');
      expect(repoFolderName('distilroberta-base')).to.equal('models--distilroberta-base');
      expect(repoFolderName('org/set', 'dataset')).to.equal('datasets--org--set');
    });

    it('downloads into HF_HUB_CACHE when no cacheDir is given', async () => {
      process.env.HF_HUB_CACHE = cacheDir;
      try {
        const p = await hubDownloadFile('test-org/tiny-bert', 'config.json', { endpoint: server.endpoint });
        expect(p.startsWith(path.join(cacheDir, 'models--test-org--tiny-bert', 'snapshots'))).to.equal(true);
      } finally {
        delete process.env.HF_HUB_CACHE;
      }
    });
  });

  describe('resolveModelDir online', () => {
    it('downloads a model into an empty cache with the huggingface_hub layout', async () => {
      const commit = server.commitOf('test-org/tiny-bert');
      const repoRoot = path.join(cacheDir, 'models--test-org--tiny-bert');
      const dir = await resolveModelDir('test-org/tiny-bert', opts);
      expect(dir).to.equal(path.join(repoRoot, 'snapshots', commit));

      // refs/main holds the commit, with no trailing newline (as huggingface_hub writes it).
      expect(await fsp.readFile(path.join(repoRoot, 'refs', 'main'), 'utf8')).to.equal(commit);

      // Exactly the model files, not the fixture's extras (expected.json).
      expect(await walk(dir)).to.deep.equal(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);

      const expectedBlobs: string[] = [];
      for (const f of await walk(dir)) {
        const link = path.join(dir, f);
        const st = await fsp.lstat(link);
        expect(st.isSymbolicLink(), `${f} is a symlink`).to.equal(true);
        const target = await fsp.readlink(link);
        const original = await read(path.join(bertDir, f));
        // LFS files are named by sha256, small files by git blob sha1; both without quotes or W/.
        const etag = original.length >= 10_000 ? sha256Hex(original) : gitBlobSha1(original);
        expect(target, `${f} link is relative`).to.equal(`../../blobs/${etag}`);
        expect(path.resolve(path.dirname(link), target)).to.equal(path.join(repoRoot, 'blobs', etag));
        expect(same(await read(link), original), `${f} bytes`).to.equal(true);
        expectedBlobs.push(etag);
      }
      // Nothing else in blobs/: no temp files left behind.
      expect(await walk(path.join(repoRoot, 'blobs'))).to.deep.equal(expectedBlobs.sort());
    });

    it('loads a second time offline with no request at all', async () => {
      const dir = await resolveModelDir('test-org/tiny-bert', opts);
      const before = server.requests.length;
      expect(await resolveModelDir('test-org/tiny-bert', { ...opts, offline: true })).to.equal(dir);
      expect(await hubDownloadFile('test-org/tiny-bert', 'config.json', { ...opts, offline: true })).to.equal(
        path.join(dir, 'config.json'),
      );
      expect(await hubListFiles('test-org/tiny-bert', { ...opts, offline: true })).to.deep.equal([
        'config.json',
        'model.safetensors',
        'tokenizer.json',
        'tokenizer_config.json',
      ]);
      process.env.HF_HUB_OFFLINE = '1';
      try {
        expect(await resolveModelDir('test-org/tiny-bert', opts)).to.equal(dir);
      } finally {
        delete process.env.HF_HUB_OFFLINE;
      }
      expect(server.requests.length, 'requests made offline').to.equal(before);
    });

    it('online, a cached file costs one HEAD and no download', async () => {
      await hubDownloadFile('test-org/tiny-bert', 'model.safetensors', opts);
      const before = server.requests.length;
      await hubDownloadFile('test-org/tiny-bert', 'model.safetensors', opts);
      expect(server.requests.slice(before).map((r) => `${r.server} ${r.method}`)).to.deep.equal(['hub HEAD']);
    });

    it('downloads every shard of a sharded safetensors checkpoint', async () => {
      const dir = await resolveModelDir('test-org/sharded', opts);
      expect(await walk(dir)).to.deep.equal([
        'config.json',
        'model-00001-of-00002.safetensors',
        'model-00002-of-00002.safetensors',
        'model.safetensors.index.json',
        'tokenizer.json',
        'tokenizer_config.json',
      ]);
      for (const f of ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']) {
        expect(same(await read(path.join(dir, f)), await read(path.join(shardedDir, f)))).to.equal(true);
      }
      // And offline from the cache.
      expect(await resolveModelDir('test-org/sharded', { ...opts, offline: true })).to.equal(dir);
    });

    it('refuses a pickle-only repo with a message saying how to get safetensors', async () => {
      const e = await expectHubError(resolveModelDir('test-org/pickle-only', opts));
      expect(e.message).to.match(/pytorch_model\.bin/);
      expect(e.message).to.match(/does not execute pickles/);
      expect(e.message).to.match(/--revision refs\/pr\/N/);
      expect(e.message).to.match(/safetensors\.torch import save_file/);
      expect(e.repoId).to.equal('test-org/pickle-only');
      // Nothing but the refs was written: no weights, not even config.json.
      expect(await walk(path.join(cacheDir, 'models--test-org--pickle-only', 'blobs'))).to.deep.equal([]);
    });

    it('takes the suggested conversion PR revision (refs/pr/1)', async () => {
      const commit = server.commitOf('test-org/pickle-only', 'refs/pr/1');
      const dir = await resolveModelDir('test-org/pickle-only', { ...opts, revision: 'refs/pr/1' });
      expect(path.basename(dir)).to.equal(commit);
      expect(existsSync(path.join(dir, 'model.safetensors'))).to.equal(true);
      const ref = path.join(cacheDir, 'models--test-org--pickle-only', 'refs', 'refs', 'pr', '1');
      expect(await fsp.readFile(ref, 'utf8')).to.equal(commit);
      expect(await resolveModelDir('test-org/pickle-only', { ...opts, revision: 'refs/pr/1', offline: true })).to.equal(dir);
    });

    it('accepts a repo id without an org', async () => {
      const dir = await resolveModelDir('tiny-bert-no-org', opts);
      expect(dir.startsWith(path.join(cacheDir, 'models--tiny-bert-no-org', 'snapshots'))).to.equal(true);
    });

    it('returns a local folder as-is and says when a path does not exist', async () => {
      expect(await isLocalDir(bertDir)).to.equal(true);
      expect(await isLocalDir(path.join(bertDir, 'config.json'))).to.equal(false);
      expect(await isLocalDir('test-org/tiny-bert')).to.equal(false);
      const before = server.requests.length;
      expect(await resolveModelDir(path.relative(process.cwd(), bertDir), opts)).to.equal(bertDir);
      expect(server.requests.length).to.equal(before);
      const e = await expectHubError(resolveModelDir('./no/such/folder', opts));
      expect(e.message).to.match(/Local model folder .*no\/such\/folder does not exist/);
    });
  });

  describe('hubDownloadFile', () => {
    it('takes a commit sha as revision directly and writes no ref for it', async () => {
      const commit = server.commitOf('test-org/tiny-bert');
      const p = await hubDownloadFile('test-org/tiny-bert', 'tokenizer.json', { ...opts, revision: commit });
      const repoRoot = path.join(cacheDir, 'models--test-org--tiny-bert');
      expect(p).to.equal(path.join(repoRoot, 'snapshots', commit, 'tokenizer.json'));
      expect(await walk(path.join(repoRoot, 'refs'))).to.deep.equal([]);
      // Offline, the sha needs no refs/ entry either.
      const before = server.requests.length;
      expect(await hubDownloadFile('test-org/tiny-bert', 'tokenizer.json', { ...opts, revision: commit, offline: true })).to.equal(p);
      expect(server.requests.length).to.equal(before);
    });

    it('downloads from a dataset repo into datasets--org--name, nested paths included', async () => {
      const dOpts: HubOptions = { ...opts, repoType: 'dataset' };
      const commit = server.commitOf('test-org/tiny-data', 'main', 'dataset');
      const csv = await hubDownloadFile('test-org/tiny-data', 'data/train.csv', dOpts);
      const root = path.join(cacheDir, 'datasets--test-org--tiny-data');
      expect(csv).to.equal(path.join(root, 'snapshots', commit, 'data', 'train.csv'));
      expect(await fsp.readlink(csv)).to.match(/^\.\.\/\.\.\/\.\.\/blobs\/[0-9a-f]{40}$/);
      expect(await fsp.readFile(csv, 'utf8')).to.equal('sentence1,sentence2,score\na,b,0.5\n');
      const big = await hubDownloadFile('test-org/tiny-data', 'data/big.bin', dOpts);
      expect(await fsp.readlink(big)).to.equal(`../../../blobs/${sha256Hex(new Uint8Array(50_000).fill(3))}`);
      expect(await hubListFiles('test-org/tiny-data', dOpts)).to.deep.equal(['README.md', 'data/big.bin', 'data/train.csv']);
      // A dataset id asked for as a model is a clear "not found".
      const e = await expectHubError(hubDownloadFile('test-org/tiny-data', 'README.md', opts));
      expect(e.message).to.match(/not found.*repoType: 'dataset'/);
    });

    it('follows a relative redirect of a renamed repo', async () => {
      const p = await hubDownloadFile('old-org/tiny-bert', 'config.json', opts);
      expect(p.startsWith(path.join(cacheDir, 'models--old-org--tiny-bert', 'snapshots'))).to.equal(true);
      expect(await fsp.readFile(p, 'utf8')).to.equal(await fsp.readFile(path.join(bertDir, 'config.json'), 'utf8'));
    });

    it('an interrupted download leaves no blob or snapshot entry, and a retry succeeds', async () => {
      const repoRoot = path.join(cacheDir, 'models--test-org--tiny-bert');
      server.interruptNext('model.safetensors');
      const e = await expectHubError(hubDownloadFile('test-org/tiny-bert', 'model.safetensors', opts));
      expect(e.message).to.match(/interrupted/);
      expect(e.message).to.include('model.safetensors').and.to.include('test-org/tiny-bert');
      expect(e.repoId).to.equal('test-org/tiny-bert');
      expect(e.file).to.equal('model.safetensors');
      expect(await walk(path.join(repoRoot, 'blobs')), 'no blob or temp file').to.deep.equal([]);
      expect(await walk(path.join(repoRoot, 'snapshots')), 'no snapshot entry').to.deep.equal([]);

      const p = await hubDownloadFile('test-org/tiny-bert', 'model.safetensors', opts);
      expect(same(await read(p), await read(path.join(bertDir, 'model.safetensors')))).to.equal(true);
    });

    it('an interrupted small (non-LFS) file leaves nothing either', async () => {
      server.interruptNext('tokenizer.json');
      const e = await expectHubError(hubDownloadFile('test-org/tiny-bert', 'tokenizer.json', opts));
      expect(e.message).to.match(/interrupted/);
      expect(await walk(path.join(cacheDir, 'models--test-org--tiny-bert', 'blobs'))).to.deep.equal([]);
      expect(await hubDownloadFile('test-org/tiny-bert', 'tokenizer.json', opts)).to.match(/tokenizer\.json$/);
    });

    it('rejects bytes whose sha256 differs from X-Linked-Etag', async () => {
      server.corruptNext('model.safetensors');
      const e = await expectHubError(hubDownloadFile('test-org/tiny-bert', 'model.safetensors', opts));
      expect(e.message).to.match(/Checksum mismatch for "model.safetensors"/);
      expect(await walk(path.join(cacheDir, 'models--test-org--tiny-bert', 'blobs'))).to.deep.equal([]);
    });

    it('404 for an unknown repo, file or revision says which', async () => {
      let e = await expectHubError(hubDownloadFile('test-org/nope', 'config.json', opts));
      expect(e.status).to.equal(404);
      expect(e.message).to.match(/Repository test-org\/nope not found/);
      e = await expectHubError(resolveModelDir('test-org/nope', opts));
      expect(e.message).to.match(/Repository test-org\/nope not found/);

      e = await expectHubError(hubDownloadFile('test-org/tiny-bert', 'nope.json', opts));
      expect(e.status).to.equal(404);
      expect(e.file).to.equal('nope.json');
      expect(e.message).to.match(/File "nope\.json" not found in test-org\/tiny-bert at revision "main"/);
      // The miss is recorded where huggingface_hub records it.
      const commit = server.commitOf('test-org/tiny-bert');
      expect(existsSync(path.join(cacheDir, 'models--test-org--tiny-bert', '.no_exist', commit, 'nope.json'))).to.equal(true);

      e = await expectHubError(hubDownloadFile('test-org/tiny-bert', 'config.json', { ...opts, revision: 'v9' }));
      expect(e.message).to.match(/Revision "v9" not found/);
    });

    it('hubTryDownloadFile: undefined for a missing file, errors for the rest', async () => {
      expect(await hubTryDownloadFile('test-org/tiny-bert', 'vocab.txt', opts)).to.equal(undefined);
      expect(await hubTryDownloadFile('test-org/tiny-bert', 'vocab.txt', { ...opts, offline: true })).to.equal(undefined);
      expect(await hubTryDownloadFile('test-org/tiny-bert', 'config.json', opts)).to.match(/config\.json$/);
      await expectHubError(hubTryDownloadFile('test-org/nope', 'config.json', opts));
      await expectHubError(hubTryDownloadFile('test-org/private', 'config.json', opts));
    });

    it('401 without a token names HF_TOKEN; with the token it works and is not sent to the CDN', async () => {
      const e = await expectHubError(hubDownloadFile('test-org/private', 'config.json', opts));
      expect(e.status).to.equal(401);
      expect(e.message).to.match(/private\/gated/).and.to.match(/no token was sent: set HF_TOKEN/);
      const e2 = await expectHubError(resolveModelDir('test-org/private', opts));
      expect(e2.message).to.match(/HF_TOKEN/);

      const before = server.requests.length;
      const dir = await resolveModelDir('test-org/private', { ...opts, token: TOKEN });
      expect(existsSync(path.join(dir, 'model.safetensors'))).to.equal(true);
      const reqs = server.requests.slice(before);
      expect(reqs.filter((r) => r.server === 'hub').every((r) => r.authorization === `Bearer ${TOKEN}`)).to.equal(true);
      const cdn = reqs.filter((r) => r.server === 'cdn');
      expect(cdn).to.have.length(1);
      expect(cdn[0]?.authorization).to.equal(undefined);
    });

    it('reads the token from HF_TOKEN', async () => {
      process.env.HF_TOKEN = TOKEN;
      try {
        expect(await hubDownloadFile('test-org/private', 'config.json', opts)).to.match(/config\.json$/);
      } finally {
        delete process.env.HF_TOKEN;
      }
    });

    it('a gated repo says to accept its conditions', async () => {
      let e = await expectHubError(hubDownloadFile('test-org/gated', 'config.json', opts));
      expect(e.status).to.equal(401);
      expect(e.message).to.match(/gated repo: accept its conditions at .*test-org\/gated/);
      e = await expectHubError(hubDownloadFile('test-org/gated', 'config.json', { ...opts, token: 'hf_wrong' }));
      expect(e.status).to.equal(403);
      expect(e.message).to.match(/gated/);
    });

    it('offline and not cached is a clear error, with no request', async () => {
      const before = server.requests.length;
      const off = { ...opts, offline: true };
      const e = await expectHubError(hubDownloadFile('test-org/tiny-bert', 'config.json', off));
      expect(e.message).to.match(/is not in the cache at .*models--test-org--tiny-bert.* and HF_HUB_OFFLINE=1/);
      expect(e.file).to.equal('config.json');
      expect((await expectHubError(resolveModelDir('test-org/tiny-bert', off))).message).to.match(/not in the cache.*HF_HUB_OFFLINE/);
      expect((await expectHubError(hubListFiles('test-org/tiny-bert', off))).message).to.match(/not in the cache/);
      // Only config.json cached: the weights are reported missing, not guessed.
      await hubDownloadFile('test-org/tiny-bert', 'config.json', opts);
      const mid = server.requests.length;
      const e2 = await expectHubError(resolveModelDir('test-org/tiny-bert', off));
      expect(e2.message).to.match(/not in the cache.*no model\.safetensors/);
      expect(server.requests.length).to.equal(mid);
      expect(mid - before, 'only the online download made requests (HEAD + GET)').to.equal(2);
    });

    it('falls back to the cache when the hub is unreachable, and says so when it cannot', async () => {
      const dir = await resolveModelDir('test-org/tiny-bert', opts);
      // A port nobody listens on: connection refused.
      const dead = http.createServer();
      await new Promise<void>((r) => dead.listen(0, '127.0.0.1', () => r()));
      const port = (dead.address() as AddressInfo).port;
      await new Promise<void>((r) => dead.close(() => r()));
      const down = { ...opts, endpoint: `http://127.0.0.1:${port}` };

      expect(await hubDownloadFile('test-org/tiny-bert', 'config.json', down)).to.equal(path.join(dir, 'config.json'));
      expect(await resolveModelDir('test-org/tiny-bert', down)).to.equal(dir);
      expect(await hubListFiles('test-org/tiny-bert', down)).to.include('model.safetensors');

      const e = await expectHubError(hubDownloadFile('test-org/sharded', 'config.json', down));
      expect(e.message).to.match(/Could not reach http:\/\/127\.0\.0\.1:\d+ .*ECONNREFUSED/);
      expect(e.message).to.match(/HF_HUB_OFFLINE/);
    });

    it('rejects file paths and repo ids that would escape the cache', async () => {
      await expectHubError(hubDownloadFile('test-org/tiny-bert', '../../etc/passwd', opts));
      await expectHubError(hubDownloadFile('test-org/tiny-bert', '/abs', opts));
      await expectHubError(hubDownloadFile('../x', 'config.json', opts));
      await expectHubError(hubDownloadFile('test-org/tiny-bert', 'config.json', { ...opts, revision: '../../x' }));
      expect(server.requests.filter((r) => r.url.includes('..'))).to.deep.equal([]);
    });

    it('draws a byte progress bar on a TTY', async () => {
      const stderr = process.stderr as NodeJS.WriteStream & { isTTY: boolean };
      const wasTTY = stderr.isTTY;
      const write = stderr.write;
      let out = '';
      stderr.isTTY = true;
      stderr.write = ((chunk: string | Uint8Array): boolean => {
        out += chunk.toString();
        return true;
      }) as typeof stderr.write;
      try {
        await hubDownloadFile('test-org/tiny-bert', 'model.safetensors', { ...opts, showProgress: true });
      } finally {
        stderr.write = write;
        stderr.isTTY = wasTTY;
      }
      expect(out).to.match(/model\.safetensors \[#+\] 100% ([\d.]+ kB)\/\1/);
    });
  });
});
