import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from './paths.js';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  /** Written to the child's stdin (bytes as they are). */
  input?: string | Uint8Array;
  env?: NodeJS.ProcessEnv;
  /** Run as this user and group (the specs that need a folder the user cannot write, when they run as root). */
  uid?: number;
  gid?: number;
}

/**
 * Run a TypeScript script of ours in a real child process (node --import tsx), as a user's shell would. Where the
 * specs run bundled (bench/gpu), XENC_BUNDLED_SCRIPTS names the folder of the scripts' bundles (<name>.mjs) instead.
 */
export function spawnScript(script: string, args: string[], opts: SpawnOptions = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const bundled = process.env.XENC_BUNDLED_SCRIPTS;
  const entry = bundled ? [path.join(bundled, `${path.basename(script, '.ts')}.mjs`)] : ['--import', 'tsx', path.join(REPO_ROOT, script)];
  const child = spawn(process.execPath, [...entry, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, CROSS_ENCODER_LOG: 'info', ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.gid ?? opts.uid } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin!.end(opts.input ?? '');
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

export function runCli(args: string[], opts: SpawnOptions = {}): Promise<CliResult> {
  return spawnScript('scripts/cli.ts', args, opts).done;
}
