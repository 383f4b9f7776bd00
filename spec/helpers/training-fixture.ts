import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './paths.js';

export interface FixtureStep {
  pairs: [string, string][];
  labels: number[];
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
  loss: number;
  grad_norm_before_clip: number;
}

export interface TrainingFixture {
  start_model: string;
  optimizer: { lr: number; betas: [number, number]; eps: number; weight_decay: number; max_grad_norm: number };
  steps: FixtureStep[];
  after: Record<string, number[] | number[][]> & { logits: number[]; input_ids: number[][]; attention_mask: number[][]; token_type_ids: number[][] };
}

/** spec/fixtures/training-steps.json: three AdamW steps from tiny-bert-cross-encoder (see SOURCES.md). */
export const TRAINING_FIXTURE = JSON.parse(readFileSync(path.join(REPO_ROOT, 'spec', 'fixtures', 'training-steps.json'), 'utf-8')) as TrainingFixture;

/** The fixture's batches flattened into one training set: with batch size 2 and no shuffling they replay in order. */
export function fixtureExamples(): Array<{ sentence1: string; sentence2: string; label: number }> {
  return TRAINING_FIXTURE.steps.flatMap((s) => s.pairs.map(([a, b], i) => ({ sentence1: a, sentence2: b, label: s.labels[i] })));
}
