/**
 * Which ranking loss a cross-encoder trains with, and its options, as plain data (like LossSpec for the pointwise
 * losses), so a job script or a config file can name it. `kind` is sentence-transformers' class name; the options
 * are its constructor's, with its defaults. RankingTask (../ranking-training-task.ts) turns it into training steps.
 */
import { UsageError } from '../../errors.js';
import type { InBatchNegativesExample, ListwiseExample, MarginExample } from '../ranking-examples.js';
import { DEFAULT_MINI_BATCH_SIZE } from './cached-multiple-negatives-ranking-loss.js';
import { checkLambdaLossOptions, DEFAULT_WEIGHTING, type LambdaLossOptions, type WeightingScheme } from './lambda-loss.js';
import type { ListNetOptions } from './list-net-loss.js';
import type { MarginMseOptions } from './margin-mse-loss.js';
import { DEFAULT_NUM_NEGATIVES, type MultipleNegativesRankingOptions } from './multiple-negatives-ranking-loss.js';
import type { ScoreActivation } from './ranking-inputs.js';
import type { RankNetOptions } from './rank-net-loss.js';

/**
 * The listwise losses' mini_batch_size: pairs scored per forward pass. Default (sentence-transformers' None): as
 * many pairs as the batch has queries; a negative number: every pair of the batch in one pass. It changes only how
 * the pairs are cut into forward passes (padding, dropout masks), not the loss. 0 is refused: sentence-transformers
 * documents it as "all at once" but its `mini_batch_size or batch_size` makes it the default.
 */
interface ListwiseChunking {
  miniBatchSize?: number;
}

interface InBatchOptions extends MultipleNegativesRankingOptions {
  /** In-batch negatives per query; default 4; null: every other row's documents. */
  numNegatives?: number | null;
}

export type ListwiseLossSpec =
  | ({ kind: 'ListNetLoss' } & Omit<ListNetOptions, 'mask'> & ListwiseChunking)
  | ({ kind: 'LambdaLoss' } & Omit<LambdaLossOptions, 'mask'> & ListwiseChunking)
  | ({ kind: 'RankNetLoss' } & Omit<RankNetOptions, 'mask'> & ListwiseChunking);

export type InBatchLossSpec =
  | ({ kind: 'MultipleNegativesRankingLoss' } & InBatchOptions)
  /** GradCache: miniBatchSize (default 32) pairs per forward pass, the gradient of the whole batch. */
  | ({ kind: 'CachedMultipleNegativesRankingLoss' } & InBatchOptions & { miniBatchSize?: number });

export type MarginLossSpec = { kind: 'MarginMSELoss' } & MarginMseOptions;

export type RankingLossSpec = ListwiseLossSpec | InBatchLossSpec | MarginLossSpec;

export type RankingLossKind = RankingLossSpec['kind'];

/** The row type a loss trains on. */
export type RankingExampleFor<S extends RankingLossSpec> = S extends ListwiseLossSpec ? ListwiseExample : S extends MarginLossSpec ? MarginExample : InBatchNegativesExample;

/** The three shapes of training row, by loss. */
export type RankingLayout = 'listwise' | 'in-batch' | 'margin';

const LAYOUT: Record<RankingLossKind, RankingLayout> = {
  ListNetLoss: 'listwise',
  LambdaLoss: 'listwise',
  RankNetLoss: 'listwise',
  MultipleNegativesRankingLoss: 'in-batch',
  CachedMultipleNegativesRankingLoss: 'in-batch',
  MarginMSELoss: 'margin',
};

export const RANKING_LOSS_KINDS = Object.keys(LAYOUT) as readonly RankingLossKind[];

export function layoutOf(spec: RankingLossSpec): RankingLayout {
  return LAYOUT[spec.kind];
}

function checkActivation(kind: string, a: unknown): void {
  if (a !== undefined && a !== 'sigmoid' && a !== 'identity') throw new UsageError(`${kind}: activation must be 'sigmoid' or 'identity', got ${JSON.stringify(a)}`);
}

