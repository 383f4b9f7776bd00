/**
 * Just enough of the WebAssembly binary format to write the GEMM module (`module.ts`) and the AdamW kernel
 * (`../adamw.ts`): one imported memory, i32 and
 * v128 locals, structured control flow and the handful of SIMD instructions the kernels use. Written by hand so the
 * library needs no assembler (wabt and friends are build tools of their own, and the module is generated at run time
 * for the features the running engine has).
 */

/** Unsigned LEB128. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (for i32.const). */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const I32 = 0x7f;
const V128 = 0x7b;

/** A function body under construction: locals by name, instructions appended as bytes. */
export class FunctionBuilder {
  readonly params: string[];
  private readonly localTypes: number[] = [];
  private readonly index = new Map<string, number>();
  private readonly code: number[] = [];

  constructor(params: string[]) {
    this.params = params;
    params.forEach((p, i) => this.index.set(p, i));
  }

  i32Local(name: string): void {
    this.addLocal(name, I32);
  }

  v128Local(name: string): void {
    this.addLocal(name, V128);
  }

  private addLocal(name: string, type: number): void {
    if (this.index.has(name)) throw new Error(`wasm-writer: local ${name} declared twice`);
    this.index.set(name, this.params.length + this.localTypes.length);
    this.localTypes.push(type);
  }

  private local(name: string): number[] {
    const i = this.index.get(name);
    if (i === undefined) throw new Error(`wasm-writer: unknown local ${name}`);
    return uleb(i);
  }

  get(name: string): this {
    this.code.push(0x20, ...this.local(name));
    return this;
  }

  set(name: string): this {
    this.code.push(0x21, ...this.local(name));
    return this;
  }

  i32(value: number): this {
    this.code.push(0x41, ...sleb(value | 0));
    return this;
  }

  /** i32 arithmetic and comparisons, by mnemonic. */
  op(name: 'i32.add' | 'i32.sub' | 'i32.mul' | 'i32.shl' | 'i32.shr_u' | 'i32.lt_u' | 'i32.eq' | 'i32.eqz' | 'select'): this {
    const codes = { 'i32.add': 0x6a, 'i32.sub': 0x6b, 'i32.mul': 0x6c, 'i32.shl': 0x74, 'i32.shr_u': 0x76, 'i32.lt_u': 0x49, 'i32.eq': 0x46, 'i32.eqz': 0x45, select: 0x1b };
    this.code.push(codes[name]);
    return this;
  }

  /** Scalar float loads and stores (4-byte aligned hint) at a constant byte offset. */
  f32(name: 'f32.load' | 'f32.store', offset = 0): this {
    this.code.push(name === 'f32.load' ? 0x2a : 0x38, 2, ...uleb(offset));
    return this;
  }

  /** SIMD instructions, by mnemonic. Memory ones take a constant byte offset. */
  simd(name: 'v128.load' | 'v128.load32_splat' | 'v128.store', offset?: number): this;
  simd(name: 'f32x4.add' | 'f32x4.sub' | 'f32x4.mul' | 'f32x4.div' | 'f32x4.sqrt' | 'f32x4.relaxed_madd'): this;
  simd(name: string, offset = 0): this {
    const memory: Record<string, [number, number]> = { 'v128.load': [0x00, 4], 'v128.load32_splat': [0x09, 2], 'v128.store': [0x0b, 4] };
    const plain: Record<string, number> = { 'f32x4.sqrt': 0xe3, 'f32x4.add': 0xe4, 'f32x4.sub': 0xe5, 'f32x4.mul': 0xe6, 'f32x4.div': 0xe7, 'f32x4.relaxed_madd': 0x105 };
    if (name in memory) {
      const [opcode, align] = memory[name];
      // Alignment is a hint only (log2 bytes); unaligned accesses stay correct.
      this.code.push(0xfd, ...uleb(opcode), ...uleb(align), ...uleb(offset));
    } else {
      this.code.push(0xfd, ...uleb(plain[name]));
    }
    return this;
  }

  call(funcIndex: number): this {
    this.code.push(0x10, ...uleb(funcIndex));
    return this;
  }

  /** loop … end: `br_if 0` inside jumps back to the top. */
  loop(body: () => void): this {
    this.code.push(0x03, 0x40);
    body();
    this.code.push(0x0b);
    return this;
  }

  /** if … end on the i32 on the stack. */
  if(body: () => void): this {
    this.code.push(0x04, 0x40);
    body();
    this.code.push(0x0b);
    return this;
  }

  brIf(depth: number): this {
    this.code.push(0x0d, ...uleb(depth));
    return this;
  }

  /** The function's code entry: locals grouped by type, the body and its `end`. */
  encode(): number[] {
    const groups: number[][] = [];
    for (const t of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const body = [...uleb(groups.length), ...groups.flatMap(([n, t]) => [...uleb(n), t]), ...this.code, 0x0b];
    return [...uleb(body.length), ...body];
  }
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

/**
 * A module importing `env.memory` (no maximum, or the given one in 64 KiB pages) whose functions all take i32
 * parameters and return nothing; `exports` names functions by index.
 */
export function encodeModule(functions: FunctionBuilder[], exports: Record<string, number>, maxPages?: number): Uint8Array {
  const arities = [...new Set(functions.map((f) => f.params.length))];
  const types = arities.flatMap((n) => [0x60, ...uleb(n), ...new Array<number>(n).fill(I32), 0x00]);
  const limits = maxPages === undefined ? [0x00, ...uleb(1)] : [0x01, ...uleb(1), ...uleb(maxPages)];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [...uleb(arities.length), ...types]),
    ...section(2, [...uleb(1), ...name('env'), ...name('memory'), 0x02, ...limits]),
    ...section(3, [...uleb(functions.length), ...functions.flatMap((f) => uleb(arities.indexOf(f.params.length)))]),
    ...section(7, [...uleb(Object.keys(exports).length), ...Object.entries(exports).flatMap(([n, i]) => [...name(n), 0x00, ...uleb(i)])]),
    ...section(10, [...uleb(functions.length), ...functions.flatMap((f) => f.encode())]),
  ];
  return new Uint8Array(bytes);
}
