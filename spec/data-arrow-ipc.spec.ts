/**
 * A hand-written Arrow IPC stream encoder for the parquet tests, plus its own check.
 *
 * Why: parquet-wasm (arrow-rs) writes parquet the way pyarrow does (dictionary pages, snappy), but only
 * from an Arrow table, which it accepts as IPC stream bytes. apache-arrow is not a dependency, and three
 * flat columns (utf8, utf8, float64) need only a few flatbuffer tables, so they are encoded here.
 * Format: https://arrow.apache.org/docs/format/Columnar.html#serialization-and-interprocess-communication-ipc
 */
import { expect } from 'chai';
import { Compression, Table, WriterPropertiesBuilder, WriterVersion, writeParquet } from 'parquet-wasm';

type Scalar = { kind: 'u8' | 'i16' | 'i64' | 'bool'; value: number | bigint };
type FbObj =
  | { kind: 'table'; fields: (Scalar | FbObj | undefined)[] }
  | { kind: 'string'; value: string }
  | { kind: 'vec'; items: FbObj[] }
  | { kind: 'structs'; elemSize: number; count: number; bytes: Uint8Array };

const SIZE: Record<Scalar['kind'], number> = { u8: 1, bool: 1, i16: 2, i64: 8 };

class Buf {
  bytes = new Uint8Array(1024);
  len = 0;
  private ensure(n: number): void {
    if (this.len + n <= this.bytes.length) return;
    const next = new Uint8Array(Math.max(this.bytes.length * 2, this.len + n));
    next.set(this.bytes);
    this.bytes = next;
  }
  pad(align: number, mod = 0): void {
    while (this.len % align !== mod) this.put(new Uint8Array(1));
  }
  put(b: Uint8Array): number {
    this.ensure(b.length);
    const at = this.len;
    this.bytes.set(b, at);
    this.len += b.length;
    return at;
  }
  reserve(n: number): number {
    return this.put(new Uint8Array(n));
  }
  view(): DataView {
    return new DataView(this.bytes.buffer, 0, this.len);
  }
}

function isScalar(x: Scalar | FbObj): x is Scalar {
  return x.kind === 'u8' || x.kind === 'i16' || x.kind === 'i64' || x.kind === 'bool';
}

/** Writes `obj` after everything already in `b` and returns its position. Children always follow their parent. */
function writeObj(b: Buf, obj: FbObj): number {
  if (obj.kind === 'string') {
    const s = new TextEncoder().encode(obj.value);
    b.pad(4);
    const at = b.reserve(4 + s.length + 1);
    b.view().setUint32(at, s.length, true);
    b.bytes.set(s, at + 4);
    return at;
  }
  if (obj.kind === 'structs') {
    b.pad(8, 4); // elements 8-aligned after the u32 count
    const at = b.reserve(4);
    b.view().setUint32(at, obj.count, true);
    b.put(obj.bytes);
    return at;
  }
  if (obj.kind === 'vec') {
    b.pad(4);
    const at = b.reserve(4 + 4 * obj.items.length);
    b.view().setUint32(at, obj.items.length, true);
    obj.items.forEach((item, i) => {
      const child = writeObj(b, item);
      const slot = at + 4 + 4 * i;
      b.view().setUint32(slot, child - slot, true);
    });
    return at;
  }
  // Table: lay out fields after the 4-byte soffset with natural alignment relative to an 8-aligned start.
  const offsets: number[] = [];
  let size = 4;
  for (const f of obj.fields) {
    if (!f) {
      offsets.push(0);
      continue;
    }
    const n = isScalar(f) ? SIZE[f.kind] : 4;
    size = Math.ceil(size / n) * n;
    offsets.push(size);
    size += n;
  }
  size = Math.ceil(size / 8) * 8;
  b.pad(2);
  const vt = b.reserve(4 + 2 * obj.fields.length);
  b.pad(8);
  const table = b.reserve(size);
  const dv = b.view();
  dv.setUint16(vt, 4 + 2 * obj.fields.length, true);
  dv.setUint16(vt + 2, size, true);
  offsets.forEach((o, i) => dv.setUint16(vt + 4 + 2 * i, o, true));
  dv.setInt32(table, table - vt, true);
  obj.fields.forEach((f, i) => {
    if (!f) return;
    const at = table + offsets[i]!;
    if (isScalar(f)) {
      const v = b.view();
      if (f.kind === 'i64') v.setBigInt64(at, BigInt(f.value), true);
      else if (f.kind === 'i16') v.setInt16(at, Number(f.value), true);
      else v.setUint8(at, Number(f.value));
      return;
    }
    const child = writeObj(b, f);
    b.view().setUint32(at, child - at, true);
  });
  return table;
}

