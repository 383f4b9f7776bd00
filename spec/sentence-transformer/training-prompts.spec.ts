/**
 * Training prompts (sentence-transformers' `prompts` training argument): the loss sees exactly the embeddings
 * encode() gives with the same prompt (encode's prompts are checked against Python in encode-parity.spec.ts), with
 * Pooling's include_prompt false leaving the prompt tokens out; a resume with other prompts is refused; bad prompts
 * get messages.
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { tf } from '../../lib/backend.js';
import { loadStsbFromDir } from '../../lib/data/index.js';
import { UsageError } from '../../lib/errors.js';
import { pairRows } from '../../lib/sentence-transformer/job.js';
import { CosineSimilarityLoss } from '../../lib/sentence-transformer/losses/index.js';
import { SentenceTransformer } from '../../lib/sentence-transformer/model.js';
import { SentenceTransformerTask, type BiEncoderExample } from '../../lib/sentence-transformer/training-task.js';
import { promptsPerColumn } from '../../lib/sentence-transformer/training-prompts.js';
import { Trainer } from '../../lib/cross-encoder/trainer.js';
import { fixtureModel, STSB_DIR } from '../helpers/paths.js';

const TINY = fixtureModel('tiny-st-bert');
const COLUMNS = ['sentence1', 'sentence2'];

/** A copy of the tiny model whose Pooling leaves prompt tokens out (include_prompt false, as INSTRUCTOR models do). */
async function withoutPromptPooling(dir: string): Promise<string> {
  await fsp.cp(TINY, dir, { recursive: true });
  const file = path.join(dir, '1_Pooling', 'config.json');
  const cfg = JSON.parse(await fsp.readFile(file, 'utf-8')) as Record<string, unknown>;
  await fsp.writeFile(file, JSON.stringify({ ...cfg, include_prompt: false }));
  return dir;
}

describe('SentenceTransformer training with prompts', function () {
  this.timeout(300_000);
  let rows: BiEncoderExample[];
  let tmp: string;
  before(async () => {
    rows = pairRows((await loadStsbFromDir(STSB_DIR, 'train', { limit: 12 })).examples);
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'st-prompts-'));
  });
  after(() => fsp.rm(tmp, { recursive: true, force: true }));

  for (const includePrompt of [true, false]) {
    it(`the step's loss is the loss of encode()'s prompted embeddings (include_prompt ${includePrompt})`, async () => {
      const dir = includePrompt ? TINY : await withoutPromptPooling(path.join(tmp, 'no-prompt-pooling'));
      const model = await SentenceTransformer.fromPretrained(dir, { dropout: 0 });
      try {
        const idx = [0, 1, 2, 3, 4, 5];
        const prompts = { sentence1: 'query: ', sentence2: 'passage: ' };
        const step = { step: 0, indices: idx, microSize: 6, seedStart: 1, seedsPerForward: 0, params: model.model.trainableVariables(), threads: 1 };
        const loss = new CosineSimilarityLoss();
        const trained = await new SentenceTransformerTask(model, rows, loss, { columns: COLUMNS, prompts }).stepGradients(step);
        const plain = await new SentenceTransformerTask(model, rows, loss, { columns: COLUMNS }).stepGradients(step);
        const enc = async (c: number, prompt: string) => tf.tensor2d((await model.encode(idx.map((i) => rows[i].texts[c]), { prompt, showProgress: false })).map((r) => Array.from(r)));
        const e = [await enc(0, prompts.sentence1), await enc(1, prompts.sentence2)];
        const labels = tf.tensor1d(idx.map((i) => rows[i].label as number));
        const expected = (await loss.fromEmbeddings(e, labels).data())[0];
        tf.dispose([...e, labels, ...trained.grads.values(), ...plain.grads.values()]);
        expect(Math.abs(trained.loss - expected) / expected, `loss ${trained.loss} vs ${expected} from encode`).to.be.at.most(1e-5);
        expect(Math.abs(trained.loss - plain.loss), 'the prompts change the loss').to.be.above(1e-4);
      } finally {
        model.dispose();
      }
    });
  }

  it('a resume with other prompts is refused, naming them', async () => {
    const out = path.join(tmp, 'resume');
    const run = async (prompts: string, resume: boolean, crashAt?: number) => {
      const model = await SentenceTransformer.fromPretrained(TINY);
      const trainer = new Trainer(new SentenceTransformerTask(model, rows, new CosineSimilarityLoss(), { columns: COLUMNS, prompts }), null, {
        outputDir: out, maxSteps: 3, batchSize: 4, saveSteps: 1, showProgress: false, resume,
        onStep: (s) => {
          if (s === crashAt) throw new Error('simulated crash');
        },
      });
      try {
        return await trainer.run();
      } finally {
        trainer.dispose();
        model.dispose();
      }
    };
    await run('query: ', false, 2).catch((e: Error) => expect(e.message).to.match(/simulated crash/));
    const refused = await run('passage: ', true).then(() => 'resumed', (e: Error) => e.message);
    expect(refused).to.match(/prompts: now "\{\\"sentence1\\":\\"passage: \\",\\"sentence2\\":\\"passage: \\"\}", the checkpoint has "\{\\"sentence1\\":\\"query: \\"/);
    expect((await run('query: ', true)).globalStep, 'the same prompts resume').to.equal(3);
  });

  it('refuses prompts for columns the data lacks, nested per-dataset prompts and non-strings', () => {
    expect(() => promptsPerColumn({ sentence3: 'x: ' }, COLUMNS)).to.throw(UsageError, /prompts names column "sentence3", which the training data does not have \(its input columns: sentence1, sentence2\)/);
    expect(() => promptsPerColumn({ stsb: { sentence1: 'x: ' } } as unknown as Record<string, string>, COLUMNS)).to.throw(UsageError, /prompts\.stsb is an object: per-dataset prompts are for multi-dataset training/);
    expect(() => promptsPerColumn({ sentence1: 3 } as unknown as Record<string, string>, COLUMNS)).to.throw(UsageError, /prompts\.sentence1 must be a string, got number/);
    expect(promptsPerColumn({ sentence2: 'p: ', sentence1: '' }, COLUMNS), 'an empty prompt is none, as in ST').to.deep.equal([undefined, 'p: ']);
    expect(promptsPerColumn('q: ', COLUMNS)).to.deep.equal(['q: ', 'q: ']);
  });
});
