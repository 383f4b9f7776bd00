/**
 * Minimal leveled logger on stderr, so stdout stays clean for machine-readable output (predict JSONL).
 * Level from CROSS_ENCODER_LOG (debug|info|warn|error|silent), default info.
 */
import { platformIfInstalled } from '../platform/index.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

function envLevel(): LogLevel {
  const v = (platformIfInstalled()?.env('CROSS_ENCODER_LOG') ?? 'info').toLowerCase();
  return v in ORDER ? (v as LogLevel) : 'info';
}

/** Read from the environment at the first log call, not at import: a page has none, and the platform comes later. */
let level: LogLevel | undefined;
const onceSeen = new Set<string>();

export function setLogLevel(l: LogLevel): void {
  level = l;
}
export function getLogLevel(): LogLevel {
  if (level) return level;
  // Before a platform is installed there is no environment to read yet: say 'info' without remembering it.
  return platformIfInstalled() ? (level = envLevel()) : 'info';
}

function emit(l: LogLevel, msg: string): void {
  if (ORDER[l] < ORDER[getLogLevel()]) return;
  const sink = platformIfInstalled()?.stderr ?? { write: (t: string) => console.error(t.replace(/\n$/, '')) };
  sink.write(`[cross-encoder] ${l === 'info' ? '' : `${l}: `}${msg}\n`);
}

export const log = {
  debug: (m: string) => emit('debug', m),
  info: (m: string) => emit('info', m),
  warn: (m: string) => emit('warn', m),
  error: (m: string) => emit('error', m),
  /** Say something once per process (e.g. "initialised a fresh head"), however many models load. */
  warnOnce: (key: string, m: string) => {
    if (onceSeen.has(key)) return;
    onceSeen.add(key);
    emit('warn', m);
  },
};
