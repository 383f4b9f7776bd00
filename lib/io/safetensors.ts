/**
 * safetensors reader and writer (https://github.com/huggingface/safetensors, format section).
 * Layout: u64 little-endian header length N, N bytes of JSON header, then the data buffer.
 * The header maps tensor names to {dtype, shape, data_offsets: [begin, end)} relative to the data buffer,
 * plus an optional "__metadata__" string map.
 *
 * We validate everything the format promises (bounds, contiguity, sizes, duplicates) so a truncated or corrupt
 * file fails with a message naming the file and tensor instead of producing garbage scores.
 */
import { fsp } from '../platform/index.js';
import { SafetensorsError } from '../errors.js';
import { writeFileAtomic } from '../util/fs.js';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const DTYPE_SIZE: Record<SafetensorsDtype, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

/** Same bound as the reference Rust implementation: a header over 100 MB is rejected as corrupt. */
const MAX_HEADER_BYTES = 100_000_000;

export interface TensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute byte range in the file. */
  begin: number;
  end: number;
}

/** An opened safetensors file. Tensors are converted on demand, so unused keys (lm_head.*) cost nothing. */
export class SafetensorsFile {
  private constructor(
    readonly file: string,
    private readonly bytes: Uint8Array,
    readonly tensors: ReadonlyMap<string, TensorInfo>,
    readonly metadata: Readonly<Record<string, string>>,
  ) {}

