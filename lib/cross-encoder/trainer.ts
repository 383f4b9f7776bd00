/**
 * The cross-encoder's Trainer, as sentence-transformers' CrossEncoderTrainer: the shared training loop
 * (lib/training/trainer.ts) over a CrossEncoder and its labelled pairs, with a CrossEncoderCorrelationEvaluator.
 * It also takes any TrainingTask, so code written against the older single Trainer keeps working, and
 * Trainer.forRanking builds one for the ranking losses over query groups (ranking-training-task.ts).
 */
import { UsageError } from '../errors.js';
import { checkThreads } from '../parallel/threads.js';
import { TrainingLoop, type TrainerOptions } from '../training/trainer.js';
import { resolveTrainingArgs } from '../training/training-args.js';
import type { TrainingEvaluator, TrainingTask } from '../training/task.js';
import { CrossEncoderCorrelationEvaluator } from './evaluation/correlation-evaluator.js';
import { checkRankingLossSpec, type RankingExampleFor, type RankingLossSpec } from './losses/ranking-loss-spec.js';
import type { CrossEncoder } from './model.js';
import { RankingTask } from './ranking-training-task.js';
import { CrossEncoderTask, type TrainExample } from './training-task.js';

export { DEFAULT_SEED, type LossKind, type TrainerOptions, type TrainResult, type EvalPoint, type TrainingTask, type TrainingEvaluator } from '../training/trainer.js';
export type { TrainExample } from './training-task.js';
export type { RankingExampleFor, RankingLossSpec } from './losses/ranking-loss-spec.js';
export type { InBatchNegativesExample, ListwiseExample, MarginExample, RankingExample } from './ranking-examples.js';

function isTask(m: CrossEncoder | TrainingTask): m is TrainingTask {
  return 'stepGradients' in m && 'module' in m;
}

/** The correlation evaluator as the loop drives it: scoring through the model's predict with the eval threads. */
function drivenEvaluator(model: CrossEncoder, ev: CrossEncoderCorrelationEvaluator, threads: number | 'auto'): TrainingEvaluator {
  return {
    name: ev.name,
    evaluate: (o) => ev.evaluate((pairs) => model.predict(pairs, { showProgress: false, batchSize: 32, threads }), o),
    truncateCsv: (dir, keep) => ev.truncateCsv(dir, keep),
  };
}

export class Trainer extends TrainingLoop {
  constructor(model: CrossEncoder, train: readonly TrainExample[], options: TrainerOptions, evaluator?: CrossEncoderCorrelationEvaluator);
  constructor(task: TrainingTask, train: null, options: TrainerOptions, evaluator?: TrainingEvaluator);
  constructor(model: CrossEncoder | TrainingTask, train: readonly TrainExample[] | null, options: TrainerOptions, evaluator?: CrossEncoderCorrelationEvaluator | TrainingEvaluator) {
    if (isTask(model)) {
      super(model, options, evaluator as TrainingEvaluator | undefined);
    } else {
      // Options are checked first, as before the split: a bad option is reported before any label is looked at.
      const args = resolveTrainingArgs(options);
      const ev = evaluator as CrossEncoderCorrelationEvaluator | undefined;
      super(new CrossEncoderTask(model, train ?? [], args), options, ev && drivenEvaluator(model, ev, args.evalThreads));
    }
  }

  /**
   * A Trainer for a ranking loss (ListNetLoss, LambdaLoss, RankNetLoss, MultipleNegativesRankingLoss,
   * CachedMultipleNegativesRankingLoss, MarginMSELoss): `train` holds one query group per row, in the shape the loss
   * takes (ranking-examples.ts), and batchSize counts groups. `loss` replaces `options.loss` (which is not read).
   * `posWeight` and `microBatchSize` are refused: bce's weight means nothing here, and a ranking step runs whole (its
   * pairs are cut into forward passes by the loss's own miniBatchSize, as in sentence-transformers).
   */
  static forRanking<S extends RankingLossSpec>(
    model: CrossEncoder,
    train: readonly RankingExampleFor<S>[],
    loss: S,
    options: TrainerOptions,
    evaluator?: CrossEncoderCorrelationEvaluator | TrainingEvaluator,
  ): Trainer {
    checkRankingLossSpec(loss);
    const args = resolveTrainingArgs(options);
    if (args.posWeight !== undefined) throw new UsageError(`posWeight is an option of the bce loss; ${loss.kind} does not use it`);
    if (args.microBatchSize !== undefined) {
      throw new UsageError(`microBatchSize splits pointwise batches; a ${loss.kind} step runs whole (its pairs are scored in the loss's own miniBatchSize passes)`);
    }
    const task = new RankingTask(model, train, loss, { seed: args.seed, threads: checkThreads(args.threads) });
    const ev = evaluator instanceof CrossEncoderCorrelationEvaluator ? drivenEvaluator(model, evaluator, args.evalThreads) : evaluator;
    return new Trainer(task, null, options, ev);
  }
}
