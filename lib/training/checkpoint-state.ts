/**
 * Resumable training checkpoints: <output>/checkpoints/step-<N>/ holds the model (HF format), the optimizer moments
 * (safetensors, "m.<param>" / "v.<param>") and trainer_state.json (position in the data, RNG counters, best metric).
 * A checkpoint is written into a temp folder and renamed into place, so a crash never leaves half a checkpoint.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { TrainingError } from '../errors.js';
import { SafetensorsFile, writeSafetensors, type TensorToWrite } from '../io/safetensors.js';
import { exists } from '../util/fs.js';
import type { AdamWState } from './optimizer.js';

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
  /** Hash of the options that must not change across a resume (seed, batch size, data size, ...). */
  fingerprint: string;
}

export const CHECKPOINTS_DIR = 'checkpoints';

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
  const tmp = `${final}.tmp-${process.pid}`;
  await fsp.rm(tmp, { recursive: true, force: true });
  await fsp.mkdir(tmp, { recursive: true });
  await saveModel(tmp);
  const tensors: TensorToWrite[] = [];
  for (const [name, { m, v }] of Object.entries(optimizer.moments)) {
    tensors.push({ name: `m.${name}`, shape: [m.length], data: m }, { name: `v.${name}`, shape: [v.length], data: v });
  }
  await writeSafetensors(path.join(tmp, 'optimizer.safetensors'), tensors, { step: String(optimizer.step) });
  await fsp.writeFile(path.join(tmp, 'trainer_state.json'), JSON.stringify(state, null, 2));
  await fsp.rm(final, { recursive: true, force: true });
  await fsp.rename(tmp, final);
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
    if (m && (await exists(path.join(root, name, 'trainer_state.json')))) out.push({ step: Number(m[1]), dir: path.join(root, name) });
  }
  return out.sort((a, b) => a.step - b.step);
}

export async function readCheckpoint(dir: string, shapes: ReadonlyMap<string, number[]>): Promise<{ state: TrainerState; optimizer: AdamWState }> {
  let state: TrainerState;
  try {
    state = JSON.parse(await fsp.readFile(path.join(dir, 'trainer_state.json'), 'utf-8')) as TrainerState;
  } catch (e) {
    throw new TrainingError(`cannot read ${path.join(dir, 'trainer_state.json')}: ${(e as Error).message}`);
  }
  const st = await SafetensorsFile.open(path.join(dir, 'optimizer.safetensors'));
  const moments: AdamWState['moments'] = {};
  for (const name of shapes.keys()) {
    if (!st.tensors.has(`m.${name}`)) continue; // parameter never updated (frozen)
    moments[name] = { m: st.getFloat32(`m.${name}`), v: st.getFloat32(`v.${name}`) };
  }
  return { state, optimizer: { step: Number(st.metadata.step ?? state.globalStep), moments } };
}