  static async open(file: string): Promise<SafetensorsFile> {
    let bytes: Uint8Array;
    try {
      const buf = await fsp.readFile(file);
      bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (e) {
      throw new SafetensorsError(file, `cannot read file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    return SafetensorsFile.fromBytes(file, bytes);
  }

  static fromBytes(file: string, bytes: Uint8Array): SafetensorsFile {
    const { tensors, metadata } = parseHeader(file, bytes);
    return new SafetensorsFile(file, bytes, tensors, metadata);
  }

  names(): string[] {
    return [...this.tensors.keys()];
  }

  info(name: string): TensorInfo {
    const t = this.tensors.get(name);
    if (!t) throw new SafetensorsError(this.file, 'no such tensor in file', name);
    return t;
  }

  /** A float tensor as float32 (F16/BF16/F64 converted). */
  getFloat32(name: string): Float32Array {
    const t = this.info(name);
    const raw = this.bytes.subarray(t.begin, t.end);
    const n = raw.byteLength / DTYPE_SIZE[t.dtype];
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    switch (t.dtype) {
      case 'F32': {
        if (raw.byteOffset % 4 === 0) return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
        const out = new Float32Array(n);
        for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
        return out;
      }
      case 'F16': {
        const out = new Float32Array(n);
        for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
        return out;
      }
      case 'BF16': {
        // bfloat16 is the top half of a float32: shift into place and reinterpret.
        const u32 = new Uint32Array(n);
        for (let i = 0; i < n; i++) u32[i] = view.getUint16(i * 2, true) << 16;
        return new Float32Array(u32.buffer);
      }
      case 'F64': {
        const out = new Float32Array(n);
        for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
        return out;
      }
      default:
        throw new SafetensorsError(this.file, `dtype ${t.dtype} is not a floating-point type`, name);
    }
  }

  /** An integer tensor (I64/I32) as int32; I64 values outside the int32 range are an error. */
  getInt32(name: string): Int32Array {
    const t = this.info(name);
    const raw = this.bytes.subarray(t.begin, t.end);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    if (t.dtype === 'I32') {
      const out = new Int32Array(raw.byteLength / 4);
      for (let i = 0; i < out.length; i++) out[i] = view.getInt32(i * 4, true);
      return out;
    }
    if (t.dtype === 'I64') {
      const out = new Int32Array(raw.byteLength / 8);
      for (let i = 0; i < out.length; i++) {
        const v = view.getBigInt64(i * 8, true);
        if (v > 2147483647n || v < -2147483648n) throw new SafetensorsError(this.file, `I64 value ${v} does not fit int32`, name);
        out[i] = Number(v);
      }
      return out;
    }
    throw new SafetensorsError(this.file, `dtype ${t.dtype} is not an integer type`, name);
  }
}

function isDtype(s: unknown): s is SafetensorsDtype {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_SIZE, s);
}

function parseHeader(file: string, bytes: Uint8Array): { tensors: Map<string, TensorInfo>; metadata: Record<string, string> } {
  if (bytes.byteLength < 8) throw new SafetensorsError(file, `file is ${bytes.byteLength} bytes, too short for the 8-byte header length (truncated?)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES)) throw new SafetensorsError(file, `header length ${n64} exceeds the ${MAX_HEADER_BYTES}-byte limit (corrupt or not a safetensors file)`);
  const n = Number(n64);
  if (8 + n > bytes.byteLength) throw new SafetensorsError(file, `header length ${n} runs past the end of the ${bytes.byteLength}-byte file (truncated?)`);
  const headerText = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(8, 8 + n));
  let header: unknown;
  try {
    header = JSON.parse(headerText);
  } catch (e) {
    throw new SafetensorsError(file, `header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new SafetensorsError(file, 'header JSON is not an object');
  const dup = firstDuplicateTopLevelKey(headerText);
  if (dup !== undefined) throw new SafetensorsError(file, 'tensor name appears twice in the header', dup);

  const dataStart = 8 + n;
  const dataLen = bytes.byteLength - dataStart;
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new SafetensorsError(file, '__metadata__ is not a string map');
      for (const [k, v] of Object.entries(entry)) if (typeof v !== 'string') throw new SafetensorsError(file, `__metadata__.${k} is not a string`);
      metadata = entry as Record<string, string>;
      continue;
    }
    if (typeof entry !== 'object' || entry === null) throw new SafetensorsError(file, 'header entry is not an object', name);
    const { dtype, shape, data_offsets: offsets } = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!isDtype(dtype)) throw new SafetensorsError(file, `unknown dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(DTYPE_SIZE).join(', ')})`, name);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new SafetensorsError(file, `shape ${JSON.stringify(shape)} is not a list of non-negative integers`, name);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw new SafetensorsError(file, `data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative integers`, name);
    }
    const [b, e] = offsets as [number, number];
    if (e < b) throw new SafetensorsError(file, `data_offsets [${b}, ${e}] end before they begin`, name);
    if (e > dataLen) throw new SafetensorsError(file, `data_offsets [${b}, ${e}] run past the ${dataLen}-byte data section (truncated?)`, name);
    const numel = (shape as number[]).reduce((a, d) => a * d, 1);
    const expected = numel * DTYPE_SIZE[dtype];
    if (e - b !== expected) {
      throw new SafetensorsError(file, `byte length ${e - b} does not match shape [${(shape as number[]).join(', ')}] × ${dtype} (${expected} bytes)`, name);
    }
    tensors.set(name, { name, dtype, shape: shape as number[], begin: dataStart + b, end: dataStart + e });
  }
  // The data section must be covered exactly, without gaps or overlaps, as the format requires.
  const sorted = [...tensors.values()].sort((x, y) => x.begin - y.begin || x.end - y.end);
  let cursor = dataStart;
  for (const t of sorted) {
    if (t.begin !== cursor) {
      const what = t.begin < cursor ? 'overlaps the previous tensor' : `leaves a gap of ${t.begin - cursor} bytes after the previous tensor`;
      throw new SafetensorsError(file, `data_offsets are not contiguous: tensor ${what}`, t.name);
    }
    cursor = t.end;
  }
  if (cursor !== bytes.byteLength) {
    throw new SafetensorsError(file, `the tensors cover ${cursor - dataStart} of ${dataLen} data bytes (trailing garbage or truncated header)`);
  }
  return { tensors, metadata };
}

/**
 * JSON.parse keeps the last of duplicate keys silently; safetensors forbids duplicates, so we scan the
 * top-level object's keys ourselves. Only string/structure tokens matter; values are skipped.
 */
function firstDuplicateTopLevelKey(json: string): string | undefined {
  const seen = new Set<string>();
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let j = i + 1;
      while (j < json.length && json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) {
        const key = JSON.parse(json.slice(i, j + 1)) as string;
        if (seen.has(key)) return key;
        seen.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === '{' || c === '[') {
      depth++;
      if (depth === 1 && c === '{') expectKey = true;
    } else if (c === '}' || c === ']') {
      depth--;
    } else if (c === ',' && depth === 1) {
      expectKey = true;
    }
  }
  return undefined;
}

/** IEEE 754 half to float. */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

export interface TensorToWrite {
  name: string;
  shape: number[];
  data: Float32Array | Int32Array;
}

/** Serialise float32/int32 tensors. The header is padded with spaces to 8 bytes, as the reference writer does. */
export function serializeSafetensors(tensors: TensorToWrite[], metadata: Record<string, string> = {}): Uint8Array {
  const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  const names = new Set<string>();
  for (const t of sorted) {
    if (names.has(t.name)) throw new SafetensorsError('<write>', 'duplicate tensor name', t.name);
    names.add(t.name);
    const numel = t.shape.reduce((a, d) => a * d, 1);
    if (numel !== t.data.length) throw new SafetensorsError('<write>', `shape [${t.shape.join(', ')}] holds ${numel} values but data has ${t.data.length}`, t.name);
    const dtype = t.data instanceof Float32Array ? 'F32' : 'I32';
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (json.byteLength % 8)) % 8;
  const headerBytes = new Uint8Array(json.byteLength + pad).fill(0x20); // spaces
  headerBytes.set(json);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.byteLength;
  for (const t of sorted) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  return out;
}

export async function writeSafetensors(file: string, tensors: TensorToWrite[], metadata: Record<string, string> = {}): Promise<void> {
  await writeFileAtomic(file, serializeSafetensors(tensors, metadata));
}
