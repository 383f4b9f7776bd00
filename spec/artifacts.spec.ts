import { expect } from 'chai';
import { renderTrainingCurve, niceTicks } from '../lib/training/curve-svg.js';
import { renderModelCard, fmt4, type ModelCardInfo } from '../lib/training/model-card.js';

describe('training curve SVG', () => {
  const loss = Array.from({ length: 200 }, (_, i) => ({ step: i + 1, value: 0.7 * Math.exp(-i / 60) + 0.4 }));
  const spearman = [100, 200].map((step, i) => ({ step, value: 0.6 + 0.1 * i }));

  it('is a self-contained SVG with a line per series, axes labels, legend and title', () => {
    const svg = renderTrainingCurve({ loss, evalSpearman: spearman, title: 'STS-B <run> & "x"' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).to.equal(true);
    expect(svg.trimEnd().endsWith('</svg>')).to.equal(true);
    expect(svg.match(/<polyline /g)).to.have.length(2);
    expect(svg).to.include('training loss').and.include('validation Spearman').and.include('optimizer step');
    expect(svg).to.include('STS-B &lt;run&gt; &amp; &quot;x&quot;');
    expect(svg).to.not.match(/href|<script|NaN|Infinity/);
    // Tick labels on both axes: step ticks on the shared x axis, value ticks per panel.
    expect(svg).to.match(/>200<\/text>/);
    expect(svg).to.match(/>0\.6<\/text>/);
    // Every tag it opens it closes (a cheap well-formedness check: no XML parser in our deps).
    const opened = (svg.match(/<(svg|text)\b/g) ?? []).length;
    const closed = (svg.match(/<\/(svg|text)>/g) ?? []).length;
    expect(opened).to.equal(closed);
  });

  it('handles empty series, a single point and non-finite values', () => {
    const empty = renderTrainingCurve({ loss: [], evalSpearman: [], title: 'nothing yet' });
    expect(empty).to.match(/^<svg/);
    expect(empty.match(/no data/g)).to.have.length(2);
    expect(empty).to.not.include('<polyline');

    const one = renderTrainingCurve({ loss: [{ step: 3, value: 0.6 }], evalSpearman: [{ step: 3, value: NaN }], title: 't' });
    expect(one.match(/<polyline /g)).to.have.length(1);
    expect(one).to.include('<circle'); // a one-point polyline alone would be invisible
    expect(one).to.include('no data'); // the NaN point was dropped
    expect(one).to.not.match(/NaN|Infinity/);
  });

  it('niceTicks covers the range with 1-2-5 steps and widens a degenerate range', () => {
    expect(niceTicks(0, 1).ticks).to.deep.equal([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.31, 0.87).ticks).to.deep.equal([0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 540, 8).ticks).to.deep.equal([0, 100, 200, 300, 400, 500, 600]);
    const d = niceTicks(5, 5);
    expect(d.lo).to.be.lessThan(5);
    expect(d.hi).to.be.greaterThan(5);
    expect(niceTicks(3, 3, 8, 1).ticks.every(Number.isInteger)).to.equal(true);
  });
});

describe('model card', () => {
  const info: ModelCardInfo = {
    baseModel: 'google-bert/bert-base-uncased',
    modelType: 'BertForSequenceClassification',
    outputDir: 'output/stsb-bert',
    datasets: { train: 'sentence-transformers/stsb', validation: 'sentence-transformers/stsb', test: 'data/local-test.csv' },
    hyperparameters: { learning_rate: 2e-5, num_train_epochs: 4, warmup_ratio: 0.1, loss: 'BinaryCrossEntropyLoss', fp16: false },
    metrics: [
      { split: 'sts-dev', pearson: 0.871234, spearman: 0.86549 },
      { split: 'sts-test', pearson: 0.85, spearman: 0.8412349 },
    ],
    trainingTime: { seconds: 3725.4, pairsPerSecond: 6.16 },
    backend: 'wasm (@tensorflow/tfjs-backend-wasm)',
    date: '2025-01-31',
  };
  const card = renderModelCard(info);

  it('starts with YAML front matter the Hub understands', () => {
    const fm = card.split('\n---\n')[0];
    expect(card.startsWith('---\n')).to.equal(true);
    expect(fm).to.include('library_name: sentence-transformers');
    expect(fm).to.include('pipeline_tag: text-ranking');
    expect(fm).to.include('- cross-encoder\n- tfjs-cross-encoder');
    expect(fm).to.include('base_model: google-bert/bert-base-uncased');
    expect(fm).to.include('datasets:\n- sentence-transformers/stsb\n');
    expect(fm).to.not.include('local-test.csv'); // a file path is not a Hub dataset id
    expect(fm).to.include('value: 0.871234');
  });

  it('has the description, metrics table (4 decimals), hyperparameters and training time', () => {
    expect(card).to.include('# CrossEncoder based on google-bert/bert-base-uncased');
    expect(card).to.include('[google-bert/bert-base-uncased](https://huggingface.co/google-bert/bert-base-uncased)');
    expect(card).to.include('- **Architecture:** BertForSequenceClassification');
    expect(card).to.include('| Split | Pearson | Spearman |');
    expect(card).to.include('| sts-dev | 0.8712 | 0.8655 |');
    expect(card).to.include('| sts-test | 0.8500 | 0.8412 |');
    expect(card).to.include('| learning_rate | 0.00002 |');
    expect(card).to.include('| fp16 | false |');
    expect(card).to.include('- **Test Dataset:** `data/local-test.csv`');
    expect(card).to.include('1:02:05 (3725.4 s)');
    expect(card).to.include('6.2 pairs/s');
    expect(card).to.include('wasm (@tensorflow/tfjs-backend-wasm)');
    expect(card).to.include('2025-01-31');
  });

  it('shows usage in TypeScript and Python loading the output directory', () => {
    expect(card).to.include("import { CrossEncoder } from 'tfjs-cross-encoder';");
    expect(card).to.include('const model = await CrossEncoder.fromPretrained("output/stsb-bert");');
    expect(card).to.match(/const scores = await model\.predict\(\[\[".+", ".+"\]\]\);/);
    expect(card).to.include('from sentence_transformers import CrossEncoder');
    expect(card).to.include('model = CrossEncoder("output/stsb-bert")');
    expect(card).to.match(/model\.predict\(\[\(".+", ".+"\)\]\)/);
    // Code fences are balanced.
    expect((card.match(/^```/gm) ?? []).length % 2).to.equal(0);
  });

  it('copes with no metrics, no timing, odd names', () => {
    const c = renderModelCard({ ...info, baseModel: './local model', metrics: [], trainingTime: undefined, hyperparameters: { 'a|b': 'x|y' } });
    expect(c).to.include('base_model: "./local model"');
    expect(c).to.include('No evaluation was run.');
    expect(c).to.not.include('model-index');
    expect(c).to.not.include('Training Time');
    expect(c).to.include('| a\\|b | x\\|y |');
    expect(fmt4(NaN)).to.equal('NaN');
    expect(fmt4(0.5)).to.equal('0.5000');
  });
});
