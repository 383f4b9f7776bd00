/**
 * The training options' one home, as sentence-transformers' training_args.py is for its trainer: each option's
 * default, validation, CLI flag and help line, model-card name, and whether it must match when a run is resumed.
 * trainer.ts resolves options here, job.ts writes the card from here, the CLI builds its flags and help from here,
 * and the resume check compares exactly the options marked `resume`.
 */
import { UsageError } from '../errors.js';
import { checkThreads, type Threads } from '../parallel/threads.js';
import type { LossSpec } from '../cross-encoder/losses/index.js';
import type { ScheduleKind } from './schedule.js';

export type LossKind = LossSpec['kind'];

export const DEFAULT_SEED = 12;

/** Every training option with its default applied (undefined: "not set", e.g. maxSteps). */
export interface TrainingArgs {
  /** Passes over the training data. */
  epochs: number;
  /** Stop after this many optimizer steps (overrides epochs for the schedule too). */
  maxSteps: number | undefined;
  batchSize: number;
  /** Split each batch into micro-batches of at most this size (same gradients, less memory). Default: chosen per batch from a memory estimate. */
  microBatchSize: number | undefined;
  lr: number;
  warmupRatio: number;
  /** Overrides warmupRatio. */
  warmupSteps: number | undefined;
  weightDecay: number;
  /** Global gradient-norm clipping; 0 turns clipping off. */
  maxGradNorm: number;
  adamEps: number;
  scheduler: ScheduleKind;
  seed: number;
  shuffle: boolean;
  /** Batch examples of similar length together (less padding; order still seeded). */
  groupByLength: boolean;
  loss: LossKind;
  posWeight: number | undefined;
  /** Evaluate every N steps (0: only at epoch ends). */
  evalSteps: number;
  /** Checkpoint every N steps (0: never). */
  saveSteps: number;
  loggingSteps: number;
  /** Metric of the evaluator used to keep the best model; higher is better. */
  metricForBest: 'spearman' | 'pearson';
  /** Do not train the embedding tables (changes the recipe; saves memory and time). */
  freezeEmbeddings: boolean;
  /**
   * Threads computing each step at once (this one plus threads − 1 workers with a model replica each): the batch is
   * split into that many micro-batches, their gradients summed. Same result as micro-batching up to float rounding,
   * same dropout masks. A different count than a previous run splits batches differently, so its dropout masks
   * differ: 'auto' (one per core, at most 4) therefore trains differently on machines with different core counts.
   */
  threads: Threads;
  /** Threads for scoring the evaluator's pairs (scores do not depend on it). */
  evalThreads: Threads;
}

/** Options of the model a job loads that change what training produces; the CLI has flags for them too. */
export interface ModelArgs {
  /** Override every dropout probability (hidden, attention, classifier). Default: the model's config. */
  dropout: number | undefined;
  /** Truncate pairs to this many tokens. Default: the tokenizer's model_max_length, capped by positions and 512. */
  maxLength: number | undefined;
}

type Key = keyof TrainingArgs | keyof ModelArgs;
type Value = number | boolean | string | undefined;

interface ArgCommon {
  key: Key;
  /** The CLI flag, without the dashes. */
  flag: string;
  help: string;
  /** Changes the weights or the metrics a run produces, so a resumed run must use the checkpoint's value. */
  resume: boolean;
  /** Name in the model card's hyperparameter table; absent: not shown. */
  card?: string;
  /** 'model': passed to CrossEncoder.fromPretrained by a job, not to the Trainer. */
  scope?: 'model';
}

export type ArgSpec =
  | (ArgCommon & { type: 'int'; default: number | undefined; min: number; metavar?: string })
  | (ArgCommon & { type: 'number'; default: number | undefined; min?: number; above?: number; max?: number; below?: number; metavar?: string })
  | (ArgCommon & { type: 'bool'; default: boolean; /** The flag turns the option off (--no-shuffle). */ negated?: boolean })
  | (ArgCommon & { type: 'choice'; default: string; choices: readonly string[] })
  | (ArgCommon & { type: 'threads'; default: Threads });

