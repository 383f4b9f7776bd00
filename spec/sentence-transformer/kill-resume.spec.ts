/**
 * The real CLI, bi-encoder: `scripts/train-stsb.ts --bi-encoder` on the tiny sentence-transformers fixture and a slice
 * of STSb, killed with SIGKILL once its first checkpoint is on disk, then run again with `--resume`, ends with the
 * same final weights (every safetensors file of final/, bit for bit), the same results.json metrics and the same
 * validation rows in log.jsonl as an uninterrupted run of the same command (real child processes, dropout on).
 */
import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SafetensorsFile } from '../../lib/io/safetensors.js';
import { maxAbsDiff } from '../helpers/parity.js';
import { fixtureModel, STSB_DIR } from '../helpers/paths.js';
import { killAtFirstCheckpoint } from '../helpers/kill-at-checkpoint.js';
import { spawnScript } from '../helpers/run-cli.js';

async function safetensorsFiles(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) out.push(...(await safetensorsFiles(dir, r)));
    else if (e.name.endsWith('.safetensors')) out.push(r);
  }
  return out.sort();
}

async function evalRows(out: string): Promise<unknown[]> {
  const text = await fsp.readFile(path.join(out, 'log.jsonl'), 'utf-8');
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((r) => r.type === 'eval')
    .map(({ step, epoch, pearson, spearman }) => ({ step, epoch, pearson, spearman }));
}

describe('bi-encoder CLI: kill -9 and --resume', function () {
  // About 3 × 10 s on an idle 2-core machine (three CLI runs, each mostly start-up); minutes on a loaded one.
  this.timeout(600_000);
  let tmp: string;
  before(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'st-kill-resume-'));
  });
  after(async () => {
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  // 24 STSb training pairs, batch 4: 6 steps an epoch, 2 epochs; a checkpoint every 4 steps, validation (16 pairs)
  // every 4 steps, test on 16 pairs at the end.
  const args = (out: string, extra: string[] = []) => [
    '--bi-encoder', '--model', fixtureModel('tiny-st-bert'), '--data-dir', STSB_DIR, '--train-limit', '24', '--eval-limit', '16',
    '--output', out, '--batch-size', '4', '--epochs', '2', '--lr', '1e-3', '--save-steps', '4', '--eval-steps', '4',
    '--logging-steps', '1', '--seed', '3', '--no-progress', ...extra,
  ];

  it('the resumed run ends with the uninterrupted run\'s weights and metrics', async () => {
    const full = path.join(tmp, 'uninterrupted');
    const killed = path.join(tmp, 'killed');
    // The uninterrupted run is independent of the other two: it runs while the killed run dies and resumes.
    const killedThenResumed = killAtFirstCheckpoint('scripts/train-stsb.ts', args(killed), killed).then(async (at) => {
      await fsp.access(path.join(killed, 'results.json')).then(
        () => expect.fail('the killed run wrote results.json'),
        () => undefined,
      );
      return { at, resumed: await spawnScript('scripts/train-stsb.ts', args(killed, ['--resume'])).done };
    });
    const [a, { at: killedAt, resumed }] = await Promise.all([spawnScript('scripts/train-stsb.ts', args(full)).done, killedThenResumed]);
    expect(a.code, a.stderr.slice(-2000)).to.equal(0);
    expect(resumed.code, resumed.stderr.slice(-2000)).to.equal(0);
    expect(resumed.stderr).to.match(/resumed from .*step-\d+/);

    const ra = JSON.parse(await fsp.readFile(path.join(full, 'results.json'), 'utf-8')) as { metrics: unknown; steps: number; best: unknown };
    const rb = JSON.parse(await fsp.readFile(path.join(killed, 'results.json'), 'utf-8')) as { metrics: unknown; steps: number; best: unknown };
    expect(rb.steps).to.equal(12);
    expect(rb.steps).to.equal(ra.steps);
    expect(rb.metrics, 'results.json metrics').to.deep.equal(ra.metrics);
    expect(rb.best, 'results.json best').to.deep.equal(ra.best);
    expect(await evalRows(killed), 'validation rows of log.jsonl').to.deep.equal(await evalRows(full));

    const files = await safetensorsFiles(path.join(full, 'final'));
    expect(files).to.include('model.safetensors');
    expect(await safetensorsFiles(path.join(killed, 'final'))).to.deep.equal(files);
    for (const f of files) {
      const wa = await SafetensorsFile.open(path.join(full, 'final', f));
      const wb = await SafetensorsFile.open(path.join(killed, 'final', f));
      expect(wb.names().sort(), f).to.deep.equal(wa.names().sort());
      for (const name of wa.names()) expect(maxAbsDiff(wb.getFloat32(name), wa.getFloat32(name)), `${f}: ${name} (killed after step ${killedAt})`).to.equal(0);
    }

    // The model card, as sentence-transformers writes one for a SentenceTransformer: in final/ and the run folder.
    const card = await fsp.readFile(path.join(full, 'final', 'README.md'), 'utf-8');
    expect(await fsp.readFile(path.join(full, 'README.md'), 'utf-8')).to.equal(card);
    expect(card).to.match(/^---\nlibrary_name: sentence-transformers\npipeline_tag: sentence-similarity\n/);
    expect(card).to.include('- loss:CosineSimilarityLoss').and.include('# SentenceTransformer based on ').and.include('SentenceTransformer.fromPretrained(');
    const test = (ra.metrics as Array<{ split: string; pearson: number; spearman: number }>).find((m) => m.split === 'test');
    expect(test, 'results.json has the test split').to.not.equal(undefined);
    expect(card).to.include(`| test | ${test!.pearson.toFixed(4)} | ${test!.spearman.toFixed(4)} |`);
    expect(card).to.include(`- type: spearman_cosine\n      value: ${test!.spearman}`);
  });
});
