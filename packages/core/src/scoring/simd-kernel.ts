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

/** Builds the module's bytes. */
function moduleBytes(): Uint8Array {
  // Parameters 0–5, then i32 locals, then v128 locals.
  const [fp, cd, n, ss, out, shifts] = [0, 1, 2, 3, 4, 5];
  let next = 6;
  const i = next++, c = next++, p = next++, end = next++, lo = next++, hi = next++;
  const a = [next++, next++, next++, next++];
  const b = [next++, next++, next++, next++];
  const pending = next++, carry = next++, nxt = next++, k = next++, s = next++, addr = next++;
  const i32Locals = next - 6;
  const cv = next++, accLo = next++, accHi = next++, m = next++;
  const v128Locals = next - 6 - i32Locals;

  const code: number[] = [];
  const emit = (...bytes: number[]) => code.push(...bytes);
  const get = (l: number) => emit(op.localGet, ...uleb(l));
  const set = (l: number) => emit(op.localSet, ...uleb(l));
  const tee = (l: number) => emit(op.localTee, ...uleb(l));
  const i32 = (v: number) => emit(op.i32Const, ...sleb(v));
  const load = (offset = 0) => emit(op.i32Load, 2, ...uleb(offset));
  const store = (offset = 0) => emit(op.i32Store, 2, ...uleb(offset));
  const vload = (offset: number) => emit(0xfd, ...uleb(simd.v128Load), 4, ...uleb(offset));
  const v = (opcode: number) => emit(0xfd, ...uleb(opcode));

  // Adds the 4-bit counters into out[] and clears them.
  const flush = () => {
    i32(0);
    set(k);
    emit(op.block, 0x40, op.loop, 0x40);
    get(k), get(shifts), emit(op.i32GeU, op.brIf, 1);
    for (const [planes, base] of [[a, 0], [b, 1]] as const) {
      // addr = out + 4 · (k + base · shifts)
      get(out), get(k);
      if (base) get(shifts), emit(op.i32Add);
      i32(2), emit(op.i32Shl, op.i32Add);
      tee(addr);
      get(addr), load();
      planes.forEach((plane, bit) => {
        get(plane), get(k), emit(op.i32ShrU), i32(1), emit(op.i32And);
        if (bit > 0) i32(bit), emit(op.i32Shl);
        if (bit > 0) emit(op.i32Or);
      });
      emit(op.i32Add);
      store();
    }
    get(k), i32(1), emit(op.i32Add), set(k);
    emit(op.br, 0, op.end, op.end);
    for (const plane of [...a, ...b]) i32(0), set(plane);
    i32(0), set(pending);
  };
  // Horizontal OR of a v128 local into an i32 local.
  const orLanes = (from: number, to: number) => {
    get(from), get(from), get(from);
    v(simd.shuffle), emit(8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
    v(simd.v128Or), tee(m), get(m), get(m);
    v(simd.shuffle), emit(4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11);
    v(simd.v128Or);
    v(simd.i32x4ExtractLane), emit(0);
    set(to);
  };
  // The bit-sliced add of an i32 set of copies into four planes.
  const add = (bits: number, planes: readonly number[]) => {
    get(planes[0]), get(bits), emit(op.i32And), set(carry);
    get(planes[0]), get(bits), emit(op.i32Xor), set(planes[0]);
    get(planes[1]), get(carry), emit(op.i32And), set(nxt);
    get(planes[1]), get(carry), emit(op.i32Xor), set(planes[1]);
    get(planes[2]), get(nxt), emit(op.i32And), set(carry);
    get(planes[2]), get(nxt), emit(op.i32Xor), set(planes[2]);
    get(planes[3]), get(carry), emit(op.i32Xor), set(planes[3]);
  };

  emit(op.block, 0x40);
  get(n), emit(op.i32Eqz, op.brIf, 0);
  emit(op.loop, 0x40);
  {
    // c = codes[i]; s = ss + 4 · (8 · footprint[i] + (c >>> 15))
    get(cd), get(i), i32(2), emit(op.i32Shl, op.i32Add), load(), set(c);
    get(fp), get(i), i32(2), emit(op.i32Shl, op.i32Add), load(), i32(3), emit(op.i32Shl);
    get(c), i32(15), emit(op.i32ShrU, op.i32Add), i32(2), emit(op.i32Shl), get(ss), emit(op.i32Add), set(s);
    get(s), load(0), set(p);
    get(s), load(4), set(end);
    get(c), v(simd.i32x4Splat), set(cv);
    i32(0), v(simd.i32x4Splat), set(accLo);
    i32(0), v(simd.i32x4Splat), set(accHi);
    emit(op.block, 0x40, op.loop, 0x40);
    {
      get(p), get(end), emit(op.i32GeU, op.brIf, 1);
      // m = (c − lo) ≤u width, lane by lane
      get(cv), get(p), vload(0), v(simd.i32x4Sub), get(p), vload(16), v(simd.i32x4LeU), set(m);
      get(accLo), get(p), vload(32), get(m), v(simd.v128And), v(simd.v128Or), set(accLo);
      get(accHi), get(p), vload(48), get(m), v(simd.v128And), v(simd.v128Or), set(accHi);
      get(p), i32(64), emit(op.i32Add), set(p);
      emit(op.br, 0);
    }
    emit(op.end, op.end);
    orLanes(accLo, lo);
    orLanes(accHi, hi);
    get(lo), get(hi), emit(op.i32Or, op.if, 0x40);
    {
      add(lo, a);
      add(hi, b);
      get(pending), i32(1), emit(op.i32Add), tee(pending), i32(15), emit(op.i32Eq, op.if, 0x40);
      flush();
      emit(op.end);
    }
    emit(op.end);
    get(i), i32(1), emit(op.i32Add), tee(i), get(n), emit(op.i32LtU, op.brIf, 0);
  }
  emit(op.end, op.end);
  flush();
  emit(op.end);

  const body = [...uleb(2), ...uleb(i32Locals), I32, ...uleb(v128Locals), V128, ...code];
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
