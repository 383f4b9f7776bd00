/**
 * README.md model card for a trained cross-encoder, laid out like the cards sentence-transformers writes
 * (YAML front matter the Hub indexes, then details, usage, evaluation, training), so a checkpoint uploaded
 * from here reads and filters on the Hub like one trained in Python.
 */
import { formatDuration } from '../util/progress.js';

export interface ModelCardInfo {
  /** Hub id (linked) or local path (shown as is). */
  baseModel: string;
  /** e.g. 'BertForSequenceClassification' or 'bert'. */
  modelType: string;
  /** Where the model was saved; the usage snippets load from here. */
  outputDir: string;
  /** Hub dataset ids or local file paths; only Hub-like ids go into the YAML `datasets` list. */
  datasets: { train: string; validation?: string; test?: string };
  hyperparameters: Record<string, string | number | boolean>;
  metrics: { split: string; pearson: number; spearman: number }[];
  trainingTime?: { seconds: number; pairsPerSecond: number };
  /** e.g. 'wasm (@tensorflow/tfjs-backend-wasm)'. */
  backend: string;
  /** ISO date of the run. */
  date: string;
}

const EXAMPLE: [string, string] = ['A man is eating food.', 'A man is eating a piece of bread.'];

/** Hub ids look like `name` or `owner/name`; paths and data files do not belong in the Hub's metadata. */
function isHubId(s: string): boolean {
  return /^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/.test(s) && !/\.(csv|tsv|jsonl?|parquet|txt|arrow)$/i.test(s);
}

/** A YAML scalar: plain when unambiguous, else a JSON string (JSON strings are valid YAML). */
function yamlStr(s: string): string {
  return /^[A-Za-z0-9][\w./-]*$/.test(s) && !/^(true|false|null|yes|no|on|off|~)$/i.test(s) ? s : JSON.stringify(s);
}

