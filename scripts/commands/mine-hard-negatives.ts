/**
 * `mine-hard-negatives`: mineHardNegatives (sentence-transformers' mine_hard_negatives) from the command line. Reads
 * (anchor, positive) rows from a data file or hub dataset under the column rule, and writes the chosen output format
 * as JSON lines, one object per row with its columns in order, to --output or stdout.
 */
import { loadColumns } from '../../lib/data/column-read.js';
import { mineHardNegatives, OUTPUT_FORMATS, SAMPLING_STRATEGIES } from '../../lib/data/hard-negatives/index.js';
import { UsageError } from '../../lib/errors.js';
import { SentenceTransformer } from '../../lib/sentence-transformer/model.js';
import { writeFileAtomic } from '../../lib/util/fs.js';
import { log } from '../../lib/util/log.js';
import { parseTexts } from './encode.js';
import { intFlag, numFlag, oneOf, strFlag, type Flags } from './flags.js';
import { decodeLines, readInput } from './predict.js';

export const MINE_OPTIONS = {
  model: { type: 'string' },
  input: { type: 'string' },
  output: { type: 'string' },
  corpus: { type: 'string' },
  'anchor-column': { type: 'string' },
  'positive-column': { type: 'string' },
  'range-min': { type: 'string' },
  'range-max': { type: 'string' },
  'max-score': { type: 'string' },
  'min-score': { type: 'string' },
  'absolute-margin': { type: 'string' },
  'relative-margin': { type: 'string' },
  'num-negatives': { type: 'string' },
  'sampling-strategy': { type: 'string' },
  seed: { type: 'string' },
  'include-positives': { type: 'boolean' },
  'output-format': { type: 'string' },
  'output-scores': { type: 'boolean' },
  'batch-size': { type: 'string' },
  'query-prompt': { type: 'string' },
  'corpus-prompt': { type: 'string' },
  revision: { type: 'string' },
  'no-progress': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const MINE_HELP = `cross-encoder mine-hard-negatives --model <id|dir> --input <hf-id[:split]|file> [--output file.jsonl] [options]
  Adds hard negatives to (anchor, positive) rows with a sentence-transformers model (bi-encoder), as
  sentence-transformers' mine_hard_negatives, and writes one JSON line per output row (columns in order).
  --input                  .jsonl/.csv/.tsv/.parquet or a hub dataset; its first two columns are anchor and positive
  --corpus FILE            more candidate texts (JSON lines {"text": ...} or one per line); the positives always are
  --anchor-column C, --positive-column C   other columns to read
  --output-format F        triplet | n-tuple | labeled-pair | labeled-list [triplet]
  --num-negatives N        negatives per anchor [3]
  --range-min N, --range-max N   candidates by rank to consider [0, derived]
  --max-score S, --min-score S   drop candidates scoring above / below S
  --absolute-margin M, --relative-margin M   drop candidates within M of the anchor's positive (absolute / relative)
  --sampling-strategy S    top | random [top]; random draws with --seed N [12]
  --include-positives      keep positives among the candidates (forces n-tuple)
  --output-scores          add the similarity scores (a scores column, or score/scores for label/labels)
  --query-prompt P, --corpus-prompt P   text put before each anchor / corpus text
  --batch-size N [32], --revision REV (of the model), --no-progress`;

async function readCorpus(file: string | undefined): Promise<string[] | undefined> {
  if (file === undefined) return undefined;
  const lines = decodeLines(await readInput(file), file);
  const first = lines.find((l) => l.trim() !== '') ?? '';
  return parseTexts(lines, file, file.endsWith('.jsonl') || first.trimStart().startsWith('{') ? 'jsonl' : 'txt');
}

export async function mineHardNegativesCommand(v: Flags): Promise<void> {
  const modelId = strFlag(v, 'model');
  const input = strFlag(v, 'input');
  if (!modelId || !input) throw new UsageError(`--model and --input are required\n${MINE_HELP}`);
  const options = {
    anchorColumn: strFlag(v, 'anchor-column'),
    positiveColumn: strFlag(v, 'positive-column'),
    corpus: await readCorpus(strFlag(v, 'corpus')),
    rangeMin: intFlag(v, 'range-min', 0),
    rangeMax: intFlag(v, 'range-max'),
    maxScore: numFlag(v, 'max-score'),
    minScore: numFlag(v, 'min-score'),
    absoluteMargin: numFlag(v, 'absolute-margin'),
    relativeMargin: numFlag(v, 'relative-margin'),
    numNegatives: intFlag(v, 'num-negatives'),
    samplingStrategy: oneOf(v, 'sampling-strategy', SAMPLING_STRATEGIES),
    seed: intFlag(v, 'seed', 0),
    includePositives: v['include-positives'] === true,
    outputFormat: oneOf(v, 'output-format', OUTPUT_FORMATS),
    outputScores: v['output-scores'] === true,
    batchSize: intFlag(v, 'batch-size'),
    queryPrompt: strFlag(v, 'query-prompt'),
    corpusPrompt: strFlag(v, 'corpus-prompt'),
    showProgress: v['no-progress'] === true ? false : undefined,
  };
  const dataset = await loadColumns(input);
  const model = await SentenceTransformer.fromPretrained(modelId, { revision: strFlag(v, 'revision') });
  let mined;
  try {
    mined = await mineHardNegatives(dataset, model, options);
  } finally {
    model.dispose();
  }
  const lines = mined.rows.map((row) => JSON.stringify(Object.fromEntries(mined.columns.map((c) => [c, row[c]]))));
  const text = lines.length ? lines.join('\n') + '\n' : '';
  const output = strFlag(v, 'output');
  if (output === undefined) {
    process.stdout.write(text);
    return;
  }
  await writeFileAtomic(output, text);
  log.info(`wrote ${lines.length} rows (${mined.columns.join(', ')}) to ${output}`);
}
