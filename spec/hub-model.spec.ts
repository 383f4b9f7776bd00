/**
 * CrossEncoder.fromPretrained('org/name') against a real HTTP server on 127.0.0.1 shaped like the Hub, for a repo
 * that ships only legacy tokenizer files (vocab.json + merges.txt), as many real cross-encoder repos do.
 */
import { expect } from 'chai';
import { promises as fsp, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CrossEncoder } from '../lib/cross-encoder/model.js';
import { HubError } from '../lib/errors.js';
import { startHubServer, type HubServer } from './helpers/hub-server.js';
import { fixtureModel } from './helpers/paths.js';

interface Case {
  pairs: [string, string][];
  max_length: number | null;
  logits: number[];
}

describe('hub: CrossEncoder.fromPretrained from a local hub server', function () {
  this.timeout(120_000);
  let tmp: string;
  let server: HubServer;
  const fixture = fixtureModel('tiny-roberta-cross-encoder');
  const cases = (JSON.parse(readFileSync(path.join(fixture, 'expected.json'), 'utf-8')) as { cases: Case[] }).cases;

  before(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'xenc-hubmodel-'));
    const legacy = path.join(tmp, 'legacy');
    await fsp.mkdir(legacy);
    for (const f of ['config.json', 'model.safetensors', 'tokenizer_config.json']) await fsp.copyFile(path.join(fixture, f), path.join(legacy, f));
    // Legacy files written from the fixture's tokenizer.json model: what transformers' slow RobertaTokenizer reads.
    const tok = JSON.parse(await fsp.readFile(path.join(fixture, 'tokenizer.json'), 'utf-8')) as { model: { vocab: Record<string, number>; merges: string[] } };
    await fsp.writeFile(path.join(legacy, 'vocab.json'), JSON.stringify(tok.model.vocab));
    await fsp.writeFile(path.join(legacy, 'merges.txt'), `#version: 0.2\n${tok.model.merges.join('\n')}\n`);
    server = await startHubServer({ repos: { 'cross-encoder/tiny-legacy': legacy, 'cross-encoder/tiny': fixture } });
  });
  after(async () => {
    await server?.stop();
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  for (const repo of ['cross-encoder/tiny', 'cross-encoder/tiny-legacy']) {
    it(`${repo}: downloads into an empty cache and reproduces the reference logits; offline reload works`, async () => {
      const cacheDir = path.join(tmp, `cache-${repo.replace('/', '_')}`);
      const hub = { endpoint: server.endpoint, cacheDir, showProgress: false };
      for (const c of cases) {
        const model = await CrossEncoder.fromPretrained(repo, { ...hub, maxLength: c.max_length ?? undefined });
        const logits = await model.predict(c.pairs, { activation: 'identity' });
        logits.forEach((v, i) => expect(Math.abs(v - c.logits[i]), `${repo} max_length ${c.max_length}`).to.be.below(1e-4));
        model.dispose();
      }
      const before = server.requests.length;
      const offline = await CrossEncoder.fromPretrained(repo, { ...hub, offline: true });
      expect(server.requests.length).to.equal(before);
      const [c] = cases;
      const logits = await offline.predict(c.pairs, { activation: 'identity' });
      logits.forEach((v, i) => expect(Math.abs(v - c.logits[i])).to.be.below(1e-4));
      offline.dispose();
    });
  }

  it('an unknown repo and an offline miss are clear HubErrors', async () => {
    const hub = { endpoint: server.endpoint, cacheDir: path.join(tmp, 'cache-miss'), showProgress: false };
    let e1: unknown;
    try {
      await CrossEncoder.fromPretrained('cross-encoder/does-not-exist', hub);
    } catch (e) {
      e1 = e;
    }
    expect(e1).to.be.instanceOf(HubError);
    expect(String(e1)).to.match(/cross-encoder\/does-not-exist/);
    let e2: unknown;
    try {
      await CrossEncoder.fromPretrained('cross-encoder/tiny', { ...hub, offline: true });
    } catch (e) {
      e2 = e;
    }
    expect(e2).to.be.instanceOf(HubError);
    expect(String(e2)).to.match(/HF_HUB_OFFLINE|offline/i);
  });
});
