import { UsageError } from '../../lib/errors.js';

export type Flags = Record<string, string | boolean | undefined>;

export function intFlag(v: Flags, name: string, min = 1): number | undefined {
  const s = v[name];
  if (s === undefined) return undefined;
  const n = Number(s);
  if (typeof s !== 'string' || !Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got ${String(s)}`);
  return n;
}

export function numFlag(v: Flags, name: string): number | undefined {
  const s = v[name];
  if (s === undefined) return undefined;
  const n = Number(s);
  if (typeof s !== 'string' || s.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got ${String(s)}`);
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

/** --threads N|auto (the library's `threads` option). */
export function threadsFlag(v: Flags, name = 'threads'): number | 'auto' | undefined {
  const s = strFlag(v, name);
  if (s === undefined || s === 'auto') return s;
  return intFlag(v, name);
}
