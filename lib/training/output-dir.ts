/**
 * A training job's output folder: one run's results, never two runs' mixed. Like HF Trainer's
 * overwrite_output_dir, a folder that holds files is refused unless the job resumes the run in it or is told to
 * overwrite it; overwriting removes what a run writes (and only that, so `--output .` cannot wipe a checkout).
 */
import { fsp, path, platform } from '../platform/index.js';
import { FileSystemError, UsageError } from '../errors.js';
import { exists, fsError, makeDir } from '../util/fs.js';
import { CHECKPOINTS_DIR, listCheckpoints } from './checkpoint-state.js';

export const RESULTS_FILE = 'results.json';
export const FINAL_DIR = 'final';

/** Everything a run writes into its output folder. */
export const RUN_ARTIFACTS = [FINAL_DIR, 'best', CHECKPOINTS_DIR, 'eval', 'log.jsonl', RESULTS_FILE, 'README.md', 'training-curve.svg'] as const;

export interface PreparedOutput {
  dir: string;
  /** The top-most folder created here, removed again by discardIfUnused when the job fails before writing. */
  created?: string;
  /** Resuming: the newest checkpoint, if any. */
  checkpoint?: { step: number; dir: string };
  /** Resuming a run that already finished (results.json and final/ written). */
  finished: boolean;
}

/** Temp names our atomic writers use (util/fs.ts), with the writer's pid. */
const TEMP_NAME = /^(?:.+\.(?:tmp|old)-(\d+)|\..+\.(\d+)\.[0-9a-f]{8}\.tmp)$/;

function alive(pid: number): boolean {
  return platform().processAlive(pid);
}

/** Temp files and folders left by a killed run (kill -9, power loss); a live writer's are left alone. */
async function removeStaleTemps(dir: string): Promise<void> {
  for (const sub of ['', 'eval', CHECKPOINTS_DIR, FINAL_DIR, 'best']) {
    const d = path.join(dir, sub);
    let names: string[];
    try {
      names = await fsp.readdir(d);
    } catch {
      continue;
    }
    for (const name of names) {
      const m = TEMP_NAME.exec(name);
      if (m && !alive(Number(m[1] ?? m[2]))) await fsp.rm(path.join(d, name), { recursive: true, force: true });
    }
  }
}

async function clearRun(dir: string): Promise<void> {
  for (const name of RUN_ARTIFACTS) await fsp.rm(path.join(dir, name), { recursive: true, force: true });
}

/**
 * Make `dir` ready for a job, before the model is loaded: a folder (not a file), writable (a probe file is
 * written), and either empty, or holding the run to resume, or cleared because `overwrite` says so.
 */
export async function prepareOutputDir(dir: string, opts: { resume: boolean; overwrite: boolean }): Promise<PreparedOutput> {
  const st = await fsp.stat(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw fsError(e, dir, 'create');
  });
  if (st && !st.isDirectory()) throw new FileSystemError(dir, 'create', 'EEXIST', 'it is a file, not a folder; --output (output) names the folder a run writes into');
  const created = await makeDir(dir);
  const prepared: PreparedOutput = { dir, created, finished: false };
  // Fail now, not after the model download and the first epoch, when the folder cannot take a file.
  const probe = path.join(dir, `.write-test.${platform().pid}`);
  try {
    await fsp.writeFile(probe, 'tfjs-cross-encoder');
    await fsp.rm(probe);
  } catch (e) {
    await fsp.rm(probe, { force: true }).catch(() => undefined);
    await discardIfUnused(prepared);
    const err = fsError(e, dir);
    if (err instanceof FileSystemError) throw new FileSystemError(dir, 'write', err.errno, `${err.reason}; the output folder must be writable`);
    throw err;
  }
  await removeStaleTemps(dir);
  if (opts.resume) {
    prepared.finished = (await exists(path.join(dir, RESULTS_FILE))) && (await exists(path.join(dir, FINAL_DIR)));
    prepared.checkpoint = (await listCheckpoints(dir)).pop();
    // No checkpoint: the run starts from scratch, so nothing of the earlier attempt may stay (logs, eval rows).
    if (!prepared.finished && !prepared.checkpoint) await clearRun(dir);
    return prepared;
  }
  const names = await fsp.readdir(dir);
  if (names.length && !opts.overwrite) {
    const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? ', …' : '');
    throw new UsageError(
      `the output folder ${dir} is not empty (${shown}): pass --resume (resume: true) to continue the run in it, ` +
        `--overwrite (overwrite: true) to replace its results, or choose another --output`,
    );
  }
  if (opts.overwrite) await clearRun(dir);
  return prepared;
}

/** After a failure before anything was written (e.g. the model download): remove the folder prepare created. */
export async function discardIfUnused(p: PreparedOutput): Promise<void> {
  if (!p.created) return;
  try {
    if ((await fsp.readdir(p.dir)).length === 0) await fsp.rm(p.created, { recursive: true });
  } catch {
    // Already gone, or not ours to remove any more.
  }
}