function finish(root: FbObj): Uint8Array {
  const b = new Buf();
  b.reserve(8); // root uoffset, padded so the root table can be 8-aligned
  const at = writeObj(b, root);
  b.view().setUint32(0, at, true);
  b.pad(8);
  return b.bytes.slice(0, b.len);
}

const u8 = (value: number): Scalar => ({ kind: 'u8', value });
const i16 = (value: number): Scalar => ({ kind: 'i16', value });
const i64 = (value: number): Scalar => ({ kind: 'i64', value });
const bool = (value: boolean): Scalar => ({ kind: 'bool', value: value ? 1 : 0 });
const table = (...fields: (Scalar | FbObj | undefined)[]): FbObj => ({ kind: 'table', fields });
const str = (value: string): FbObj => ({ kind: 'string', value });

function structs(rows: [number, number][]): FbObj {
  const bytes = new Uint8Array(rows.length * 16);
  const dv = new DataView(bytes.buffer);
  rows.forEach(([a, c], i) => {
    dv.setBigInt64(i * 16, BigInt(a), true);
    dv.setBigInt64(i * 16 + 8, BigInt(c), true);
  });
  return { kind: 'structs', elemSize: 16, count: rows.length, bytes };
}

const V5 = 4;
const HEADER_SCHEMA = 1;
const HEADER_RECORD_BATCH = 3;
const TYPE_FLOAT = 3;
const TYPE_UTF8 = 5;
const TYPE_LIST = 12;
const PRECISION_DOUBLE = 2;

/**
 * Nullable columns, as pyarrow writes them (HF datasets' parquet columns are all OPTIONAL). The list types are what
 * datasets writes for Sequence(Value("string")) / Sequence(Value("float64")): a list of nullable items.
 */
export type IpcColumn =
  | { name: string; type: 'utf8'; values: (string | null)[] }
  | { name: string; type: 'float64'; values: (number | null)[] }
  | { name: string; type: 'list<utf8>'; values: (string[] | null)[] }
  | { name: string; type: 'list<float64>'; values: (number[] | null)[] };

type FlatColumn = Extract<IpcColumn, { type: 'utf8' | 'float64' }>;

function fieldOf(name: string, type: IpcColumn['type']): FbObj {
  if (type === 'list<utf8>' || type === 'list<float64>') {
    return table(str(name), bool(true), u8(TYPE_LIST), table(), undefined, { kind: 'vec', items: [fieldOf('item', type === 'list<utf8>' ? 'utf8' : 'float64')] });
  }
  return table(str(name), bool(true), u8(type === 'utf8' ? TYPE_UTF8 : TYPE_FLOAT), type === 'utf8' ? table() : table(i16(PRECISION_DOUBLE)), undefined, { kind: 'vec', items: [] });
}

function frame(meta: Uint8Array, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + meta.length + body.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0xffffffff, true); // continuation marker
  dv.setInt32(4, meta.length, true);
  out.set(meta, 8);
  out.set(body, 8 + meta.length);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, a) => s + a.length, 0));
  let k = 0;
  for (const a of parts) {
    out.set(a, k);
    k += a.length;
  }
  return out;
}

