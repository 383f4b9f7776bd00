/**
 * The cross-encoder's Trainer, as sentence-transformers' CrossEncoderTrainer: the shared training loop
 * (lib/training/trainer.ts) over a CrossEncoder and its labelled pairs, with a CrossEncoderCorrelationEvaluator.
 * It also takes any TrainingTask, so code written against the older single Trainer keeps working.
 */
import { TrainingLoop, type TrainerOptions } from '../training/trainer.js';
import { resolveTrainingArgs } from '../training/training-args.js';
import type { TrainingEvaluator, TrainingTask } from '../training/task.js';
import type { CrossEncoderCorrelationEvaluator } from './evaluation/correlation-evaluator.js';
import type { CrossEncoder } from './model.js';
import { CrossEncoderTask, type TrainExample } from './training-task.js';

export { DEFAULT_SEED, type LossKind, type TrainerOptions, type TrainResult, type EvalPoint, type TrainingTask, type TrainingEvaluator } from '../training/trainer.js';
export type { TrainExample } from './training-task.js';

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
}
