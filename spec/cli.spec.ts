import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CrossEncoder } from '../lib/cross-encoder/model.js';
import { activeBackend } from '../lib/backend/state.js';
import { onlyOn } from './helpers/parity.js';
import { gemmModuleBytes } from '../lib/kernels/wasm/gemm/module.js';
import { fixtureModel } from './helpers/paths.js';
import { runCli } from './helpers/run-cli.js';
import { fixtureExamples, TRAINING_FIXTURE } from './helpers/training-fixture.js';
import { checkAgainstFixture } from './helpers/training-fixture.js';

describe('CLI', () => {
  let tmp: string;
  before(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'xenc-cli-'));
  });
  after(async () => {
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  it('predict reads TSV from stdin and JSONL from a file, writes one {"score"} line per pair in input order', async () => {
    const model = fixtureModel('tiny-bert-cross-encoder');
    const tsv = 'sentence1\tsentence2\nA man is playing a guitar.\tA man plays the guitar.\nA woman is riding a horse.\tSomeone is eating food.\n';
    const r = await runCli(['predict', '--model', model, '--activation', 'none'], { input: tsv });
    expect(r.code, r.stderr).to.equal(0);
    const scores = r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { score: number }).score);
    expect(scores).to.have.length(2);
    expect(scores[0]).to.be.closeTo(0.5676454, 1e-4);
    expect(scores[1]).to.be.closeTo(0.4807208, 1e-4);

    const jsonl = path.join(tmp, 'pairs.jsonl');
    await fsp.writeFile(jsonl, ['A woman is riding a horse.', 'A man is playing a guitar.'].map((s, i) => JSON.stringify({ sentence1: s, sentence2: i ? 'A man plays the guitar.' : 'Someone is eating food.' })).join('\n') + '\n');
    const r2 = await runCli(['predict', '--model', model, '--input', jsonl]);
    expect(r2.code, r2.stderr).to.equal(0);
    const s2 = r2.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { score: number }).score);
    expect(s2[0]).to.be.closeTo(0.6179181, 1e-4); // sigmoid, from the config's activation_fn
    expect(s2[1]).to.be.closeTo(0.6382197, 1e-4);
  });

  it('predict --threads 3 writes exactly the --threads 1 scores', async () => {
    const model = fixtureModel('tiny-roberta-cross-encoder');
    const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ sentence1: `pair number ${i} has words`, sentence2: 'and another sentence '.repeat(1 + (i % 5)) }));
    const input = lines.join('\n') + '\n';
    const one = await runCli(['predict', '--model', model, '--batch-size', '4', '--threads', '1'], { input });
    const three = await runCli(['predict', '--model', model, '--batch-size', '4', '--threads', '3'], { input });
    expect(one.code, one.stderr).to.equal(0);
    expect(three.code, three.stderr).to.equal(0);
    expect(one.stdout.trim().split('\n')).to.have.length(50);
    expect(three.stdout).to.equal(one.stdout);
    const bad = await runCli(['predict', '--model', model, '--threads', 'many'], { input });
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.match(/--threads must be an integer/);
  });

  it('predict names the line of a malformed input and exits non-zero', async () => {
    const r = await runCli(['predict', '--model', fixtureModel('tiny-bert-cross-encoder')], { input: 'a\tb\nonly one field\n' });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/<stdin>, row 2: expected 2 tab-separated fields, found 1/);
    expect(r.stdout).to.equal('');
  });

  it('train replays training-steps.json (--no-shuffle --dropout 0 --scheduler constant --batch-size 2 --max-steps 3)', async () => {
    const data = path.join(tmp, 'fixture-train.jsonl');
    await fsp.writeFile(data, fixtureExamples().map((e) => JSON.stringify({ sentence1: e.sentence1, sentence2: e.sentence2, score: e.label })).join('\n') + '\n');
    const out = path.join(tmp, 'cli-train');
    const r = await runCli([
      'train', '--model', fixtureModel(TRAINING_FIXTURE.start_model), '--train', data, '--output', out,
      '--no-shuffle', '--dropout', '0', '--scheduler', 'constant', '--batch-size', '2', '--max-steps', '3',
      '--lr', String(TRAINING_FIXTURE.optimizer.lr), '--logging-steps', '1', '--no-progress',
    ]);
    expect(r.code, r.stderr).to.equal(0);
    const model = await CrossEncoder.fromPretrained(path.join(out, 'final'));
    await checkAgainstFixture(out, model);
    model.dispose();
  });

  it('evaluate prints Pearson/Spearman as JSON', async () => {
    const data = path.join(tmp, 'eval.jsonl');
    await fsp.writeFile(data, fixtureExamples().map((e) => JSON.stringify({ sentence1: e.sentence1, sentence2: e.sentence2, score: e.label })).join('\n') + '\n');
    const r = await runCli(['evaluate', '--model', fixtureModel('tiny-bert-cross-encoder'), '--data', data]);
    expect(r.code, r.stderr).to.equal(0);
    const j = JSON.parse(r.stdout.trim()) as { pearson: number; spearman: number; n: number };
    expect(j.n).to.equal(6);
    expect(j.pearson).to.be.within(-1, 1);
    expect(j.spearman).to.be.within(-1, 1);
  });

  it('doctor says which backend runs and why, and lists every backend it can see with its state', async () => {
    const r = await runCli(['doctor']);
    expect(r.code, r.stderr).to.equal(0);
    const active = activeBackend()!;
    expect(r.stdout).to.include(`backend: ${active.name} from ${active.source}`);
    expect(r.stdout).to.match(/why: /);
    for (const candidate of ['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu']) expect(r.stdout).to.match(new RegExp(`\\n {2}${candidate} +(chosen|available|not installed|unusable|skipped)`));
    expect(r.stdout).to.match(/\n {2}cpu +(chosen|available)/);
    const cpu = await runCli(['doctor'], { env: { TFJS_BACKEND: 'cpu' } });
    expect(cpu.stdout).to.match(/backend: cpu .*\n {2}why: TFJS_BACKEND=cpu/);
    expect(cpu.stdout).to.match(/\n {2}cpu +chosen/);
  });

  it('doctor says which matmul runs on wasm, and the two environment switches change it', async function () {
    onlyOn(this, ['wasm'], 'the matmul switches are the wasm backend\'s');
    // Does a fresh Node accept relaxed SIMD without V8's flag (Node 22+)? Then switching the flag off changes nothing.
    const probe = Buffer.from(gemmModuleBytes(true)).toString('base64');
    const native = spawnSync(process.execPath, ['-e', `process.stdout.write(String(WebAssembly.validate(Buffer.from('${probe}', 'base64'))))`], { encoding: 'utf8' }).stdout;
    // Three independent runs, started together (each is mostly start-up).
    const [r, noFlag, xnn] = await Promise.all([
      runCli(['doctor'], { env: { TFJS_BACKEND: 'wasm' } }),
      runCli(['doctor'], { env: { TFJS_CROSS_ENCODER_RELAXED_SIMD: '0' } }),
      runCli(['doctor'], { env: { TFJS_CROSS_ENCODER_GEMM: 'xnnpack' } }),
    ]);
    expect(r.stdout).to.match(/matmul: our GEMM \(lib\/wasm-gemm\), relaxed-SIMD FMA/);
    expect(noFlag.stdout).to.match(native === 'true' ? /matmul: our GEMM \(lib\/wasm-gemm\), relaxed-SIMD FMA/ : /matmul: our GEMM \(lib\/wasm-gemm\), SIMD mul \+ add/);
    expect(xnn.stdout).to.match(/matmul: tfjs' XNNPACK matMul/);
  });

  it('unknown flags and bad values are usage errors (exit 2)', async () => {
    const r = await runCli(['train', '--model', 'x', '--bogus']);
    expect(r.code).to.equal(2);
    const r2 = await runCli(['train', '--model', fixtureModel('tiny-bert-cross-encoder'), '--train', 'x.tsv', '--output', tmp, '--batch-size', 'zero']);
    expect(r2.code).to.equal(2);
    expect(r2.stderr).to.match(/--batch-size must be an integer/);
  });
});
