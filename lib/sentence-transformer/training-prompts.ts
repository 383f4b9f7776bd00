/**
 * sentence-transformers' `prompts` training argument: a prompt put before the texts of an input column during
 * training, exactly as encode() puts one (and, with Pooling's include_prompt false, left out of the pooling). One
 * string for every input column, or one per column name. ST's nested per-dataset form is for multi-dataset
 * training, which this library does not run, so it is refused, as is a column name the data does not have (ST
 * would ignore it; here a misspelt column would silently train without its prompt).
 */
import { UsageError } from '../errors.js';

export type TrainingPrompts = string | Readonly<Record<string, string>>;

/** The prompt of each input column, in column order (undefined: none; an empty string is none, as in ST). */
export function promptsPerColumn(prompts: TrainingPrompts | undefined, columns: readonly string[]): Array<string | undefined> {
  if (prompts === undefined) return columns.map(() => undefined);
  if (typeof prompts === 'string') return columns.map(() => prompts || undefined);
  if (prompts === null || typeof prompts !== 'object' || Array.isArray(prompts)) throw new UsageError(`prompts must be a string or an object of column name → prompt, got ${Array.isArray(prompts) ? 'a list' : String(prompts)}`);
  for (const [column, p] of Object.entries(prompts)) {
    if (typeof p === 'object' && p !== null) throw new UsageError(`prompts.${column} is an object: per-dataset prompts are for multi-dataset training, which this library does not run; give column name → prompt`);
    if (typeof p !== 'string') throw new UsageError(`prompts.${column} must be a string, got ${p === null ? 'null' : typeof p}`);
    if (!columns.includes(column)) throw new UsageError(`prompts names column "${column}", which the training data does not have (its input columns: ${columns.join(', ')})`);
  }
  return columns.map((c) => prompts[c] || undefined);
}

/** How the prompts show in the resume check and the model card: undefined when no column has one. */
export function describePrompts(perColumn: ReadonlyArray<string | undefined>, columns: readonly string[]): string | undefined {
  if (perColumn.every((p) => p === undefined)) return undefined;
  return JSON.stringify(Object.fromEntries(columns.flatMap((c, i) => (perColumn[i] === undefined ? [] : [[c, perColumn[i]]]))));
}
