/**
 * CrossEncoderNanoBEIREvaluator, as in sentence-transformers 6.2: rerank the BM25 top rerankK of each NanoBEIR
 * dataset (a CrossEncoderRerankingEvaluator per dataset, named Nano{Name}_R{rerankK}) and aggregate every metric over
 * the datasets (mean by default). Keys, primary metric (NanoBEIR_R{rerankK}_{aggregateKey}_ndcg@{atK}) and CSVs are
 * ST's: each dataset's reranking CSV, and NanoBEIR_evaluation_{aggregateKey}_results.csv (\n line ends, as ST joins
 * that one itself).
 *
 * The data: a Hub dataset repo (default sentence-transformers/NanoBEIR-en) or a local folder of the same files, with
 * corpus, queries, qrels and bm25 subsets whose splits are Nano{Name} (nano-beir-data.ts).
 */
import { UsageError } from '../../errors.js';
import { appendCsvRow, pyFloatRepr, type EvaluateOptions } from '../../evaluation/csv.js';
import { numpyMean } from '../../evaluation/ranking-metrics.js';
import type { HubOptions } from '../../io/hub-options.js';
import { path } from '../../platform/index.js';
import { log } from '../../util/log.js';
import { loadNanoBeirSamples, openSource } from './nano-beir-data.js';
import { CrossEncoderRerankingEvaluator, type RerankingResult, type RerankScorer } from './reranking-evaluator.js';

/** Short names (any case) and the split names' spelling, as ST's DATASET_NAME_TO_HUMAN_READABLE. */
export const NANO_BEIR_DATASETS: Readonly<Record<string, string>> = {
  climatefever: 'ClimateFEVER',
  dbpedia: 'DBPedia',
  fever: 'FEVER',
  fiqa2018: 'FiQA2018',
  hotpotqa: 'HotpotQA',
  msmarco: 'MSMARCO',
  nfcorpus: 'NFCorpus',
  nq: 'NQ',
  quoraretrieval: 'QuoraRetrieval',
  scidocs: 'SCIDOCS',
  arguana: 'ArguAna',
  scifact: 'SciFact',
  touche2020: 'Touche2020',
};

/** ST leaves these two out by default: argument retrieval is a different task from the others. */
const NOT_BY_DEFAULT = ['arguana', 'touche2020'];

export interface NanoBeirEvaluatorOptions {
  /** Default: every dataset above except arguana and touche2020. */
  datasetNames?: readonly string[];
  /** Hub dataset repo, or a local folder of the same files. Default sentence-transformers/NanoBEIR-en. */
  datasetId?: string;
  /** Rerank this many BM25 candidates per query. Default 100. */
  rerankK?: number;
  /** Default 10. */
  atK?: number;
  /** Default true: every positive is reranked, even those BM25 missed (the maximum score is then 1). */
  alwaysRerankPositives?: boolean;
  /** Passed to the model's predict. Default 32, as ST. */
  batchSize?: number;
  showProgress?: boolean;
  writeCsv?: boolean;
  /** Combines a metric over the datasets. Default the mean (np.mean, bit for bit). */
  aggregate?: (values: number[]) => number;
  /** Names the aggregate in keys and the CSV. Default 'mean'. */
  aggregateKey?: string;
  hub?: HubOptions;
}

export interface NanoBeirResult {
  /** Each dataset's result, by evaluator name (NanoMSMARCO_R100, ...). */
  perDataset: Record<string, RerankingResult>;
  /** ST's dict: Nano{Name}_R{k}_{metric} for every dataset, then NanoBEIR_R{k}_{aggregateKey}_{metric}. */
  metrics: Record<string, number>;
}

function checkPositiveInt(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new UsageError(`CrossEncoderNanoBEIREvaluator: ${what} must be a positive integer, got ${v}`);
}

export class CrossEncoderNanoBEIREvaluator {
  readonly name: string;
  readonly csvFile: string;
  readonly csvHeader: readonly string[];
  readonly primaryMetric: string;

  private constructor(
    readonly datasetNames: readonly string[],
    readonly evaluators: readonly CrossEncoderRerankingEvaluator[],
    readonly atK: number,
    readonly rerankK: number,
    readonly aggregateKey: string,
    private readonly aggregate: (values: number[]) => number,
    readonly writeCsv: boolean,
  ) {
    this.name = `NanoBEIR_R${rerankK}_${aggregateKey}`;
    this.csvFile = `NanoBEIR_evaluation_${aggregateKey}_results.csv`;
    this.csvHeader = ['epoch', 'steps', 'MAP', `MRR@${atK}`, `NDCG@${atK}`];
    this.primaryMetric = `${this.name}_ndcg@${atK}`;
  }

