import * as os from 'node:os';
import { UsageError } from '../../lib/errors.js';
import { checkArg, TRAINING_ARGS, type ArgSpec, type ModelArgs, type TrainingArgs } from '../../lib/training/training-args.js';
import { log } from '../../lib/util/log.js';

export type Flags = Record<string, string | boolean | undefined>;

/** A decimal number as typed: Number() alone would accept "", "0x10" and "Infinity". */
const DECIMAL = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

export function intFlag(v: Flags, name: string, min = 1): number | undefined {
  const s = v[name];
  if (s === undefined) return undefined;
  const n = Number(s);
  if (typeof s !== 'string' || !DECIMAL.test(s) || !Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got ${String(s)}`);
  return n;
}

export function numFlag(v: Flags, name: string): number | undefined {
  const s = v[name];
  if (s === undefined) return undefined;
  const n = Number(s);
  if (typeof s !== 'string' || !DECIMAL.test(s) || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got ${String(s)}`);
  return n;
}

export function strFlag(v: Flags, name: string): string | undefined {
  const s = v[name];
  if (s === undefined) return undefined;
  if (typeof s !== 'string') throw new UsageError(`--${name} needs a value`);
  return s;
}

export function oneOf<T extends string>(v: Flags, name: string, allowed: readonly T[]): T | undefined {
  const s = strFlag(v, name);
  if (s === undefined) return undefined;
  if (!allowed.includes(s as T)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got ${s}`);
  return s as T;
}

/**
 * --threads N|auto (the library's `threads` option). More threads than cores only adds workers that wait for a
 * core (each with a model copy), so N is capped at the core count, with a notice.
 */
export function threadsFlag(v: Flags, name = 'threads'): number | 'auto' | undefined {
  const s = strFlag(v, name);
  if (s === undefined || s === 'auto') return s;
  const n = intFlag(v, name) as number;
  const cores = os.availableParallelism();
  if (n > cores) {
    log.warn(`--${name} ${n}: this machine has ${cores} core${cores === 1 ? '' : 's'}; using ${cores} threads (more would only wait for a core, each with its own copy of the model)`);
    return cores;
  }
  return n;
}

/** The node:util parseArgs spec of every training option's flag. */
export function trainingFlagOptions(): Record<string, { type: 'string' | 'boolean' }> {
  return Object.fromEntries(TRAINING_ARGS.map((s) => [s.flag, { type: s.type === 'bool' ? 'boolean' : 'string' }]));
}

function fromFlag(v: Flags, s: ArgSpec): unknown {
  switch (s.type) {
    case 'bool':
      if (v[s.flag] === undefined) return undefined;
      return s.negated ? v[s.flag] !== true : v[s.flag] === true;
    case 'threads':
      return threadsFlag(v, s.flag);
    case 'int':
      return intFlag(v, s.flag, s.min);
    case 'number':
      return numFlag(v, s.flag);
    case 'choice':
      return oneOf(v, s.flag, s.choices);
  }
}

/** Training options from their flags: parsed, then checked by the same rule as the API, errors naming the flag. */
export function trainingArgsFromFlags(v: Flags): Partial<TrainingArgs & ModelArgs> {
  const out: Record<string, unknown> = {};
  for (const s of TRAINING_ARGS) {
    const value = fromFlag(v, s);
    checkArg(s, value, `--${s.flag}`);
    if (value !== undefined) out[s.key] = value;
  }
  return out as Partial<TrainingArgs & ModelArgs>;
}
