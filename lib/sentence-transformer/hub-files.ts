/**
 * A sentence-transformers repo from the Hub: resolveModelDir fetches config.json, the tokenizer and the weights into
 * the shared cache; this adds the sentence-transformers files (modules.json, the configs, each module folder's
 * config.json and model.safetensors) from the same commit, so the snapshot folder loads like a local one.
 */
import { fsp, path, platform } from '../platform/index.js';
import type { HubOptions } from '../io/hub-options.js';

/** Root files, and files one level down in module folders ("1_Pooling/config.json", "2_Dense/model.safetensors"). */
const ST_FILE = /^(modules\.json|config_sentence_transformers\.json|sentence_\w+_config\.json|\d+_\w+\/(config\.json|model\.safetensors))$/;

async function isLocalDir(p: string): Promise<boolean> {
  try {
    return (await fsp.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

export async function resolveSentenceTransformerDir(idOrPath: string, opts: HubOptions = {}): Promise<string> {
  if (await isLocalDir(idOrPath)) return path.resolve(idOrPath);
  const hub = platform().hub;
  const dir = await hub.resolveModelDir(idOrPath, opts);
  // The snapshot folder is named by the commit resolveModelDir pinned its files to; pin ours to it too.
  const pinned: HubOptions = { ...opts, revision: path.basename(dir) };
  for (const f of (await hub.listFiles(idOrPath, pinned)).filter((f) => ST_FILE.test(f))) await hub.downloadFile(idOrPath, f, pinned);
  return dir;
}