/** Metric numbers with 4 decimals, as the sentence-transformers cards print them. */
export function fmt4(v: number): string {
  return Number.isFinite(v) ? v.toFixed(4) : 'NaN';
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function link(id: string): string {
  return isHubId(id) ? `[${id}](https://huggingface.co/${id})` : `\`${id}\``;
}

function datasetLink(id: string): string {
  return isHubId(id) ? `[${id}](https://huggingface.co/datasets/${id})` : `\`${id}\``;
}

function frontMatter(info: ModelCardInfo): string {
  const ds = [info.datasets.train, info.datasets.validation, info.datasets.test].filter((d): d is string => !!d && isHubId(d));
  const lines = ['---', 'library_name: sentence-transformers', 'pipeline_tag: text-ranking', 'tags:'];
  lines.push('- sentence-transformers', '- cross-encoder', '- tfjs-cross-encoder');
  lines.push(`base_model: ${yamlStr(info.baseModel)}`);
  if (ds.length) lines.push('datasets:', ...[...new Set(ds)].map((d) => `- ${yamlStr(d)}`));
  if (info.metrics.length) {
    lines.push('metrics:', '- pearson', '- spearman');
    // model-index is what the Hub reads to show evaluation results on the model page.
    lines.push('model-index:', `- name: ${JSON.stringify(`CrossEncoder based on ${info.baseModel}`)}`, '  results:');
    for (const m of info.metrics) {
      lines.push(
        '  - task:',
        '      type: semantic-similarity',
        '      name: Semantic Similarity',
        '    dataset:',
        `      name: ${yamlStr(m.split)}`,
        `      type: ${yamlStr(m.split)}`,
        '    metrics:',
        `    - type: pearson`,
        `      value: ${Number.isFinite(m.pearson) ? m.pearson : '.nan'}`,
        '      name: Pearson',
        `    - type: spearman`,
        `      value: ${Number.isFinite(m.spearman) ? m.spearman : '.nan'}`,
        '      name: Spearman',
      );
    }
  }
  lines.push('---');
  return lines.join('\n');
}

function usage(info: ModelCardInfo): string {
  const dir = JSON.stringify(info.outputDir);
  const [a, b] = EXAMPLE.map((s) => JSON.stringify(s));
  return [
    '## Usage',
    '',
    '### TypeScript (tfjs-cross-encoder)',
    '',
    '```bash',
    'npm install tfjs-cross-encoder',
    '```',
    '',
    '```ts',
    "import { CrossEncoder } from 'tfjs-cross-encoder';",
    '',
    `const model = await CrossEncoder.fromPretrained(${dir});`,
    `const scores = await model.predict([[${a}, ${b}]]);`,
    'console.log(scores); // one relevance score per pair',
    '```',
    '',
    '### Python (Sentence Transformers)',
    '',
    '```bash',
    'pip install -U sentence-transformers',
    '```',
    '',
    '```python',
    'from sentence_transformers import CrossEncoder',
    '',
    `model = CrossEncoder(${dir})`,
    `scores = model.predict([(${a}, ${b})])`,
    'print(scores)',
    '```',
  ].join('\n');
}

function evaluation(info: ModelCardInfo): string {
  if (!info.metrics.length) return '## Evaluation\n\nNo evaluation was run.';
  const rows = info.metrics.map((m) => `| ${cell(m.split)} | ${fmt4(m.pearson)} | ${fmt4(m.spearman)} |`);
  return [
    '## Evaluation',
    '',
    '### Metrics',
    '',
    'Semantic similarity, evaluated with `CrossEncoderCorrelationEvaluator` (correlation of predicted scores with gold labels):',
    '',
    '| Split | Pearson | Spearman |',
    '|:------|--------:|---------:|',
    ...rows,
  ].join('\n');
}

function training(info: ModelCardInfo): string {
  const out = ['## Training Details', '', '### Training Hyperparameters', ''];
  const entries = Object.entries(info.hyperparameters);
  if (entries.length) {
    out.push('| Hyperparameter | Value |', '|:---------------|:------|');
    for (const [k, v] of entries) out.push(`| ${cell(k)} | ${cell(String(v))} |`);
  } else {
    out.push('Not recorded.');
  }
  if (info.trainingTime) {
    const { seconds, pairsPerSecond } = info.trainingTime;
    out.push('', '### Training Time', '', `- **Wall clock:** ${formatDuration(seconds)} (${seconds.toFixed(1)} s)`);
    out.push(`- **Throughput:** ${pairsPerSecond.toFixed(1)} pairs/s`);
  }
  out.push('', '### Framework', '', `- **Library:** tfjs-cross-encoder (TensorFlow.js)`, `- **Backend:** ${info.backend}`, `- **Date:** ${info.date}`);
  return out.join('\n');
}

/** Render the card. Pure: writing it to `<outputDir>/README.md` is the caller's job. */
export function renderModelCard(info: ModelCardInfo): string {
  const { train, validation, test } = info.datasets;
  const details = [
    '## Model Details',
    '',
    '### Model Description',
    '',
    '- **Model Type:** Cross Encoder',
    `- **Base model:** ${link(info.baseModel)}`,
    `- **Architecture:** ${info.modelType}`,
    `- **Training Dataset:** ${datasetLink(train)}`,
    ...(validation ? [`- **Validation Dataset:** ${datasetLink(validation)}`] : []),
    ...(test ? [`- **Test Dataset:** ${datasetLink(test)}`] : []),
  ].join('\n');
  return [
    frontMatter(info),
    '',
    `# CrossEncoder based on ${info.baseModel}`,
    '',
    `This is a [Cross Encoder](https://www.sbert.net/docs/cross_encoder/usage/usage.html) model finetuned from ${link(info.baseModel)} ` +
      `on ${datasetLink(train)} with [tfjs-cross-encoder](https://www.npmjs.com/package/tfjs-cross-encoder). ` +
      'It computes a score for a pair of texts, which can be used for semantic textual similarity, re-ranking and pair classification. ' +
      'The checkpoint is a standard Hugging Face directory, so it loads in Python with Sentence Transformers too.',
    '',
    details,
    '',
    usage(info),
    '',
    evaluation(info),
    '',
    training(info),
    '',
  ].join('\n');
}
