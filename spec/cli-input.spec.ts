/**
 * Issue 11, items 11-15: what the CLI says about its input and its flags (real child processes).
 */
import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fixtureModel } from './helpers/paths.js';
import { runCli } from './helpers/run-cli.js';
import { expectNoStackDump, writeTrainData } from './helpers/train-run.js';

const BERT = fixtureModel('tiny-bert-cross-encoder');
const ROBERTA = fixtureModel('tiny-roberta-cross-encoder');

describe('CLI input and flags (issue 11, items 11-15)', function () {
  this.timeout(120_000);
  let tmp: string;
  before(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'xenc-cli-input-'));
  });
  after(async () => {
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  it('11. predict rejects input that is not UTF-8, naming the row, as training rejects the same file', async () => {
    const head = new TextEncoder().encode('sentence1\tsentence2\nA man\tUn homme\nUn caf');
    const latin1 = new Uint8Array([...head, 0xe9, ...new TextEncoder().encode('\tA coffee\n')]);
    const file = path.join(tmp, 'latin1.tsv');
    await fsp.writeFile(file, latin1);
    const r = await runCli(['predict', '--model', BERT, '--input', file]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include(`latin1.tsv, row 3: is not valid UTF-8 text (byte 0xE9 at byte offset ${head.length})`);
    expect(r.stdout, 'nothing scored').to.equal('');
    expectNoStackDump(r);
    const viaStdin = await runCli(['predict', '--model', BERT], { input: latin1 });
    expect(viaStdin.code).to.equal(1);
    expect(viaStdin.stderr).to.include(`<stdin>, row 3: is not valid UTF-8 text (byte 0xE9 at byte offset ${head.length})`);
    const t = await runCli(['train', '--model', BERT, '--train', file, '--output', path.join(tmp, 'never')]);
    expect(t.code).to.equal(1);
    expect(t.stderr).to.include(`latin1.tsv: is not valid UTF-8 text (line 3, byte offset ${head.length}: 0xE9)`);
  });

  it('12. predict on empty input (an empty file, or nothing on stdin) warns that it read 0 pairs', async () => {
    const empty = path.join(tmp, 'empty.jsonl');
    await fsp.writeFile(empty, '');
    for (const r of [await runCli(['predict', '--model', BERT, '--input', empty]), await runCli(['predict', '--model', BERT], { input: '' })]) {
      expect(r.code).to.equal(0);
      expect(r.stdout).to.equal('');
      expect(r.stderr).to.match(/warn: (.*empty\.jsonl|<stdin>): read 0 pairs/);
    }
  });

  it('13. --max-length has one lower bound: the special tokens of a pair (3 for BERT, 4 for RoBERTa)', async () => {
    const pair = 'A man is playing a guitar.\tA man plays the guitar.\n';
    // The runs are independent: started together, they share the cores (each is mostly start-up).
    const cases = ([[BERT, 3], [ROBERTA, 4]] as const).flatMap(([model, specials]) => Array.from({ length: specials }, (_, i) => ({ model, specials, n: i + 1 })));
    const runs = await Promise.all(cases.map((c) => runCli(['predict', '--model', c.model, '--max-length', String(c.n)], { input: pair })));
    cases.forEach(({ model, specials, n }, i) => {
      const r = runs[i];
      if (n < specials) {
        expect(r.code, `${model} --max-length ${n}`).to.equal(2);
        expect(r.stderr).to.match(new RegExp(`maxLength must be an integer ≥ ${specials} \\(the special tokens of a pair\\), got ${n}`));
      } else {
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stdout.trim().split('\n')).to.have.length(1);
      }
    });
  });

  it('14. --score-scale 5 on scores already in [0, 1] warns; 0-5 scores without it suggest --score-scale 5', async () => {
    const unit = await writeTrainData(path.join(tmp, 'unit.jsonl'));
    const r = await runCli(['evaluate', '--model', BERT, '--data', unit, '--score-scale', '5']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/unit\.jsonl: score scale 5 \(--score-scale\) divides scores whose maximum is 0\.\d+: they look already in \[0, 1\]/);
    const plain = await runCli(['evaluate', '--model', BERT, '--data', unit]);
    expect(plain.stderr).not.to.match(/score scale/);

    const five = path.join(tmp, 'five.tsv');
    await fsp.writeFile(five, 'sentence1\tsentence2\tscore\na\tb\t4.2\nc\td\t1.0\n');
    const e = await runCli(['evaluate', '--model', BERT, '--data', five]);
    expect(e.code).to.equal(1);
    expect(e.stderr).to.match(/five\.tsv, row 1: column "score" = 4\.2 is outside \[0, 1\].*need --score-scale 5/);
    expect(e.stderr).not.to.match(/labelRange/);
  });

  it('15. --threads above the core count is capped with a notice; --max-grad-norm rejects negatives (0 turns clipping off)', async () => {
    const cores = os.availableParallelism();
    const r = await runCli(['predict', '--model', BERT, '--threads', '64'], { input: 'a\tb\n' });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.include(`--threads 64: this machine has ${cores} core${cores === 1 ? '' : 's'}; using ${cores} threads`);
    const data = await writeTrainData(path.join(tmp, 'train.jsonl'), 1);
    // (`--max-grad-norm -1` is a parse error already: node:util asks for `--max-grad-norm=-1`.)
    const neg = await runCli(['train', '--model', BERT, '--train', data, '--output', path.join(tmp, 'neg'), '--max-grad-norm=-1']);
    expect(neg.code).to.equal(2);
    expect(neg.stderr).to.match(/--max-grad-norm must be ≥ 0, got -1 \(0 turns clipping off\)/);
    const help = await runCli(['train', '--help']);
    expect(help.stdout).to.match(/--max-grad-norm X +clip the global gradient norm to X; 0 turns clipping off \[1\]/);
    const off = await runCli(['train', '--model', BERT, '--train', data, '--output', path.join(tmp, 'off'), '--max-grad-norm', '0', '--max-steps', '1', '--no-progress']);
    expect(off.code, off.stderr.slice(-2000)).to.equal(0);
  });
});
