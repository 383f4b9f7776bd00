/** What a repo id, a repo file path and a revision may look like: the same checks in Node and in a page. */
import { HubError } from '../errors.js';

const COMMIT_RE = /^[0-9a-f]{40}$/;
// Same shape huggingface_hub's validate_repo_id accepts: optional "org/" then a name of word chars, '-', '.'.
const REPO_ID_RE = /^(?:[\w.-]+\/)?[\w.-]{1,96}$/;
// Etags and commits become file names, so anything that could escape the folder is refused.
const SAFE_NAME_RE = /^[A-Za-z0-9._-]+$/;

export function isCommitSha(revision: string): boolean {
  return COMMIT_RE.test(revision);
}

export function validateRepoId(repoId: string): void {
  if (!REPO_ID_RE.test(repoId) || repoId.includes('..') || repoId.includes('--')) {
    throw new HubError(
      `Invalid repo id "${repoId}": expected "name" or "org/name" using letters, digits, '-', '_' and '.' ` +
        `(no "--" or ".."). If you meant a local folder, it does not exist.`,
      repoId,
    );
  }
}

/** A repo-relative file path must stay inside the snapshot folder once joined. */
export function validateRepoPath(repoId: string, filename: string): string[] {
  const parts = filename.split('/');
  if (
    filename === '' ||
    filename.startsWith('/') ||
    filename.includes('\\') ||
    parts.some((p) => p === '' || p === '.' || p === '..')
  ) {
    throw new HubError(
      `Invalid file path "${filename}" for ${repoId}: use a relative path with '/' separators and no '.' or '..' parts.`,
      repoId,
      filename,
    );
  }
  return parts;
}

/** Revisions name files under refs/ (e.g. refs/refs/pr/3), so they get the same containment check. */
export function validateRevision(repoId: string, revision: string): void {
  const parts = revision.split('/');
  if (revision === '' || revision.includes('\\') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new HubError(`Invalid revision "${revision}" for ${repoId}.`, repoId);
  }
}

export function isSafeName(name: string): boolean {
  return SAFE_NAME_RE.test(name) && name !== '.' && name !== '..';
}

/** The tokenizer files a model download fetches, where the repo has them. */
export const TOKENIZER_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'vocab.txt',
  'vocab.json',
  'merges.txt',
] as const;
/**
 * sentence-transformers' files beside config.json, fetched where the repo has them: a CrossEncoder saved by
 * sentence-transformers 6 keeps its activation in config_sentence_transformers.json (read when modules.json is there).
 */
export const SENTENCE_TRANSFORMERS_FILES = ['modules.json', 'config_sentence_transformers.json'] as const;
/** Weight formats we refuse, with why, so the error can name what the repo actually has. */
export const UNSUPPORTED_WEIGHTS = [
  'pytorch_model.bin',
  'pytorch_model.bin.index.json',
  'tf_model.h5',
  'tf_model.h5.index.json',
  'flax_model.msgpack',
  'flax_model.msgpack.index.json',
] as const;
