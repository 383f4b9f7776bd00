/**
 * A store-only zip writer (no compression): a trained model is a safetensors file of float32 weights, which deflate
 * shrinks by about 7 %, so compressing is not worth a dependency or the time in a page. Every zip reader (Python's
 * zipfile, unzip, the OS file managers) reads stored entries. Files above 4 GiB would need zip64; they are refused.
 */

export interface ZipEntry {
  /** Path inside the archive, '/'-separated (e.g. 'my-model/config.json'). */
  path: string;
  bytes: Uint8Array;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3), as zip stores it. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** MS-DOS time and date of `d` (local time, 2-second resolution), as the zip headers hold them. */
function dosDateTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, d.getFullYear());
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

const MAX = 0xffffffff;

/** One zip archive holding `entries` uncompressed, in the order given. */
export function zipStore(entries: readonly ZipEntry[], modified: Date = new Date()): Uint8Array {
  const enc = new TextEncoder();
  const { time, date } = dosDateTime(modified);
  const names = entries.map((e) => enc.encode(e.path.replace(/^\/+/, '')));
  const local = entries.reduce((a, e, i) => a + 30 + names[i].length + e.bytes.length, 0);
  const central = names.reduce((a, n) => a + 46 + n.length, 0);
  if (local + central + 22 > MAX || entries.length > 0xffff) throw new RangeError('zipStore: archives over 4 GiB or 65535 files need zip64, which this writer does not write');
  const out = new Uint8Array(local + central + 22);
  const view = new DataView(out.buffer);
  let p = 0;
  const u16 = (v: number): void => {
    view.setUint16(p, v, true);
    p += 2;
  };
  const u32 = (v: number): void => {
    view.setUint32(p, v >>> 0, true);
    p += 4;
  };
  const offsets: number[] = [];
  const crcs = entries.map((e) => crc32(e.bytes));
  // Flag bit 11: names are UTF-8.
  const FLAGS = 0x0800;
  for (const [i, e] of entries.entries()) {
    offsets.push(p);
    u32(0x04034b50);
    u16(20); // version needed: 2.0
    u16(FLAGS);
    u16(0); // method: stored
    u16(time);
    u16(date);
    u32(crcs[i]);
    u32(e.bytes.length);
    u32(e.bytes.length);
    u16(names[i].length);
    u16(0);
    out.set(names[i], p);
    p += names[i].length;
    out.set(e.bytes, p);
    p += e.bytes.length;
  }
  const centralStart = p;
  for (const [i, e] of entries.entries()) {
    u32(0x02014b50);
    u16(0x0314); // made by: Unix, 2.0 (so the mode below is read)
    u16(20);
    u16(FLAGS);
    u16(0);
    u16(time);
    u16(date);
    u32(crcs[i]);
    u32(e.bytes.length);
    u32(e.bytes.length);
    u16(names[i].length);
    u16(0); // extra
    u16(0); // comment
    u16(0); // disk
    u16(0); // internal attributes
    u32((0o100644 << 16) >>> 0); // external: a regular file, rw-r--r--
    u32(offsets[i]);
    out.set(names[i], p);
    p += names[i].length;
  }
  const centralSize = p - centralStart;
  u32(0x06054b50);
  u16(0);
  u16(0);
  u16(entries.length);
  u16(entries.length);
  u32(centralSize);
  u32(centralStart);
  u16(0);
  return out;
}
