/**
 * Learning-rate schedules exactly as Hugging Face transformers' optimization.py builds them (LambdaLR over
 * the optimizer step index), so a run here and a run with transformers' Trainer see the same lr at every step.
 *
 * Indexing: Trainer calls optimizer.step() and then lr_scheduler.step(). The k-th optimizer step (k from 0)
 * therefore uses base_lr * lambda(k); in particular step 0 uses lr 0 whenever there is warmup.
 */
import { UsageError } from '../errors.js';

export type ScheduleKind = 'linear' | 'constant' | 'constant_with_warmup';

export interface ScheduleOptions {
  kind: ScheduleKind;
  baseLr: number;
  warmupSteps: number;
  totalSteps: number;
}

function checkCount(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new UsageError(`${name} must be an integer >= ${min} (got ${v}).`);
}

/** The multiplier lambda(step) of each schedule, transcribed from transformers' _get_*_lr_lambda helpers. */
function lambdaFor(kind: ScheduleKind, warmup: number, total: number): (step: number) => number {
  switch (kind) {
    case 'constant':
      return () => 1;
    case 'constant_with_warmup':
      return (step) => (step < warmup ? step / Math.max(1, warmup) : 1);
    case 'linear':
      return (step) => (step < warmup ? step / Math.max(1, warmup) : Math.max(0, (total - step) / Math.max(1, total - warmup)));
    default: {
      const bad: never = kind;
      throw new UsageError(`unknown learning-rate schedule "${String(bad)}" (expected linear, constant or constant_with_warmup).`);
    }
  }
}

/**
 * Returns step -> learning rate, for 0-based optimizer step indices. Past totalSteps the linear schedule
 * stays at 0 (transformers clamps with max(0, ...)). `constant` ignores warmupSteps, as transformers does.
 */
export function makeSchedule(opts: ScheduleOptions): (step: number) => number {
  const { kind, baseLr, warmupSteps, totalSteps } = opts;
  if (!Number.isFinite(baseLr) || baseLr < 0) throw new UsageError(`baseLr must be a finite number >= 0 (got ${baseLr}).`);
  checkCount('warmupSteps', warmupSteps, 0);
  checkCount('totalSteps', totalSteps, 1);
  const lambda = lambdaFor(kind, warmupSteps, totalSteps);
  return (step: number) => {
    checkCount('step', step, 0);
    // LambdaLR multiplies base_lr * lambda in this order; keep it so results are bit-identical.
    return baseLr * lambda(step);
  };
}

export interface WarmupOptions {
  warmupSteps?: number;
  warmupRatio?: number;
  totalSteps: number;
}

/**
 * TrainingArguments.get_warmup_steps: warmupSteps when it is > 0, else ceil(totalSteps * warmupRatio).
 * As in transformers, warmupSteps = 0 falls through to the ratio, and float rounding is not corrected:
 * ceil(100 * 0.07) is 8 because 100 * 0.07 = 7.000000000000001 in float64 (Python gives 8 too).
 */
export function resolveWarmupSteps(opts: WarmupOptions): number {
  const { warmupSteps, warmupRatio, totalSteps } = opts;
  checkCount('totalSteps', totalSteps, 1);
  if (warmupSteps !== undefined) checkCount('warmupSteps', warmupSteps, 0);
  if (warmupRatio !== undefined && !(warmupRatio >= 0 && warmupRatio <= 1)) {
    throw new UsageError(`warmupRatio must be in [0, 1] (got ${warmupRatio}).`);
  }
  if (warmupSteps !== undefined && warmupSteps > 0) return warmupSteps;
  return Math.ceil(totalSteps * (warmupRatio ?? 0));
}