/** In help order. */
export const TRAINING_ARGS: readonly ArgSpec[] = [
  { key: 'epochs', flag: 'epochs', type: 'int', default: 4, min: 1, resume: true, card: 'epochs', help: 'passes over the training data' },
  { key: 'maxSteps', flag: 'max-steps', type: 'int', default: undefined, min: 1, resume: true, help: 'stop after N optimizer steps (overrides --epochs, the schedule too)' },
  { key: 'batchSize', flag: 'batch-size', type: 'int', default: 16, min: 1, resume: true, card: 'batch_size', help: 'pairs per optimizer step' },
  { key: 'microBatchSize', flag: 'micro-batch-size', type: 'int', default: undefined, min: 1, resume: true, card: 'micro_batch_size', help: 'split batches into micro-batches of at most N (same gradients, less memory; default: from a memory estimate)' },
  { key: 'lr', flag: 'lr', type: 'number', default: 2e-5, above: 0, resume: true, card: 'learning_rate', metavar: 'X', help: 'peak learning rate' },
  { key: 'warmupRatio', flag: 'warmup-ratio', type: 'number', default: 0.1, min: 0, max: 1, resume: true, card: 'warmup_ratio', metavar: 'R', help: 'fraction of the steps with linear warm-up' },
  { key: 'warmupSteps', flag: 'warmup-steps', type: 'int', default: undefined, min: 0, resume: true, help: 'warm-up steps (overrides --warmup-ratio)' },
  { key: 'weightDecay', flag: 'weight-decay', type: 'number', default: 0.01, min: 0, resume: true, card: 'weight_decay', metavar: 'X', help: 'AdamW weight decay (none on biases and LayerNorm)' },
  { key: 'maxGradNorm', flag: 'max-grad-norm', type: 'number', default: 1, min: 0, resume: true, card: 'max_grad_norm', metavar: 'X', help: 'clip the global gradient norm to X; 0 turns clipping off' },
  { key: 'adamEps', flag: 'adam-eps', type: 'number', default: 1e-8, above: 0, resume: true, card: 'adam_epsilon', metavar: 'X', help: "AdamW's epsilon" },
  { key: 'scheduler', flag: 'scheduler', type: 'choice', default: 'linear', choices: ['linear', 'constant', 'constant_with_warmup'], resume: true, card: 'scheduler', help: 'learning-rate schedule' },
  { key: 'seed', flag: 'seed', type: 'int', default: DEFAULT_SEED, min: 0, resume: true, card: 'seed', help: 'seeds the shuffling, dropout and a fresh head' },
  { key: 'shuffle', flag: 'no-shuffle', type: 'bool', default: true, negated: true, resume: true, card: 'shuffle', help: 'keep the input order instead of a seeded shuffle per epoch' },
  { key: 'groupByLength', flag: 'group-by-length', type: 'bool', default: false, resume: true, card: 'group_by_length', help: 'batch pairs of similar length together (less padding)' },
  { key: 'loss', flag: 'loss', type: 'choice', default: 'bce', choices: ['bce', 'mse', 'ce'], resume: true, card: 'loss', help: 'bce on the logit (scores in [0, 1]), mse on the activated score, ce over class labels' },
  { key: 'posWeight', flag: 'pos-weight', type: 'number', default: undefined, above: 0, resume: true, card: 'pos_weight', metavar: 'W', help: "bce's weight of positive labels" },
  { key: 'dropout', flag: 'dropout', type: 'number', default: undefined, min: 0, below: 1, resume: true, card: 'dropout', scope: 'model', metavar: 'P', help: "override every dropout probability (default: the model's config)" },
  { key: 'maxLength', flag: 'max-length', type: 'int', default: undefined, min: 1, resume: true, card: 'max_length', scope: 'model', help: "truncate pairs to N tokens (default: the tokenizer's limit, at most 512)" },
  { key: 'freezeEmbeddings', flag: 'freeze-embeddings', type: 'bool', default: false, resume: true, card: 'freeze_embeddings', help: 'do not train the embedding tables (changes the recipe; saves memory)' },
  {
    key: 'threads', flag: 'threads', type: 'threads', default: 1, resume: true, card: 'threads',
    help: "threads per step: a cross-encoder's batch is split into N micro-batches computed at once (a different N gives different dropout masks); a bi-encoder's columns (GradCache chunks) are shared out, same masks ('auto' = one per core, at most 4)",
  },
  { key: 'evalSteps', flag: 'eval-steps', type: 'int', default: 0, min: 0, resume: true, help: 'evaluate every N steps (0: at epoch ends only)' },
  { key: 'metricForBest', flag: 'metric-for-best', type: 'choice', default: 'spearman', choices: ['spearman', 'pearson'], resume: true, help: 'validation metric that picks best/' },
  { key: 'saveSteps', flag: 'save-steps', type: 'int', default: 0, min: 0, resume: false, help: 'write a resumable checkpoint every N steps (0: never; Ctrl-C writes one too)' },
  { key: 'loggingSteps', flag: 'logging-steps', type: 'int', default: 20, min: 1, resume: false, help: 'log loss, lr and grad norm every N steps' },
  { key: 'evalThreads', flag: 'eval-threads', type: 'threads', default: 'auto', resume: false, help: 'threads scoring validation and test pairs (scores do not depend on it)' },
];

