/**
 * The flagship job's default path, against a real HTTP server on 127.0.0.1 shaped like the Hugging Face Hub:
 * `npm run train:stsb` with no --model/--data-dir downloads `distilroberta-base` (here: the tiny RoBERTa base
 * fixture, which has roberta.* names plus lm_head.*, like the real one) and the `sentence-transformers/stsb`
 * parquet files into a huggingface_hub-layout cache, trains, and a second run works with HF_HUB_OFFLINE=1.
 */
import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadPairs, readPairsFile, type PairExample } from '../lib/data/index.js';
import { parquetLikePyarrow } from './data-arrow-ipc.spec.js';
import { startHubServer, type HubServer } from './helpers/hub-server.js';
import { fixtureModel, STSB_DIR } from './helpers/paths.js';
import { spawnScript } from './helpers/run-cli.js';

function parquetOf(rows: PairExample[]): Uint8Array {
  return parquetLikePyarrow([
    { name: 'sentence1', type: 'utf8', values: rows.map((r) => r.sentence1) },
    { name: 'sentence2', type: 'utf8', values: rows.map((r) => r.sentence2) },
    { name: 'score', type: 'float64', values: rows.map((r) => r.label) },
  ]);
}

describe('hub: train:stsb defaults against a local hub server', function () {
  this.timeout(300_000);
  let tmp: string;
  let server: HubServer;
  const rows: Record<string, PairExample[]> = {};

  before(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'xenc-hubtrain-'));
    const ds = path.join(tmp, 'stsb-repo');
    await fsp.mkdir(path.join(ds, 'data'), { recursive: true });
    for (const [split, n] of [['train', 64], ['validation', 32], ['test', 32]] as const) {
      rows[split] = (await readPairsFile(path.join(STSB_DIR, `${split}.tsv`), { limit: n })).examples;
      await fsp.writeFile(path.join(ds, 'data', `${split}-00000-of-00001.parquet`), parquetOf(rows[split]));
    }
    await fsp.writeFile(path.join(ds, 'README.md'), '---\nlicense: other\n---\n');
    const model = path.join(tmp, 'model-repo');
    await fsp.mkdir(model);
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']) await fsp.copyFile(path.join(fixtureModel('tiny-roberta-base'), f), path.join(model, f));
    server = await startHubServer({ repos: { 'distilroberta-base': model, 'sentence-transformers/stsb': { dir: ds, type: 'dataset' } } });
  });
  after(async () => {
    await server?.stop();
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  it('loadPairs("sentence-transformers/stsb:validation") downloads the parquet split and reads the exact rows', async () => {
    const d = await loadPairs('sentence-transformers/stsb:validation', { hub: { endpoint: server.endpoint, cacheDir: path.join(tmp, 'cache-a') } });
    expect(d.examples).to.deep.equal(rows.validation);
    const cached = await fsp.readdir(path.join(tmp, 'cache-a', 'datasets--sentence-transformers--stsb', 'snapshots'));
    expect(cached).to.have.length(1);
  });

  it('npm run train:stsb with no model or data flags trains from the hub, then again offline from the cache', async () => {
    const cache = path.join(tmp, 'cache');
    const env = { HF_ENDPOINT: server.endpoint, HF_HUB_CACHE: cache, HF_HUB_OFFLINE: '' };
    const args = (out: string) => ['--epochs', '1', '--output', out, '--no-progress', '--seed', '1'];
    const first = await spawnScript('scripts/train-stsb.ts', args(path.join(tmp, 'online')), { env }).done;
    expect(first.code, first.stderr.slice(-3000)).to.equal(0);
    expect(first.stderr).to.match(/train 64 pairs \(sentence-transformers\/stsb:train\)/);
    expect(first.stdout).to.match(/test: Pearson -?\d\.\d{4}/);
    for (const repo of ['models--distilroberta-base', 'datasets--sentence-transformers--stsb']) {
      const refs = await fsp.readFile(path.join(cache, repo, 'refs', 'main'), 'utf-8');
      expect(refs.trim()).to.match(/^[0-9a-f]{40}$/);
    }
    const before = server.requests.length;
    const second = await spawnScript('scripts/train-stsb.ts', args(path.join(tmp, 'offline')), { env: { ...env, HF_HUB_OFFLINE: '1' } }).done;
    expect(second.code, second.stderr.slice(-3000)).to.equal(0);
    expect(server.requests.length, 'no request when offline').to.equal(before);
    const a = JSON.parse(await fsp.readFile(path.join(tmp, 'online', 'results.json'), 'utf-8')) as { metrics: unknown };
    const b = JSON.parse(await fsp.readFile(path.join(tmp, 'offline', 'results.json'), 'utf-8')) as { metrics: unknown };
    expect(b.metrics).to.deep.equal(a.metrics);
  });
});
