/**
 * The fast scorer's inner loop as a small WebAssembly module with 128-bit SIMD: four colour
 * groups tested per instruction, with no branch on the outcome (the JavaScript loop branches
 * on every test, and on dense targets a quarter of the tests pass, unpredictably). Plain
 * WebAssembly, no native add-on: the same bytes run on x64 and on Lambda's arm64.
 *
 * The module is assembled here from its opcodes (there is no toolchain in the build), and is
 * used only where `WebAssembly.validate` accepts it; otherwise the JavaScript loop runs.
 * Exactness: the property tests compare both paths with the plain implementation.
 *
 * Memory, all little-endian i32, laid out by {@link SimdScorer}:
 *   group blocks: per footprint pixel and code sector, its groups in blocks of four as
 *     lo[4] | width[4] | unmirrored copies[4] | mirrored copies[4] (64 bytes), padded with
 *     groups that match nothing;
 *   sector starts: per footprint pixel 8 byte addresses of its first block per sector;
 *   the target's footprint indices and codes; the per-copy counts.
 *
 * `count(footprint, codes, n, sectorStarts, out, shifts)` adds each copy's matching pixels to
 * out[copy] (unmirrored shifts first), with the same bit-sliced counters as the JS loop.
 */

const I32 = 0x7f;
const V128 = 0x7b;

// Opcodes used (core and SIMD, the latter after the 0xfd prefix).
const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  i32Store: 0x36,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32LtU: 0x49,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32And: 0x71,
  i32Or: 0x72,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i32ShrU: 0x76,
} as const;
const simd = { v128Load: 0x00, shuffle: 0x0d, i32x4Splat: 0x11, i32x4ExtractLane: 0x1b, i32x4LeU: 0x3e, v128And: 0x4e, v128Or: 0x50, i32x4Sub: 0xb1 } as const;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

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

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...uleb(bytes.length), ...bytes];
}

/** The kernel's local indices: parameters 0–5, then the i32 locals, then the v128 locals. */
function kernelLocals() {
  const [fp, cd, n, ss, out, shifts] = [0, 1, 2, 3, 4, 5];
  let next = 6;
  const i = next++, c = next++, p = next++, end = next++, lo = next++, hi = next++;
  const a = [next++, next++, next++, next++];
  const b = [next++, next++, next++, next++];
  const pending = next++, carry = next++, nxt = next++, k = next++, s = next++, addr = next++;
  const i32Locals = next - 6;
  const cv = next++, accLo = next++, accHi = next++, m = next++;
  const v128Locals = next - 6 - i32Locals;
  return { fp, cd, n, ss, out, shifts, i, c, p, end, lo, hi, a, b, pending, carry, nxt, k, s, addr, cv, accLo, accHi, m, i32Locals, v128Locals };
}
type Locals = ReturnType<typeof kernelLocals>;

/** A growing function body with one helper per instruction shape used. */
function codeWriter() {
  const code: number[] = [];
  const emit = (...bytes: number[]) => code.push(...bytes);
  return {
    code,
    emit,
    get: (l: number) => emit(op.localGet, ...uleb(l)),
    set: (l: number) => emit(op.localSet, ...uleb(l)),
    tee: (l: number) => emit(op.localTee, ...uleb(l)),
    i32: (v: number) => emit(op.i32Const, ...sleb(v)),
    load: (offset = 0) => emit(op.i32Load, 2, ...uleb(offset)),
    store: (offset = 0) => emit(op.i32Store, 2, ...uleb(offset)),
    vload: (offset: number) => emit(0xfd, ...uleb(simd.v128Load), 4, ...uleb(offset)),
    v: (opcode: number) => emit(0xfd, ...uleb(opcode)),
  };
}
type CodeWriter = ReturnType<typeof codeWriter>;

/** Adds the 4-bit counters into out[] and clears them. */
function emitFlush(w: CodeWriter, L: Locals): void {
  const { emit, get, set, tee, i32, load, store } = w;
  i32(0);
  set(L.k);
  emit(op.block, 0x40, op.loop, 0x40);
  get(L.k), get(L.shifts), emit(op.i32GeU, op.brIf, 1);
  for (const [planes, base] of [[L.a, 0], [L.b, 1]] as const) {
    // addr = out + 4 · (k + base · shifts)
    get(L.out), get(L.k);
    if (base) get(L.shifts), emit(op.i32Add);
    i32(2), emit(op.i32Shl, op.i32Add);
    tee(L.addr);
    get(L.addr), load();
    planes.forEach((plane, bit) => {
      get(plane), get(L.k), emit(op.i32ShrU), i32(1), emit(op.i32And);
      if (bit > 0) i32(bit), emit(op.i32Shl);
      if (bit > 0) emit(op.i32Or);
    });
    emit(op.i32Add);
    store();
  }
  get(L.k), i32(1), emit(op.i32Add), set(L.k);
  emit(op.br, 0, op.end, op.end);
  for (const plane of [...L.a, ...L.b]) i32(0), set(plane);
  i32(0), set(L.pending);
}