const TRAINER_ARGS = TRAINING_ARGS.filter((a) => a.scope !== 'model');

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/**
 * Check one value against its spec. `label` names it as the caller knows it: `lr` for the API, `--lr` for the CLI.
 * The types were checked (or parsed) by the caller; this is the range, the same rule for both.
 */
export function checkArg(spec: ArgSpec, value: unknown, label: string = spec.key): void {
  if (value === undefined) return;
  switch (spec.type) {
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < spec.min) throw new UsageError(`${label} must be an integer ≥ ${spec.min}, got ${show(value)}`);
      return;
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new UsageError(`${label} must be a finite number, got ${show(value)}`);
      const bad =
        (spec.min !== undefined && value < spec.min) || (spec.above !== undefined && value <= spec.above) || (spec.max !== undefined && value > spec.max) || (spec.below !== undefined && value >= spec.below);
      if (bad) throw new UsageError(`${label} must be ${rangeText(spec)}, got ${value}${spec.key === 'maxGradNorm' ? ' (0 turns clipping off)' : ''}`);
      return;
    }
    case 'bool':
      if (typeof value !== 'boolean') throw new UsageError(`${label} must be true or false, got ${show(value)}`);
      return;
    case 'choice':
      if (typeof value !== 'string' || !spec.choices.includes(value)) throw new UsageError(`${label} must be one of ${spec.choices.join(', ')}, got ${show(value)}`);
      return;
    case 'threads':
      try {
        checkThreads(value as Threads);
      } catch (e) {
        throw new UsageError(`${label}: ${(e as Error).message}`);
      }
  }
}

function rangeText(spec: Extract<ArgSpec, { type: 'number' }>): string {
  const lo = spec.min !== undefined ? `≥ ${spec.min}` : spec.above !== undefined ? `> ${spec.above}` : '';
  const hi = spec.max !== undefined ? `≤ ${spec.max}` : spec.below !== undefined ? `< ${spec.below}` : '';
  return lo && hi ? `${lo} and ${hi}` : lo || hi;
}

/** Defaults applied and every option checked, before any file or model is touched. */
export function resolveTrainingArgs(options: Partial<Record<keyof TrainingArgs, unknown>>): TrainingArgs {
  const out: Record<string, unknown> = {};
  for (const spec of TRAINER_ARGS) {
    const v = options[spec.key as keyof TrainingArgs];
    checkArg(spec, v);
    out[spec.key] = v === undefined ? spec.default : v;
  }
  return out as unknown as TrainingArgs;
}

