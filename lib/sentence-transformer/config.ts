/**
 * A sentence-transformers folder read as plain data: modules.json (the pipeline), sentence_bert_config.json (the
 * Transformer's max_seq_length and do_lower_case), each module's config (1_Pooling/config.json, 2_Dense/config.json)
 * and config_sentence_transformers.json (prompts, default_prompt_name, similarity_fn_name). Every problem is a
 * ConfigError naming the file. A folder without modules.json is a plain Hugging Face encoder: sentence-transformers
 * gives it mean pooling, and so do we, saying so.
 */
import { fsp, path } from '../platform/index.js';
import { ConfigError } from '../errors.js';
import { exists } from '../util/fs.js';
import { log } from '../util/log.js';
import { parsePoolingConfig, type PoolingConfig } from './pooling.js';
import { parseDenseConfig, type DenseConfig } from './dense.js';
import { isSimilarityFnName, type SimilarityFnName } from './similarity.js';

export const MODULES_FILE = 'modules.json';
export const ST_CONFIG_FILE = 'config_sentence_transformers.json';
export const SBERT_CONFIG_FILE = 'sentence_bert_config.json';
/** Older sentence-transformers versions named the Transformer's config after the architecture. */
const LEGACY_SBERT_CONFIGS = ['sentence_roberta_config.json', 'sentence_distilbert_config.json'];

export type ModuleSpec =
  | { kind: 'transformer'; path: string; maxSeqLength: number | undefined; doLowerCase: boolean }
  | { kind: 'pooling'; path: string; config: PoolingConfig }
  | { kind: 'dense'; path: string; config: DenseConfig }
  | { kind: 'normalize'; path: string };

export interface SentenceTransformerSpec {
  /** In pipeline order; the first is always the Transformer. */
  modules: ModuleSpec[];
  prompts: Record<string, string>;
  defaultPromptName: string | null;
  /** null: not set in the folder; the model then uses cosine, as sentence-transformers does. */
  similarityFnName: SimilarityFnName | null;
  /** False for a plain encoder folder (no modules.json): the pipeline above was made up (mean pooling). */
  fromModulesJson: boolean;
}

type Json = Record<string, unknown>;

export async function readJson(file: string): Promise<Json> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf-8');
  } catch (e) {
    throw new ConfigError(file, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(file, `not valid JSON (${(e as Error).message})`);
  }
  if (typeof v !== 'object' || v === null) throw new ConfigError(file, 'must hold a JSON object or array');
  return v as Json;
}

/** The module's kind from its "type" ("sentence_transformers.models.Pooling" and later module paths alike). */
function kindOf(type: string, file: string, idx: number): ModuleSpec['kind'] {
  const cls = type.split('.').pop() ?? '';
  switch (cls) {
    case 'Transformer':
      return 'transformer';
    case 'Pooling':
      return 'pooling';
    case 'Dense':
      return 'dense';
    case 'Normalize':
      return 'normalize';
    default:
      throw new ConfigError(file, `module ${idx} has type ${JSON.stringify(type)}; supported: Transformer, Pooling, Dense, Normalize`);
  }
}

async function readTransformerConfig(dir: string, sub: string): Promise<{ maxSeqLength: number | undefined; doLowerCase: boolean }> {
  for (const name of [SBERT_CONFIG_FILE, ...LEGACY_SBERT_CONFIGS]) {
    const file = path.join(dir, sub, name);
    if (!(await exists(file))) continue;
    const c = await readJson(file);
    const msl = c.max_seq_length;
    if (msl !== undefined && msl !== null && !(Number.isInteger(msl) && (msl as number) > 0)) throw new ConfigError(file, `max_seq_length must be a positive integer, got ${JSON.stringify(msl)}`);
    if (c.do_lower_case !== undefined && typeof c.do_lower_case !== 'boolean') throw new ConfigError(file, `do_lower_case must be true or false, got ${JSON.stringify(c.do_lower_case)}`);
    return { maxSeqLength: (msl as number | null | undefined) ?? undefined, doLowerCase: c.do_lower_case === true };
  }
  return { maxSeqLength: undefined, doLowerCase: false };
}

