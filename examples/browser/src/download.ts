/**
 * Getting the trained model out of the page: a zip (store-only, lib/web/zip.ts) through an <a download>, or, where
 * the browser has the File System Access API (Chromium), straight into a folder the user picks.
 */
import { zipStore, type ModelFile } from 'tfjs-cross-encoder/web';

export function downloadZip(files: ModelFile[], name: string): number {
  const zip = zipStore(files.map((f) => ({ path: `${name}/${f.path}`, bytes: f.bytes })));
  const url = URL.createObjectURL(new Blob([zip as Uint8Array<ArrayBuffer>], { type: 'application/zip' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `${name}.zip`;
  document.body.append(a);
  a.click();
  a.remove();
  // The download has its own reference by now; the URL only has to outlive the click.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
  return zip.length;
}

interface DirHandle {
  getDirectoryHandle(name: string, o: { create: true }): Promise<DirHandle>;
  getFileHandle(name: string, o: { create: true }): Promise<{ createWritable(): Promise<{ write(b: Uint8Array<ArrayBuffer>): Promise<void>; close(): Promise<void> }> }>;
}
type Picker = (o: { mode: 'readwrite'; id?: string }) => Promise<DirHandle>;

export const canSaveToFolder = (): boolean => typeof (window as unknown as { showDirectoryPicker?: Picker }).showDirectoryPicker === 'function';

/** Write the files into `<picked folder>/<name>/`. */
export async function saveToFolder(files: ModelFile[], name: string): Promise<void> {
  const pick = (window as unknown as { showDirectoryPicker: Picker }).showDirectoryPicker;
  const root = await (await pick({ mode: 'readwrite', id: 'tfjs-cross-encoder' })).getDirectoryHandle(name, { create: true });
  for (const f of files) {
    const parts = f.path.split('/');
    let dir = root;
    for (const p of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(p, { create: true });
    const w = await (await dir.getFileHandle(parts[parts.length - 1], { create: true })).createWritable();
    await w.write(f.bytes as Uint8Array<ArrayBuffer>);
    await w.close();
  }
}