/**
 * What a resumed run must share with the run that wrote the checkpoint: every `resume` option (with the values in
 * effect: threads as counted, the model's dropout and max length as loaded) and the training data itself.
 */
export type ComparedArgs = Record<string, Value>;

export function comparedArgs(args: TrainingArgs, model: { dropout: Value; maxLength: number }, data: { examples: number; sha256: string }): ComparedArgs {
  const out: ComparedArgs = {};
  for (const spec of TRAINING_ARGS) {
    if (!spec.resume) continue;
    if (spec.key === 'dropout') out.dropout = model.dropout;
    else if (spec.key === 'maxLength') out.maxLength = model.maxLength;
    else if (spec.type === 'threads') out[spec.key] = checkThreads(args[spec.key as 'threads']);
    else out[spec.key] = args[spec.key as keyof TrainingArgs] as Value;
  }
  out.trainExamples = data.examples;
  out.trainDataSha256 = data.sha256;
  return out;
}

function labelOf(key: string): string {
  const spec = TRAINING_ARGS.find((s) => s.key === key);
  if (spec) return `${key} (--${spec.flag})`;
  return key === 'trainExamples' ? 'the number of training pairs' : key === 'trainDataSha256' ? 'the training data (sha256 of its pairs and labels)' : key;
}

/** The options that differ, as "name: now X, the checkpoint has Y", or [] when they all match. */
export function diffArgs(now: ComparedArgs, saved: ComparedArgs): string[] {
  const keys = [...new Set([...Object.keys(saved), ...Object.keys(now)])];
  return keys.filter((k) => now[k] !== saved[k]).map((k) => `${labelOf(k)}: now ${show(now[k] ?? 'unset')}, the checkpoint has ${show(saved[k] ?? 'unset')}`);
}

/** The model card's hyperparameter table: every option that has a card name, as this run used it. */
export function cardHyperparameters(args: TrainingArgs, model: { dropout: number | undefined; maxLength: number }): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const spec of TRAINING_ARGS) {
    if (!spec.card) continue;
    let v: Value;
    if (spec.key === 'dropout') v = model.dropout ?? 'model default';
    else if (spec.key === 'maxLength') v = model.maxLength;
    else if (spec.key === 'epochs') v = args.maxSteps ? `${args.maxSteps} steps` : args.epochs;
    else if (spec.key === 'warmupRatio') v = args.warmupSteps !== undefined ? `${args.warmupSteps} steps` : args.warmupRatio;
    else if (spec.key === 'microBatchSize') v = args.microBatchSize ?? 'auto (memory estimate)';
    else if (spec.type === 'threads') v = checkThreads(args[spec.key as 'threads']);
    else v = args[spec.key as keyof TrainingArgs] as Value;
    if (v !== undefined) out[spec.card] = v;
  }
  return out;
}

/** One help line per option, `* --flag N  what it does [default]`, the * marking options a resume must keep. */
export function trainingArgsHelp(): string {
  const left = (s: ArgSpec): string => {
    switch (s.type) {
      case 'bool':
        return `--${s.flag}`;
      case 'choice':
        return `--${s.flag} ${s.choices.join('|')}`;
      case 'threads':
        return `--${s.flag} N|auto`;
      default:
        return `--${s.flag} ${s.metavar ?? 'N'}`;
    }
  };
  const width = Math.min(24, Math.max(...TRAINING_ARGS.map((s) => left(s).length)));
  const shown = (v: unknown) => (typeof v === 'number' && v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential() : String(v));
  return TRAINING_ARGS.map((s) => {
    const dflt = s.type === 'bool' || s.default === undefined ? '' : ` [${shown(s.default)}]`;
    return `${s.resume ? '*' : ' '} ${left(s).padEnd(width)}  ${s.help}${dflt}`;
  }).join('\n');
}
