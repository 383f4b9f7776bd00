/** Library version, written into saved configs (kept in step with package.json by a test). */
export const VERSION = '0.1.0';

/**
 * The sentence-transformers release whose CrossEncoder config format we write. Python parses this field with
 * packaging.version (so it must be a plain version) and only warns when it is newer than the installed release.
 */
export const ST_FORMAT_VERSION = '4.0.1';

/** The `sentence_transformers` block of a saved config.json. */
export function sentenceTransformersBlock(activationFn: string): Record<string, string> {
  return { activation_fn: activationFn, version: ST_FORMAT_VERSION, tfjs_cross_encoder_version: VERSION };
}