/** Encodes one record batch as an Arrow IPC stream: schema message, batch message, end-of-stream marker. */
export function arrowIpcStream(columns: IpcColumn[]): Uint8Array {
  const n = columns[0]!.values.length;
  const fields = columns.map((c) => fieldOf(c.name, c.type));
  const schema = table(i16(0), { kind: 'vec', items: fields });
  const schemaMsg = finish(table(i16(V5), u8(HEADER_SCHEMA), schema, i64(0)));

  const parts: Uint8Array[] = [];
  const buffers: [number, number][] = [];
  const nodes: [number, number][] = [];
  let bodyLen = 0;
  const addBuffer = (bytes: Uint8Array): void => {
    const padded = new Uint8Array(Math.ceil(bytes.length / 8) * 8);
    padded.set(bytes);
    buffers.push([bodyLen, bytes.length]);
    parts.push(padded);
    bodyLen += padded.length;
  };
  // Field nodes and buffers go depth-first: a list's node, validity and offsets, then its items' as a column.
  const addColumn = (c: IpcColumn): void => {
    const len = c.values.length;
    const nulls = c.values.filter((v) => v === null).length;
    nodes.push([len, nulls]);
    const validity = new Uint8Array(nulls ? Math.ceil(len / 8) : 0);
    if (nulls) c.values.forEach((v, i) => v !== null && (validity[i >> 3]! |= 1 << (i & 7)));
    addBuffer(validity); // empty when there are no nulls, as the format allows
    if (c.type === 'list<utf8>' || c.type === 'list<float64>') {
      const lists = c.values as (unknown[] | null)[];
      const offs = new Int32Array(len + 1);
      lists.forEach((l, i) => (offs[i + 1] = offs[i]! + (l?.length ?? 0)));
      addBuffer(new Uint8Array(offs.buffer));
      const items = lists.flatMap((l) => l ?? []);
      addColumn({ name: 'item', type: c.type === 'list<utf8>' ? 'utf8' : 'float64', values: items } as FlatColumn);
      return;
    }
    if (c.type === 'utf8') {
      const enc = c.values.map((s) => new TextEncoder().encode(s ?? ''));
      const offs = new Int32Array(len + 1);
      enc.forEach((e, i) => (offs[i + 1] = offs[i]! + e.length));
      addBuffer(new Uint8Array(offs.buffer));
      addBuffer(concat(enc));
    } else {
      addBuffer(new Uint8Array(Float64Array.from(c.values, (v) => v ?? 0).buffer));
    }
  };
  for (const c of columns) addColumn(c);
  const batch = table(i64(n), structs(nodes), structs(buffers));
  const batchMsg = finish(table(i16(V5), u8(HEADER_RECORD_BATCH), batch, i64(bodyLen)));
  const eos = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
  return concat([frame(schemaMsg, new Uint8Array(0)), frame(batchMsg, concat(parts)), eos]);
}

export interface ParquetWriteOptions {
  /** Rows per row group; default: arrow-rs' default (one group for small tables). */
  rowGroupSize?: number;
  /** Data page v1 (pyarrow's default) or v2 (pyarrow data_page_version="2.0"). */
  version?: 'v1' | 'v2';
}

/** Parquet bytes written the way pyarrow / HF datasets write them: snappy, dictionary-encoded, OPTIONAL columns. */
export function parquetLikePyarrow(columns: IpcColumn[], opts: ParquetWriteOptions = {}): Uint8Array {
  let b = new WriterPropertiesBuilder()
    .setCompression(Compression.SNAPPY)
    .setDictionaryEnabled(true)
    .setWriterVersion(opts.version === 'v2' ? WriterVersion.V2 : WriterVersion.V1);
  if (opts.rowGroupSize) b = b.setMaxRowGroupSize(opts.rowGroupSize);
  return writeParquet(Table.fromIPCStream(arrowIpcStream(columns)), b.build());
}

describe('data: Arrow IPC test encoder', () => {
  it('writes a stream that arrow-rs (parquet-wasm) reads: one batch, the rows, the columns by name', () => {
    const ipc = arrowIpcStream([
      { name: 'sentence1', type: 'utf8', values: ['a "b"', ' x ', null] },
      { name: 'score', type: 'float64', values: [0.5, null, 1] },
    ]);
    const t = Table.fromIPCStream(ipc);
    expect(t.numBatches).to.equal(1);
    const batch = t.recordBatch(0)!;
    expect([batch.numRows, batch.numColumns]).to.deep.equal([3, 2]);
    expect([t.schema.indexOf('sentence1'), t.schema.indexOf('score')]).to.deep.equal([0, 1]);
    batch.free();
    t.free();
  });
});
