/**
 * The demo's Vite config: the library from its TypeScript source (the package's `browser` entry, lib/browser.ts,
 * which is what `import 'tfjs-cross-encoder'` resolves to for a bundler once the package is built), served on
 * 127.0.0.1 only. Module workers, so the model worker can import the library as ES modules.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const lib = fileURLToPath(new URL('../../lib/browser.ts', import.meta.url));
const web = fileURLToPath(new URL('../../lib/web/index.ts', import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: { alias: [{ find: /^tfjs-cross-encoder\/web$/, replacement: web }, { find: /^tfjs-cross-encoder$/, replacement: lib }] },
  // The dev server pre-bundles dependencies it finds from these entries; without the worker, it finds TF.js only
  // when the worker first loads and then reloads the page (losing the loaded model).
  optimizeDeps: { entries: ['index.html', 'src/model.worker.ts'] },
  server: { host: '127.0.0.1', port: 5173, strictPort: false },
  preview: { host: '127.0.0.1', port: 4173 },
  // keepNames: the library's errors take their name from their class (DataError, SafetensorsError, ...), which the
  // page shows; a minifier that renames classes would show "HB: ..." instead.
  worker: { format: 'es', rolldownOptions: { output: { keepNames: true } } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4000, rolldownOptions: { output: { keepNames: true } } },
});