async function readModules(dir: string): Promise<ModuleSpec[]> {
  const file = path.join(dir, MODULES_FILE);
  const raw = await readJson(file);
  if (!Array.isArray(raw) || raw.length === 0) throw new ConfigError(file, 'must be a non-empty JSON array of modules');
  const entries = [...(raw as unknown[])].map((m, i) => {
    if (typeof m !== 'object' || m === null) throw new ConfigError(file, `entry ${i} is not an object`);
    const e = m as Json;
    if (typeof e.type !== 'string') throw new ConfigError(file, `entry ${i} has no "type" string`);
    const p = e.path ?? '';
    if (typeof p !== 'string' || p.includes('..') || path.isAbsolute(p)) throw new ConfigError(file, `entry ${i} has path ${JSON.stringify(p)}, not a subfolder name`);
    const idx = typeof e.idx === 'number' ? e.idx : i;
    return { idx, type: e.type, path: p };
  });
  entries.sort((a, b) => a.idx - b.idx);
  const out: ModuleSpec[] = [];
  for (const [i, e] of entries.entries()) {
    const kind = kindOf(e.type, file, e.idx);
    if ((kind === 'transformer') !== (i === 0)) throw new ConfigError(file, `the Transformer must be the first module and the only one (module ${e.idx} is ${e.type})`);
    if (kind === 'transformer') out.push({ kind, path: e.path, ...(await readTransformerConfig(dir, e.path)) });
    else if (kind === 'pooling') out.push({ kind, path: e.path, config: parsePoolingConfig(await readJson(path.join(dir, e.path, 'config.json')), path.join(dir, e.path, 'config.json')) });
    else if (kind === 'dense') out.push({ kind, path: e.path, config: parseDenseConfig(await readJson(path.join(dir, e.path, 'config.json')), path.join(dir, e.path, 'config.json')) });
    else out.push({ kind, path: e.path });
  }
  return out;
}

async function readStConfig(dir: string): Promise<Pick<SentenceTransformerSpec, 'prompts' | 'defaultPromptName' | 'similarityFnName'>> {
  const file = path.join(dir, ST_CONFIG_FILE);
  if (!(await exists(file))) return { prompts: {}, defaultPromptName: null, similarityFnName: null };
  const c = await readJson(file);
  const prompts: Record<string, string> = {};
  if (c.prompts !== undefined && c.prompts !== null) {
    if (typeof c.prompts !== 'object' || Array.isArray(c.prompts)) throw new ConfigError(file, '"prompts" must map prompt names to strings');
    for (const [k, v] of Object.entries(c.prompts as Json)) {
      if (typeof v !== 'string') throw new ConfigError(file, `prompt ${JSON.stringify(k)} is not a string`);
      prompts[k] = v;
    }
  }
  const dpn = c.default_prompt_name ?? null;
  if (dpn !== null && (typeof dpn !== 'string' || !(dpn in prompts))) throw new ConfigError(file, `default_prompt_name ${JSON.stringify(dpn)} is not one of the prompts (${Object.keys(prompts).join(', ') || 'none'})`);
  const sim = c.similarity_fn_name ?? null;
  if (sim !== null && !isSimilarityFnName(sim)) throw new ConfigError(file, `similarity_fn_name ${JSON.stringify(sim)} is not one of cosine, dot, euclidean, manhattan`);
  return { prompts, defaultPromptName: dpn as string | null, similarityFnName: sim as SimilarityFnName | null };
}

/**
 * The pipeline of a model folder. `hiddenSize` is needed only for a plain encoder, whose Pooling is made up.
 */
export async function readSentenceTransformerSpec(dir: string, hiddenSize: () => Promise<number>): Promise<SentenceTransformerSpec> {
  const st = await readStConfig(dir);
  if (await exists(path.join(dir, MODULES_FILE))) return { ...st, modules: await readModules(dir), fromModulesJson: true };
  log.info(`${dir} has no ${MODULES_FILE}: a plain Hugging Face encoder, so mean pooling is used (as sentence-transformers does)`);
  const dim = await hiddenSize();
  return {
    ...st,
    fromModulesJson: false,
    modules: [
      { kind: 'transformer', path: '', ...(await readTransformerConfig(dir, '')) },
      { kind: 'pooling', path: '1_Pooling', config: parsePoolingConfig({ word_embedding_dimension: dim, pooling_mode: 'mean' }, '(default mean pooling)') },
    ],
  };
}