function checkInteger(kind: string, what: string, v: unknown, min: number): void {
  if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < min)) throw new UsageError(`${kind}: ${what} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
}

function checkListwiseChunking(kind: string, v: unknown): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new UsageError(`${kind}: miniBatchSize must be an integer, got ${JSON.stringify(v)}`);
  if (v === 0) throw new UsageError(`${kind}: miniBatchSize 0 is ambiguous (sentence-transformers turns it into the batch size); leave it unset for that, or give -1 for every pair in one pass`);
}

/** Every option's type and range, before any data is read: a bad spec fails at construction, not at step 1. */
export function checkRankingLossSpec(spec: RankingLossSpec): void {
  const kind = (spec as { kind?: unknown } | undefined)?.kind;
  if (typeof kind !== 'string' || !(kind in LAYOUT)) throw new UsageError(`unknown ranking loss ${JSON.stringify(kind)}; use one of ${RANKING_LOSS_KINDS.join(', ')}`);
  checkActivation(spec.kind, spec.activation);
  switch (spec.kind) {
    case 'LambdaLoss':
    case 'RankNetLoss':
      try {
        checkLambdaLossOptions(spec);
      } catch (e) {
        throw new UsageError(`${spec.kind}: ${(e as Error).message.replace(/^lambdaLoss: /, '')}`);
      }
      checkListwiseChunking(spec.kind, spec.miniBatchSize);
      return;
    case 'ListNetLoss':
      checkListwiseChunking(spec.kind, spec.miniBatchSize);
      return;
    case 'MultipleNegativesRankingLoss':
    case 'CachedMultipleNegativesRankingLoss':
      if (spec.kind === 'CachedMultipleNegativesRankingLoss') checkInteger(spec.kind, 'miniBatchSize', spec.miniBatchSize, 1);
      if (spec.numNegatives !== null) checkInteger(spec.kind, 'numNegatives', spec.numNegatives, 1);
      if (spec.scale !== undefined && !Number.isFinite(spec.scale)) throw new UsageError(`${spec.kind}: scale must be a finite number, got ${JSON.stringify(spec.scale)}`);
      return;
    case 'MarginMSELoss':
      return;
  }
}

const torchName = (a: ScoreActivation): string => (a === 'sigmoid' ? 'Sigmoid' : 'Identity');
const none = (v: number | null | undefined): string => (v === undefined || v === null ? 'None' : String(v));

function schemeText(s: WeightingScheme): string {
  return s.name === 'NDCGLoss2PPScheme' ? `NDCGLoss2PPScheme(mu=${s.mu ?? 10})` : s.name;
}

/**
 * The loss with every option in effect, defaults filled in, as sentence-transformers would print its config: what the
 * model card shows and what a resumed run must match (a different option would train differently).
 */
export function describeRankingLoss(spec: RankingLossSpec): string {
  const act = (dflt: ScoreActivation): string => `activation_fn=${torchName(spec.activation ?? dflt)}`;
  switch (spec.kind) {
    case 'ListNetLoss':
      return `ListNetLoss(${act('identity')}, mini_batch_size=${none(spec.miniBatchSize)})`;
    case 'LambdaLoss':
    case 'RankNetLoss': {
      const scheme = spec.kind === 'LambdaLoss' ? `weighting_scheme=${schemeText(spec.weightingScheme ?? DEFAULT_WEIGHTING)}, ` : '';
      const rest = `k=${none(spec.k)}, sigma=${spec.sigma ?? 1}, eps=${spec.eps ?? 1e-10}, reduction_log=${spec.reductionLog ?? 'binary'}`;
      return `${spec.kind}(${scheme}${rest}, ${act('identity')}, mini_batch_size=${none(spec.miniBatchSize)})`;
    }
    case 'MultipleNegativesRankingLoss':
    case 'CachedMultipleNegativesRankingLoss': {
      const negatives = spec.numNegatives === undefined ? DEFAULT_NUM_NEGATIVES : spec.numNegatives;
      const mini = spec.kind === 'CachedMultipleNegativesRankingLoss' ? `, mini_batch_size=${spec.miniBatchSize ?? DEFAULT_MINI_BATCH_SIZE}` : '';
      return `${spec.kind}(num_negatives=${none(negatives)}, scale=${spec.scale ?? 10}, ${act('sigmoid')}${mini})`;
    }
    case 'MarginMSELoss':
      return `MarginMSELoss(${act('identity')})`;
  }
}
