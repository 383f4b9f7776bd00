/**
 * How every entry point (the `cross-encoder` bin, `npm run train:stsb`) ends: each error as one `error:` line naming
 * the file, row or flag, no stack dump; exit 2 for usage errors, 130 for Ctrl-C, 1 otherwise; temp files removed.
 *
 * tfjs-backend-wasm's emscripten glue registers process handlers that rethrow every uncaught exception and unhandled
 * rejection, so Node dies with code 7 printing 40 KB of minified glue. Ours are prepended (they run first, whenever
 * the glue registers) and exit, so the glue's never run.
 */
import * as path from 'node:path';
import { CrossEncoderError, FileSystemError, TrainingInterruptedError } from '../../lib/errors.js';
import { errnoReason, fsError, isErrno, removeTempsSync } from '../../lib/util/fs.js';
import { getLogLevel } from '../../lib/util/log.js';

export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** The one-line message and exit code of any error. */
export function describeError(e: unknown): { message: string; code: number } {
  if (e instanceof TrainingInterruptedError) return { message: `interrupted: ${e.message}`, code: EXIT_INTERRUPTED };
  if (e instanceof CrossEncoderError) return { message: `error: ${e.message}`, code: e.code === 'USAGE' ? EXIT_USAGE : 1 };
  if (e instanceof TypeError && (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) return { message: `error: ${e.message}`, code: EXIT_USAGE };
  if (isErrno(e)) {
    const named = fsError(e, e.path ?? (e as { dest?: string }).dest ?? '(unnamed file)', e.syscall === 'open' || e.syscall === 'read' || e.syscall === 'scandir' ? 'read' : 'write');
    return { message: `error: ${named instanceof FileSystemError ? named.message : errnoReason(e)}`, code: 1 };
  }
  const text = e instanceof Error ? e.message : String(e);
  const stack = getLogLevel() === 'debug' && e instanceof Error && e.stack ? `\n${e.stack}` : ' (an internal error; CROSS_ENCODER_LOG=debug prints its stack)';
  return { message: `error: ${text}${stack}`, code: 1 };
}

let exiting = false;

/** Print, clean up and exit now: for errors no promise chain is left to report. */
export function exitWith(e: unknown): never {
  const { message, code } = describeError(e);
  if (!exiting) {
    exiting = true;
    removeTempsSync();
    process.stderr.write(`${message}\n`);
  }
  process.exit(code);
}

export interface CommandContext {
  /** Aborted by the first Ctrl-C: a training run stops after its current step and writes a checkpoint. */
  stopSignal: AbortSignal;
}

/**
 * Run `body` with the process's failure paths covered. `graceful`: the first Ctrl-C asks the body to stop (it sees
 * stopSignal), the second exits at once; otherwise the first exits at once. Temp files are removed either way.
 */
export async function runCommand(body: (ctx: CommandContext) => Promise<void>, opts: { graceful: boolean; onInterrupted?: (e: TrainingInterruptedError) => string }): Promise<number> {
  process.prependListener('uncaughtException', exitWith);
  process.prependListener('unhandledRejection', exitWith);
  // A closed pipe (`predict | head -1`) is a write error like any other, not a crash.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => exitWith(new FileSystemError('standard output', 'write', e.code, e.code ? errnoReason(e) : e.message)));
  const stop = new AbortController();
  process.on('SIGINT', () => {
    if (opts.graceful && !stop.signal.aborted) {
      stop.abort();
      process.stderr.write('\n[cross-encoder] Ctrl-C: stopping after the current step and writing a checkpoint (Ctrl-C again exits at once, saving nothing)\n');
      return;
    }
    removeTempsSync();
    process.stderr.write('\n[cross-encoder] interrupted; exiting now (nothing more was saved)\n');
    process.exit(EXIT_INTERRUPTED);
  });
  try {
    await body({ stopSignal: stop.signal });
    return 0;
  } catch (e) {
    const { message, code } = describeError(e);
    removeTempsSync();
    process.stderr.write(`${message}\n`);
    if (e instanceof TrainingInterruptedError && opts.onInterrupted) process.stderr.write(`${opts.onInterrupted(e)}\n`);
    return code;
  }
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command that continues an interrupted run: this one again, with --output (a time-stamped default would
 * otherwise pick a new folder) and --resume, without --overwrite (that would discard what was just saved).
 */
export function resumeCommand(output: string): string {
  const args: string[] = [];
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--resume' || a === '--overwrite') continue;
    if (a === '--output') {
      i++;
      continue;
    }
    if (a.startsWith('--output=')) continue;
    args.push(a);
  }
  args.push('--output', output, '--resume');
  const script = process.argv[1] ?? '';
  // npm passes its script's name down to every child (a spec run under `npm test` too): trust it only for our script.
  const event = process.env.npm_lifecycle_script?.includes(path.basename(script)) ? process.env.npm_lifecycle_event : undefined;
  const head = event ? `npm run ${event} --` : script.endsWith(`${path.sep}cli.js`) ? 'cross-encoder' : `npx tsx ${path.relative(process.cwd(), script) || script}`;
  return `${head} ${args.map(shellQuote).join(' ')}`;
}
