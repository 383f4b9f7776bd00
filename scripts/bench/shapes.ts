/**
 * The benchmark shapes and their random-init models (HF format, created once under bench/models/, which git ignores).
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configForShape } from '../../lib/models/random-init.js';

/** XENC_REPO_ROOT / XENC_SHARED: where the bench runs bundled (bench/gpu/run.sh), the bundle sits elsewhere. */
export const ROOT = process.env.XENC_REPO_ROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED = process.env.XENC_SHARED ?? path.resolve(ROOT, '../shared');

export type ShapeName = 'tiny' | 'minilm' | 'distilroberta';

export interface Shape {
  name: ShapeName;
  label: string;
  modelType: 'bert' | 'roberta';
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  maxPosition: number;
  tokenizerDir: string;
  /** Timed training steps by default (after warm-up). */
  steps: number;
}

export const SHAPES: Record<ShapeName, Shape> = {
  tiny: { name: 'tiny', label: 'tiny BERT 2×128', modelType: 'bert', layers: 2, hidden: 128, heads: 2, intermediate: 512, maxPosition: 512, tokenizerDir: 'bert-base-uncased-tokenizer', steps: 20 },
  minilm: { name: 'minilm', label: 'MiniLM-L6 6×384', modelType: 'bert', layers: 6, hidden: 384, heads: 12, intermediate: 1536, maxPosition: 512, tokenizerDir: 'bert-base-uncased-tokenizer', steps: 10 },
  distilroberta: {
    name: 'distilroberta',
    label: 'distilroberta 6×768',
    modelType: 'roberta',
    layers: 6,
    hidden: 768,
    heads: 12,
    intermediate: 3072,
    maxPosition: 514,
    tokenizerDir: 'roberta-base-tokenizer',
    steps: 10,
  },
};

/** HF config.json keys for a shape (vocab size comes from the tokenizer: 30522 BERT, 50265 RoBERTa). */
export function hfConfig(s: Shape): Record<string, unknown> {
  return configForShape({ modelType: s.modelType, layers: s.layers, hidden: s.hidden, heads: s.heads, intermediate: s.intermediate, maxPosition: s.maxPosition });
}

export function modelDir(s: Shape): string {
  return path.join(ROOT, 'bench', 'models', `bench-random-${s.name}`);
}

export function tokenizerPath(s: Shape): string {
  return path.join(SHARED, 'models', s.tokenizerDir);
}

/** Create the random-init model for a shape unless it is already there (seed 0). */
export async function ensureModel(s: Shape): Promise<string> {
  const dir = modelDir(s);
  if (existsSync(path.join(dir, 'config.json')) && existsSync(path.join(dir, 'model.safetensors'))) return dir;
  const { createRandomModel } = await import('../../lib/models/random-init.js');
  await createRandomModel(dir, { config: hfConfig(s), tokenizerDir: tokenizerPath(s), seed: 0 });
  return dir;
}