  /** Validate the options and read every dataset (ST does this in its constructor). */
  static async load(opts: NanoBeirEvaluatorOptions = {}): Promise<CrossEncoderNanoBEIREvaluator> {
    const names = opts.datasetNames ?? Object.keys(NANO_BEIR_DATASETS).filter((n) => !NOT_BY_DEFAULT.includes(n));
    if (names.length === 0) throw new UsageError('CrossEncoderNanoBEIREvaluator: datasetNames is empty; leave it out to evaluate on all datasets');
    const unknown = names.filter((n) => !Object.hasOwn(NANO_BEIR_DATASETS, n.toLowerCase()));
    if (unknown.length) {
      throw new UsageError(`CrossEncoderNanoBEIREvaluator: ${unknown.map((n) => JSON.stringify(n)).join(', ')} ${unknown.length > 1 ? 'are not NanoBEIR datasets' : 'is not a NanoBEIR dataset'}; valid names: ${Object.keys(NANO_BEIR_DATASETS).join(', ')}`);
    }
    const rerankK = opts.rerankK ?? 100;
    const atK = opts.atK ?? 10;
    checkPositiveInt('rerankK', rerankK);
    checkPositiveInt('atK', atK);
    const aggregateKey = opts.aggregateKey ?? 'mean';
    if (/[\\/]/.test(aggregateKey)) throw new UsageError(`CrossEncoderNanoBEIREvaluator: aggregateKey "${aggregateKey}" must not contain / or \\`);
    const source = await openSource(opts.datasetId ?? 'sentence-transformers/NanoBEIR-en', opts.hub);
    const evaluators: CrossEncoderRerankingEvaluator[] = [];
    for (const n of names) {
      const split = `Nano${NANO_BEIR_DATASETS[n.toLowerCase()]}`;
      evaluators.push(
        new CrossEncoderRerankingEvaluator({
          samples: await loadNanoBeirSamples(source, split, rerankK),
          name: `${split}_R${rerankK}`,
          atK,
          alwaysRerankPositives: opts.alwaysRerankPositives ?? true,
          batchSize: opts.batchSize ?? 32,
          showProgress: opts.showProgress ?? false,
          writeCsv: opts.writeCsv ?? true,
        }),
      );
    }
    return new CrossEncoderNanoBEIREvaluator(names, evaluators, atK, rerankK, aggregateKey, opts.aggregate ?? numpyMean, opts.writeCsv ?? true);
  }

  csvPath(outputDir: string): string {
    return path.join(outputDir, 'eval', this.csvFile);
  }

  async evaluate(model: RerankScorer, opts: EvaluateOptions = {}): Promise<NanoBeirResult> {
    const epoch = opts.epoch ?? -1;
    const steps = opts.steps ?? -1;
    log.info(`NanoBEIR evaluation of the model on ${this.datasetNames.join(', ')}`);
    const perDataset: Record<string, RerankingResult> = {};
    const metrics: Record<string, number> = {};
    const perMetric = new Map<string, number[]>();
    for (const ev of this.evaluators) {
      const r = await ev.evaluate(model, opts);
      perDataset[ev.name] = r;
      for (const [key, v] of Object.entries(r.metrics)) {
        // The reranking keys are `${ev.name}_${metric}`, and ev.name is Nano{Name}_R{k}: what ST splits them into.
        const metric = key.slice(ev.name.length + 1);
        metrics[key] = v;
        perMetric.set(metric, [...(perMetric.get(metric) ?? []), v]);
      }
    }
    const agg: Record<string, number> = {};
    for (const [metric, values] of perMetric) agg[metric] = this.aggregate(values);
    for (const [metric, v] of Object.entries(agg)) metrics[`${this.name}_${metric}`] = v;
    const k = this.atK;
    const pct = (v: number | undefined): string => ((v ?? NaN) * 100).toFixed(2);
    log.info(`CrossEncoderNanoBEIREvaluator (${this.aggregateKey}): Base -> Reranked   MAP: ${pct(agg.base_map)} -> ${pct(agg.map)}   MRR@${k}: ${pct(agg[`base_mrr@${k}`])} -> ${pct(agg[`mrr@${k}`])}   NDCG@${k}: ${pct(agg[`base_ndcg@${k}`])} -> ${pct(agg[`ndcg@${k}`])}`);
    if (opts.outputDir !== undefined && this.writeCsv) {
      const row = [String(epoch), String(steps), ...['map', `mrr@${k}`, `ndcg@${k}`].map((m) => pyFloatRepr(agg[m]))];
      await appendCsvRow(this.csvPath(opts.outputDir), this.csvHeader, row, '\n');
    }
    return { perDataset, metrics };
  }
}
