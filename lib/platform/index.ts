/**
 * The installed platform (types.ts) and the two handles platform-neutral modules use in place of `node:fs` and
 * `node:path`: `fsp` and `path` delegate, call by call, to whatever platform the entry installed, so a module can
 * import them at its top and still work whichever entry (Node or browser) loaded it.
 */
import type { Platform, PlatformFs, PlatformPath } from './types.js';

export type { FileStats, Platform, PlatformFs, PlatformHub, PlatformPath, Sha256, TextSink, WritableFile } from './types.js';

let installed: Platform | undefined;

/** Called once by an entry module (lib/platform/node.ts, lib/platform/browser.ts); a second call replaces it. */
export function installPlatform(p: Platform): void {
  installed = p;
}

export function platform(): Platform {
  if (!installed) {
    throw new Error(
      'tfjs-cross-encoder: no platform installed. Import the package entry (`tfjs-cross-encoder`), or in Node ' +
        "`import 'tfjs-cross-encoder/lib/platform/node.js'` first when importing library modules directly.",
    );
  }
  return installed;
}

/** The platform if one is installed (for code that has a sensible default without one, such as the log level). */
export function platformIfInstalled(): Platform | undefined {
  return installed;
}

const f = (): PlatformFs => platform().fs;

export const fsp: PlatformFs = {
  readFile: ((p: string, enc?: 'utf-8' | 'utf8') => (enc ? f().readFile(p, enc) : f().readFile(p))) as PlatformFs['readFile'],
  writeFile: (p, d) => f().writeFile(p, d),
  appendFile: (p, d) => f().appendFile(p, d),
  stat: (p) => f().stat(p),
  access: (p) => f().access(p),
  readdir: (p) => f().readdir(p),
  mkdir: (p, o) => f().mkdir(p, o),
  rm: (p, o) => f().rm(p, o),
  rename: (a, b) => f().rename(a, b),
  copyFile: (a, b) => f().copyFile(a, b),
  open: (p, flags) => f().open(p, flags),
  existsSync: (p) => f().existsSync(p),
  renameSync: (a, b) => f().renameSync(a, b),
  rmSync: (p, o) => f().rmSync(p, o),
};

const pa = (): PlatformPath => platform().path;

export const path: PlatformPath = {
  get sep() {
    return pa().sep;
  },
  join: (...p) => pa().join(...p),
  resolve: (...p) => pa().resolve(...p),
  dirname: (p) => pa().dirname(p),
  basename: (p, ext) => (ext === undefined ? pa().basename(p) : pa().basename(p, ext)),
  extname: (p) => pa().extname(p),
  relative: (a, b) => pa().relative(a, b),
  isAbsolute: (p) => pa().isAbsolute(p),
};

/** The environment variable `name` (undefined in a page). Read it when needed, never at module scope. */
export function env(name: string): string | undefined {
  return platform().env(name);
}
