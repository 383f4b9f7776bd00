/**
 * Resumable training checkpoints: <output>/checkpoints/step-<N>/ holds the model (HF format), the optimizer moments
 * (safetensors, "m.<param>" / "v.<param>") and trainer_state.json (position in the data, RNG counters, best metric,
 * the options the run must keep). A checkpoint is written into a temp folder and renamed into place, so a crash or a
 * full disk never leaves half a checkpoint, and the previous one is removed only once the new one is complete.
 */
import { fsp, path } from '../platform/index.js';
import { TrainingError } from '../errors.js';
import { SafetensorsFile, writeSafetensors, type TensorToWrite } from '../io/safetensors.js';
import { exists, writeDirAtomic, writeFileAtomic } from '../util/fs.js';
import type { AdamWState } from './optimizer.js';
import type { ComparedArgs } from './training-args.js';

export interface TrainerState {
  /** Optimizer steps completed. */
  globalStep: number;
  /** Epoch (0-based) and batch index within it of the next batch to run. */
  epoch: number;
  batchInEpoch: number;
  /** Next dropout seed of the model. */
  dropoutSeed: number;
  bestMetric: number | null;
  bestStep: number | null;
  /** Training time and pairs so far, over every resumed part of the run (absent in older checkpoints). */
  trainSeconds?: number;
  pairsSeen?: number;
  /** The options that must not change across a resume, and the data (training-args.ts); absent in older checkpoints. */
  args?: ComparedArgs;
}

export const CHECKPOINTS_DIR = 'checkpoints';
export const TRAINER_STATE_FILE = 'trainer_state.json';
export const OPTIMIZER_FILE = 'optimizer.safetensors';

export function checkpointDir(outputDir: string, step: number): string {
  return path.join(outputDir, CHECKPOINTS_DIR, `step-${step}`);
}

export async function writeCheckpoint(
  outputDir: string,
  state: TrainerState,
  optimizer: AdamWState,
  saveModel: (dir: string) => Promise<void>,
  keep = 1,
): Promise<string> {
  const final = checkpointDir(outputDir, state.globalStep);
  await writeDirAtomic(final, async (tmp) => {
    await saveModel(tmp);
    const tensors: TensorToWrite[] = [];
    for (const [name, { m, v }] of Object.entries(optimizer.moments)) {
      tensors.push({ name: `m.${name}`, shape: [m.length], data: m }, { name: `v.${name}`, shape: [v.length], data: v });
    }
    await writeSafetensors(path.join(tmp, OPTIMIZER_FILE), tensors, { step: String(optimizer.step) });
    await writeFileAtomic(path.join(tmp, TRAINER_STATE_FILE), JSON.stringify(state, null, 2));
  });
  // Keep only the newest `keep` checkpoints: each holds the model and two optimizer moments (3× the weights).
  const all = await listCheckpoints(outputDir);
  for (const old of all.slice(0, Math.max(0, all.length - keep))) await fsp.rm(old.dir, { recursive: true, force: true });
  return final;
}

export async function listCheckpoints(outputDir: string): Promise<Array<{ step: number; dir: string }>> {
  const root = path.join(outputDir, CHECKPOINTS_DIR);
  if (!(await exists(root))) return [];
  const out: Array<{ step: number; dir: string }> = [];
  for (const name of await fsp.readdir(root)) {
    const m = /^step-(\d+)$/.exec(name);
    if (m && (await exists(path.join(root, name, TRAINER_STATE_FILE)))) out.push({ step: Number(m[1]), dir: path.join(root, name) });
  }
  return out.sort((a, b) => a.step - b.step);
}

export async function readTrainerState(dir: string): Promise<TrainerState> {
  const file = path.join(dir, TRAINER_STATE_FILE);
  try {
    return JSON.parse(await fsp.readFile(file, 'utf-8')) as TrainerState;
  } catch (e) {
    throw new TrainingError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

/** Count the values a moment must not hold: NaN or ±Infinity, and negatives in v (a running mean of squares). */
function badValues(a: Float32Array, squares: boolean): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]) || (squares && a[i] < 0)) n++;
  return n;
}

/**
 * The state and the optimizer moments. Moments are checked here, not at the next step: a NaN in them would only
 * show as a NaN loss later, blamed on the learning rate, with this very checkpoint called "the last good one".
 */
export async function readCheckpoint(dir: string, shapes: ReadonlyMap<string, number[]>): Promise<{ state: TrainerState; optimizer: AdamWState }> {
  const state = await readTrainerState(dir);
  const file = path.join(dir, OPTIMIZER_FILE);
  const st = await SafetensorsFile.open(file);
  const moments: AdamWState['moments'] = {};
  for (const name of shapes.keys()) {
    if (!st.tensors.has(`m.${name}`)) continue; // parameter never updated (frozen)
    const m = st.getFloat32(`m.${name}`);
    const v = st.getFloat32(`v.${name}`);
    for (const [tensor, a, squares] of [[`m.${name}`, m, false], [`v.${name}`, v, true]] as const) {
      const bad = badValues(a, squares);
      if (bad) {
        throw new TrainingError(
          `${file} (tensor "${tensor}"): ${bad} of ${a.length} values are ${squares ? 'NaN, infinite or negative' : 'NaN or infinite'}: this checkpoint is corrupt and cannot be resumed. ` +
            `Start the run again (--overwrite), or resume from a copy of an earlier checkpoint.`,
        );
      }
    }
    moments[name] = { m, v };
  }
  return { state, optimizer: { step: Number(st.metadata.step ?? state.globalStep), moments } };
}