/** Horizontal OR of a v128 local into an i32 local. */
function emitOrLanes(w: CodeWriter, L: Locals, from: number, to: number): void {
  const { emit, get, set, tee, v } = w;
  get(from), get(from), get(from);
  v(simd.shuffle), emit(8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
  v(simd.v128Or), tee(L.m), get(L.m), get(L.m);
  v(simd.shuffle), emit(4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11);
  v(simd.v128Or);
  v(simd.i32x4ExtractLane), emit(0);
  set(to);
}

/** The bit-sliced add of an i32 set of copies into four planes. */
function emitBitSlicedAdd(w: CodeWriter, L: Locals, bits: number, planes: readonly number[]): void {
  const { emit, get, set } = w;
  get(planes[0]), get(bits), emit(op.i32And), set(L.carry);
  get(planes[0]), get(bits), emit(op.i32Xor), set(planes[0]);
  get(planes[1]), get(L.carry), emit(op.i32And), set(L.nxt);
  get(planes[1]), get(L.carry), emit(op.i32Xor), set(planes[1]);
  get(planes[2]), get(L.nxt), emit(op.i32And), set(L.carry);
  get(planes[2]), get(L.nxt), emit(op.i32Xor), set(planes[2]);
  get(planes[3]), get(L.carry), emit(op.i32Xor), set(planes[3]);
}

/** ORs the copies of every group block in the pixel's sector that matches its code into accLo/accHi. */
function emitSectorScan(w: CodeWriter, L: Locals): void {
  const { emit, get, set, i32, vload, v } = w;
  emit(op.block, 0x40, op.loop, 0x40);
  {
    get(L.p), get(L.end), emit(op.i32GeU, op.brIf, 1);
    // m = (c − lo) ≤u width, lane by lane
    get(L.cv), get(L.p), vload(0), v(simd.i32x4Sub), get(L.p), vload(16), v(simd.i32x4LeU), set(L.m);
    get(L.accLo), get(L.p), vload(32), get(L.m), v(simd.v128And), v(simd.v128Or), set(L.accLo);
    get(L.accHi), get(L.p), vload(48), get(L.m), v(simd.v128And), v(simd.v128Or), set(L.accHi);
    get(L.p), i32(64), emit(op.i32Add), set(L.p);
    emit(op.br, 0);
  }
  emit(op.end, op.end);
}

/** The body of `count`: per target pixel, scan its sector and count the copies it matched. */
function emitCount(w: CodeWriter, L: Locals): void {
  const { emit, get, set, tee, i32, load, v } = w;
  emit(op.block, 0x40);
  get(L.n), emit(op.i32Eqz, op.brIf, 0);
  emit(op.loop, 0x40);
  {
    // c = codes[i]; s = ss + 4 · (8 · footprint[i] + (c >>> 15))
    get(L.cd), get(L.i), i32(2), emit(op.i32Shl, op.i32Add), load(), set(L.c);
    get(L.fp), get(L.i), i32(2), emit(op.i32Shl, op.i32Add), load(), i32(3), emit(op.i32Shl);
    get(L.c), i32(15), emit(op.i32ShrU, op.i32Add), i32(2), emit(op.i32Shl), get(L.ss), emit(op.i32Add), set(L.s);
    get(L.s), load(0), set(L.p);
    get(L.s), load(4), set(L.end);
    get(L.c), v(simd.i32x4Splat), set(L.cv);
    i32(0), v(simd.i32x4Splat), set(L.accLo);
    i32(0), v(simd.i32x4Splat), set(L.accHi);
    emitSectorScan(w, L);
    emitOrLanes(w, L, L.accLo, L.lo);
    emitOrLanes(w, L, L.accHi, L.hi);
    get(L.lo), get(L.hi), emit(op.i32Or, op.if, 0x40);
    {
      emitBitSlicedAdd(w, L, L.lo, L.a);
      emitBitSlicedAdd(w, L, L.hi, L.b);
      get(L.pending), i32(1), emit(op.i32Add), tee(L.pending), i32(15), emit(op.i32Eq, op.if, 0x40);
      emitFlush(w, L);
      emit(op.end);
    }
    emit(op.end);
    get(L.i), i32(1), emit(op.i32Add), tee(L.i), get(L.n), emit(op.i32LtU, op.brIf, 0);
  }
  emit(op.end, op.end);
  emitFlush(w, L);
  emit(op.end);
}

/** Builds the module's bytes. */
function moduleBytes(): Uint8Array {
  const L = kernelLocals();
  const w = codeWriter();
  emitCount(w, L);
  const body = [...uleb(2), ...uleb(L.i32Locals), I32, ...uleb(L.v128Locals), V128, ...w.code];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 6, I32, I32, I32, I32, I32, I32, 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, 1]),
    ...section(7, [2, ...name("memory"), 0x02, 0, ...name("count"), 0x00, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ];
  return Uint8Array.from(bytes);
}

/** The few WebAssembly types used (core compiles without DOM or Node typings). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

interface Kernel {
  memory: WasmMemory;
  count: (footprint: number, codes: number, n: number, sectorStarts: number, out: number, shifts: number) => void;
}

let kernel: Kernel | null | undefined;

/** The compiled kernel, or null where this runtime has no WebAssembly SIMD. */
export function simdKernel(): Kernel | null {
  if (kernel !== undefined) return kernel;
  kernel = null;
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  try {
    const bytes = moduleBytes();
    if (wasm && wasm.validate(bytes)) {
      const instance = new wasm.Instance(new wasm.Module(bytes));
      kernel = instance.exports as unknown as Kernel;
    }
  } catch {
    kernel = null;
  }
  return kernel;
}
