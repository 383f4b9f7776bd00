/**
 * POSIX path functions for a page, with node:path's results for the inputs the library passes (absolute folders
 * under '/', names joined onto them). The page's "current folder" is '/'.
 */
import type { PlatformPath } from './types.js';

function normalize(p: string): string {
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
    } else out.push(part);
  }
  const s = out.join('/');
  return abs ? `/${s}` : s || '.';
}

export const posixPath: PlatformPath = {
  sep: '/',
  join: (...parts) => normalize(parts.filter((p) => p !== '').join('/') || '.'),
  resolve(...parts) {
    let p = '';
    for (const part of parts) p = part.startsWith('/') ? part : p ? `${p}/${part}` : part;
    return normalize(p.startsWith('/') ? p : `/${p}`);
  },
  dirname(p) {
    const s = p.length > 1 ? p.replace(/\/+$/, '') : p;
    const i = s.lastIndexOf('/');
    if (i < 0) return '.';
    return i === 0 ? '/' : s.slice(0, i);
  },
  basename(p, ext) {
    const s = p.length > 1 ? p.replace(/\/+$/, '') : p;
    const b = s.slice(s.lastIndexOf('/') + 1);
    return ext && b.endsWith(ext) && b !== ext ? b.slice(0, -ext.length) : b;
  },
  extname(p) {
    const b = posixPath.basename(p);
    const i = b.lastIndexOf('.');
    return i <= 0 ? '' : b.slice(i);
  },
  relative(from, to) {
    const a = posixPath.resolve(from).split('/').filter(Boolean);
    const b = posixPath.resolve(to).split('/').filter(Boolean);
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/');
  },
  isAbsolute: (p) => p.startsWith('/'),
};
