/**
 * README.md model card for a trained cross-encoder or SentenceTransformer (bi-encoder), laid out like the cards
 * sentence-transformers writes for each (YAML front matter the Hub indexes, then details, usage, evaluation,
 * training), so a checkpoint uploaded from here reads and filters on the Hub like one trained in Python.
 */
import { formatDuration } from '../util/progress.js';

export type ModelKind = 'cross-encoder' | 'sentence-transformer';

export interface ModelCardInfo {
  /** Which kind of model the card describes. Default 'cross-encoder'. */
  kind?: ModelKind;
  /** The training loss's name (e.g. CosineSimilarityLoss), listed in the tags as sentence-transformers does. */
  loss?: string;
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

/** What differs between the two kinds' cards: the Hub's task, tags, names, evaluator and metric keys. */
interface KindWords {
  pipelineTag: string;
  tags: string[];
  title: string;
  modelType: string;
  docs: string;
  purpose: string;
  evaluator: string;
  metric: { pearson: string; spearman: string };
}

const KIND_WORDS: Record<ModelKind, KindWords> = {
  'cross-encoder': {
    pipelineTag: 'text-ranking',
    tags: ['sentence-transformers', 'cross-encoder', 'tfjs-cross-encoder'],
    title: 'CrossEncoder',
    modelType: 'Cross Encoder',
    docs: '[Cross Encoder](https://www.sbert.net/docs/cross_encoder/usage/usage.html)',
    purpose: 'It computes a score for a pair of texts, which can be used for semantic textual similarity, re-ranking and pair classification.',
    evaluator: '`CrossEncoderCorrelationEvaluator` (correlation of predicted scores with gold labels)',
    metric: { pearson: 'pearson', spearman: 'spearman' },
  },
  'sentence-transformer': {
    pipelineTag: 'sentence-similarity',
    tags: ['sentence-transformers', 'sentence-similarity', 'feature-extraction', 'tfjs-cross-encoder'],
    title: 'SentenceTransformer',
    modelType: 'Sentence Transformer',
    docs: '[sentence-transformers](https://www.sbert.net)',
    purpose: 'It maps sentences and paragraphs to a dense vector space, which can be used for semantic textual similarity, semantic search, clustering and classification.',
    evaluator: '`EmbeddingSimilarityEvaluator` (correlation of the cosine similarity of the embeddings with gold labels)',
    metric: { pearson: 'pearson_cosine', spearman: 'spearman_cosine' },
  },
};

function wordsOf(info: ModelCardInfo): KindWords {
  return KIND_WORDS[info.kind ?? 'cross-encoder'];
}

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
  const w = wordsOf(info);
  const lines = ['---', 'library_name: sentence-transformers', `pipeline_tag: ${w.pipelineTag}`, 'tags:'];
  lines.push(...w.tags.map((t) => `- ${t}`));
  if (info.loss) lines.push(`- loss:${yamlStr(info.loss)}`);
  lines.push(`base_model: ${yamlStr(info.baseModel)}`);
  if (ds.length) lines.push('datasets:', ...[...new Set(ds)].map((d) => `- ${yamlStr(d)}`));
  if (info.metrics.length) {
    lines.push('metrics:', `- ${w.metric.pearson}`, `- ${w.metric.spearman}`);
    // model-index is what the Hub reads to show evaluation results on the model page.
    lines.push('model-index:', `- name: ${JSON.stringify(`${w.title} based on ${info.baseModel}`)}`, '  results:');
    for (const m of info.metrics) {
      lines.push(
        '  - task:',
        '      type: semantic-similarity',
        '      name: Semantic Similarity',
        '    dataset:',
        `      name: ${yamlStr(m.split)}`,
        `      type: ${yamlStr(m.split)}`,
        '    metrics:',
        `    - type: ${w.metric.pearson}`,
        `      value: ${Number.isFinite(m.pearson) ? m.pearson : '.nan'}`,
        '      name: Pearson',
        `    - type: ${w.metric.spearman}`,
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
  const bi = info.kind === 'sentence-transformer';
  const ts = bi
    ? ["import { SentenceTransformer } from 'tfjs-cross-encoder';", '', `const model = await SentenceTransformer.fromPretrained(${dir});`,
       `const embeddings = await model.encode([${a}, ${b}]);`, 'console.log(model.similarity(embeddings, embeddings)); // cosine similarities']
    : ["import { CrossEncoder } from 'tfjs-cross-encoder';", '', `const model = await CrossEncoder.fromPretrained(${dir});`,
       `const scores = await model.predict([[${a}, ${b}]]);`, 'console.log(scores); // one relevance score per pair'];
  const py = bi
    ? ['from sentence_transformers import SentenceTransformer', '', `model = SentenceTransformer(${dir})`,
       `embeddings = model.encode([${a}, ${b}])`, 'print(model.similarity(embeddings, embeddings))']
    : ['from sentence_transformers import CrossEncoder', '', `model = CrossEncoder(${dir})`, `scores = model.predict([(${a}, ${b})])`, 'print(scores)'];
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
    ...ts,
    '```',
    '',
    '### Python (Sentence Transformers)',
    '',
    '```bash',
    'pip install -U sentence-transformers',
    '```',
    '',
    '```python',
    ...py,
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
    `Semantic similarity, evaluated with ${wordsOf(info).evaluator}:`,
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
  const w = wordsOf(info);
  const details = [
    '## Model Details',
    '',
    '### Model Description',
    '',
    `- **Model Type:** ${wordsOf(info).modelType}`,
    `- **Base model:** ${link(info.baseModel)}`,
    `- **Architecture:** ${info.modelType}`,
    `- **Training Dataset:** ${datasetLink(train)}`,
    ...(validation ? [`- **Validation Dataset:** ${datasetLink(validation)}`] : []),
    ...(test ? [`- **Test Dataset:** ${datasetLink(test)}`] : []),
  ].join('\n');
  return [
    frontMatter(info),
    '',
    `# ${w.title} based on ${info.baseModel}`,
    '',
    `This is a ${w.docs} model finetuned from ${link(info.baseModel)} ` +
      `on ${datasetLink(train)} with [tfjs-cross-encoder](https://www.npmjs.com/package/tfjs-cross-encoder). ` +
      `${w.purpose} ` +
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
