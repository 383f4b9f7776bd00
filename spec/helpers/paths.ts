import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Repository root, found from this file so specs work from any cwd; XENC_REPO_ROOT overrides it where the specs run
 * bundled (bench/gpu: the bundle does not sit in spec/helpers).
 */
export const REPO_ROOT = process.env.XENC_REPO_ROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** CI clones the repo beside shared/, as in development; XENC_SHARED overrides it (bench/gpu/run.sh carries its own). */
export const SHARED = process.env.XENC_SHARED ?? path.resolve(REPO_ROOT, '..', 'shared');
export const STSB_DIR = path.join(SHARED, 'data', 'stsb');
export const FIXTURE_MODELS = path.join(REPO_ROOT, 'spec', 'fixtures', 'models');

export function fixtureModel(name: string): string {
  return path.join(FIXTURE_MODELS, name);
}

export const CROSS_ENCODER_FIXTURES = [
  'tiny-bert-cross-encoder',
  'tiny-bert-cross-encoder-f16',
  'tiny-bert-cross-encoder-bf16',
  'tiny-roberta-cross-encoder',
  'tiny-distilbert-cross-encoder',
  // Made by bench/make_arch_fixtures.py from real transformers (spec/fixtures/SOURCES.md).
  'tiny-xlm-roberta-cross-encoder',
  'tiny-electra-cross-encoder',
  'tiny-modernbert-cross-encoder',
  'tiny-deberta-v2-cross-encoder',
  'tiny-deberta-v2-separate-cross-encoder',
] as const;

/** The fixtures above that carry their own training-steps.json (three AdamW steps from real torch). */
export const ARCH_TRAINING_FIXTURES = ['tiny-xlm-roberta-cross-encoder', 'tiny-electra-cross-encoder', 'tiny-modernbert-cross-encoder', 'tiny-deberta-v2-cross-encoder', 'tiny-deberta-v2-separate-cross-encoder'] as const;
