import { platform } from '../platform/index.js';

/** sha256 over the lines, for the data a resume must match. */
export function fingerprint(lines: Iterable<string>): string {
  const hash = platform().createSha256();
  for (const l of lines) hash.update(l);
  return hash.digest('hex');
}
