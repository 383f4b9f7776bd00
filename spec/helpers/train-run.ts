/**
 * Real `cross-encoder train` runs on the tiny BERT fixture for the fault specs: a small data file, the flags, a
 * SIGKILL after the first checkpoint, and a search for temp files left behind.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { listCheckpoints } from '../../lib/training/checkpoint-state.js';
import { fixtureModel } from './paths.js';
import { spawnScript, type CliResult } from './run-cli.js';
import { fixtureExamples } from './training-fixture.js';

/** 24 pairs (the fixture's 6, four times) as JSON lines: batch 4 gives 6 steps an epoch. */
export async function writeTrainData(file: string, copies = 4): Promise<string> {
  const rows = Array.from({ length: copies }, () => fixtureExamples()).flat();
  await fsp.writeFile(file, rows.map((e) => JSON.stringify({ sentence1: e.sentence1, sentence2: e.sentence2, score: e.label })).join('\n') + '\n');
  return file;
}

/** `train` on the tiny BERT with validation and test on the same file: 2 epochs of 6 steps, an evaluation every 3. */
export function trainArgs(data: string, out: string, extra: string[] = []): string[] {
  return [
    'train', '--model', fixtureModel('tiny-bert-cross-encoder'), '--train', data, '--eval', data, '--test', data, '--output', out,
    '--batch-size', '4', '--epochs', '2', '--lr', '1e-3', '--eval-steps', '3', '--logging-steps', '1', '--seed', '3', '--no-progress', ...extra,
  ];
}

/** Start a run and SIGKILL it as soon as it has written a checkpoint; returns that checkpoint's step. */
export async function killAfterFirstCheckpoint(args: string[], out: string): Promise<number> {
  const run = spawnScript('scripts/cli.ts', args);
  let step: number | undefined;
  while (run.child.exitCode === null && step === undefined) {
    const ckpts = await listCheckpoints(out);
    if (ckpts.length) {
      run.child.kill('SIGKILL');
      step = ckpts[0].step;
    } else {
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  const r = await run.done;
  if (r.signal !== 'SIGKILL' || step === undefined) throw new Error(`the run ended (code ${r.code}) before it could be killed after a checkpoint:\n${r.stderr.slice(-2000)}`);
  return step;
}

/** Every temp file or folder our writers use (util/fs.ts) anywhere under `dir`. */
export async function findTemps(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await fsp.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (/\.(tmp|old)-\d+$/.test(e.name) || /\.tmp$/.test(e.name) || /^\.write-test/.test(e.name)) out.push(p);
      if (e.isDirectory()) await walk(p);
    }
  };
  await walk(dir);
  return out;
}

/** Neither a JS stack frame nor minified library code: what a user should never see on stderr. */
export function expectNoStackDump(r: CliResult): void {
  if (/\n\s+at .+:\d+:\d+\)?\n/.test(r.stderr) || r.stderr.length > 4000) {
    throw new Error(`stderr holds a stack dump (${r.stderr.length} chars):\n${r.stderr.slice(0, 3000)}`);
  }
}

/** The eval CSV's rows (header dropped), as written. */
export async function csvRows(out: string, name: 'validation' | 'test'): Promise<string[]> {
  const text = await fsp.readFile(path.join(out, 'eval', `CrossEncoderCorrelationEvaluator_${name}_results.csv`), 'utf-8');
  return text.trim().split(/\r?\n/).slice(1);
}
