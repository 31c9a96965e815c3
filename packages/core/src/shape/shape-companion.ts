import { deflateSync, inflateSync } from "node:zlib";
import { DEFAULT_MAX_PIXELS } from "../image/decode-options.ts";
import { LibraryFormatError } from "../library/shard-format.ts";
import { POPCOUNT, rankBits, type ShapeTarget } from "./shape-target.ts";

/**
 * One target's shape data in a library, stored beside its shard (see {@link shapeCompanionKey}):
 *
 *   "CDSSHAP1" | u32 header length | header JSON | deflate(body)
 *   body: gradient | zgap bits (1 bit a pixel, LSB first) | zgap RGB of its set pixels
 *         | target signal bits
 *
 * The gradient is stored as deltas: the recipe's distances step by 0 or ±1 between
 * neighbours, so 1-byte deltas (coding 1) are exact and deflate to a few KiB; a gradient file with
 * larger steps is kept as plain 16-bit samples (coding 2). Everything is lossless: a search reads
 * back exactly the images the score needs.
 */
export const SHAPE_COMPANION_MAGIC = "CDSSHAP1";
export const SHAPE_COMPANION_VERSION = 1;

export interface ShapeCompanionHeader {
  formatVersion: number;
  width: number;
  height: number;
  /** Target threshold of the signal bits (and the zgap recipe). */
  threshold: number;
  /** Non-black zgap pixels (their RGB ends the body). */
  zgapPixels: number;
  /** 1: int8 deltas (along each row; a row's first sample from the row above's); 2: uint16 little-endian samples. */
  gradientCoding: 1 | 2;
  /** Coding 1: the first sample, which the first delta steps from. */
  gradientFirst: number;
  /** Where the two images came from: the recipe, or the source's grad/ and zgap/ files. */
  gradient: "recipe" | "file";
  zgap: "recipe" | "file";
}

/**
 * Serialises a target's shape data.
 *
 * @example
 * const bytes = encodeShapeCompanion(shapeTargetFromImages(image, defaultShapeParams), { gradient: "recipe", zgap: "recipe" });
 */
export function encodeShapeCompanion(target: ShapeTarget, origin: Pick<ShapeCompanionHeader, "gradient" | "zgap">): Uint8Array {
  const { width: W, height: H, gradient } = target;
  const N = W * H;
  const deltas = new Int8Array(N);
  let small = true;
  // Each row's first sample steps from the row above's first (the first row's from gradientFirst).
  const gradientFirst = N > 0 ? gradient[0] : 0;
  for (let y = 0; y < H && small; y++) {
    let previous = y === 0 ? gradientFirst : gradient[(y - 1) * W];
    for (let x = 0, p = y * W; x < W; x++, p++) {
      const d = gradient[p] - previous;
      if (d < -128 || d > 127) {
        small = false;
        break;
      }
      deltas[p] = d;
      previous = gradient[p];
    }
  }
  const gradientBytes = small ? new Uint8Array(deltas.buffer) : littleEndian16(gradient);
  const bits = (N + 7) >> 3;
  const body = new Uint8Array(gradientBytes.length + 2 * bits + target.zgapRgb.length);
  body.set(gradientBytes, 0);
  body.set(target.zgapBits.subarray(0, bits), gradientBytes.length);
  body.set(target.signalBits.subarray(0, bits), gradientBytes.length + bits);
  body.set(target.zgapRgb, gradientBytes.length + 2 * bits);
  const header: ShapeCompanionHeader = {
    formatVersion: SHAPE_COMPANION_VERSION,
    width: W,
    height: H,
    threshold: target.threshold,
    gradientCoding: small ? 1 : 2,
    gradientFirst,
    zgapPixels: target.zgapRgb.length / 3,
    ...origin,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const packed = deflateSync(body, { level: 6 });
  const out = new Uint8Array(12 + json.length + packed.length);
  out.set(new TextEncoder().encode(SHAPE_COMPANION_MAGIC), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(packed, 12 + json.length);
  return out;
}

/**
 * Reads a target's shape data back; a damaged or foreign object is a {@link LibraryFormatError}
 * naming `name`, and the inflated size is bounded by the header's (checked) image size. With
 * `scratch`, the gradient and rank arrays are reused from call to call (the result is then
 * valid until the next call with the same scratch).
 */
export function decodeShapeCompanion(bytes: Uint8Array, name = "shape data", scratch?: ShapeDecodeScratch): ShapeTarget & { header: ShapeCompanionHeader } {
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== SHAPE_COMPANION_MAGIC) {
    throw new LibraryFormatError(`${name} is not a target's shape data (it does not start with ${SHAPE_COMPANION_MAGIC})`);
  }
  const jsonLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint32(8, true);
  let header: ShapeCompanionHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + jsonLength))) as ShapeCompanionHeader;
  } catch (cause) {
    throw new LibraryFormatError(`${name} has a damaged header`, { cause });
  }
  const { width: W, height: H } = header;
  if (header.formatVersion !== SHAPE_COMPANION_VERSION) {
    throw new LibraryFormatError(`${name} has format version ${header.formatVersion}; this cds reads ${SHAPE_COMPANION_VERSION}: re-index with --with-shape`);
  }
  if (!Number.isInteger(W) || !Number.isInteger(H) || W < 1 || H < 1 || W * H > DEFAULT_MAX_PIXELS || (header.gradientCoding !== 1 && header.gradientCoding !== 2) ||
    (header.gradientCoding === 1 && !(Number.isInteger(header.gradientFirst) && header.gradientFirst >= 0 && header.gradientFirst <= 65535))) {
    throw new LibraryFormatError(`${name} has a damaged header`);
  }
  const N = W * H;
  const bits = (N + 7) >> 3;
  if (!Number.isInteger(header.zgapPixels) || header.zgapPixels < 0 || header.zgapPixels > N) throw new LibraryFormatError(`${name} has a damaged header`);
  const gradientLength = header.gradientCoding === 1 ? N : 2 * N;
  const expected = gradientLength + 2 * bits + 3 * header.zgapPixels;
  let body: Uint8Array;
  try {
    const inflated = inflateSync(bytes.subarray(12 + jsonLength), { maxOutputLength: expected });
    body = new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.length);
  } catch (cause) {
    throw new LibraryFormatError(`${name} is damaged (its data does not inflate to ${expected} bytes)`, { cause });
  }
  if (body.length !== expected) throw new LibraryFormatError(`${name} is truncated: ${body.length} of ${expected} bytes`);
  const gradient = scratch && scratch.gradient.length === N ? scratch.gradient : new Uint16Array(N);
  if (header.gradientCoding === 1) {
    const deltas = new Int8Array(body.buffer, body.byteOffset, N);
    let rowStart = header.gradientFirst;
    for (let y = 0; y < H; y++) {
      let value = rowStart;
      for (let p = y * W, end = p + W; p < end; p++) {
        value += deltas[p];
        gradient[p] = value;
      }
      rowStart = gradient[y * W];
    }
  } else {
    for (let p = 0; p < N; p++) gradient[p] = body[2 * p] | (body[2 * p + 1] << 8);
  }
  const zgapBits = body.subarray(gradientLength, gradientLength + bits);
  const signalBits = body.subarray(gradientLength + bits, gradientLength + 2 * bits);
  const zgapRgb = body.subarray(gradientLength + 2 * bits);
  const rank = scratch && scratch.rank.length === bits ? scratch.rank : new Uint32Array(bits);
  rankBits(zgapBits, rank);
  if (scratch) {
    scratch.gradient = gradient;
    scratch.rank = rank;
  }
  if (rank[bits - 1] + POPCOUNT[zgapBits[bits - 1]] !== header.zgapPixels) throw new LibraryFormatError(`${name} is damaged (its zgap pixel count is wrong)`);
  return { width: W, height: H, gradient, zgapBits, zgapRank: rank, zgapRgb, signalBits, threshold: header.threshold, header };
}

/** Arrays {@link decodeShapeCompanion} may reuse; start with {@link createShapeDecodeScratch}. */
export interface ShapeDecodeScratch {
  gradient: Uint16Array;
  rank: Uint32Array;
}

export function createShapeDecodeScratch(): ShapeDecodeScratch {
  return { gradient: new Uint16Array(0), rank: new Uint32Array(0) };
}

/**
 * Key of the shape data of item `k` of the shard at `shardKey`, beside it:
 * `data/b1/05/shard-000037.bin` → `data/b1/05/shard-000037.shape/0012.bin`. One object per
 * target, because the shape stage reads a few hundred targets scattered over the shards.
 */
export function shapeCompanionKey(shardKey: string, k: number): string {
  return `${shardKey.replace(/\.bin$/, "")}.shape/${String(k).padStart(4, "0")}.bin`;
}

/** What a library built `--with-shape` records about its shape data, under its build prefix. */
export interface ShapeLibraryInfo {
  formatVersion: number;
  targets: number;
  bytes: number;
  threshold: number;
  zgapRadius: number;
  /** Targets whose gradient / zgap came from grad/ and zgap/ files rather than the recipe. */
  gradientFiles: number;
  zgapFiles: number;
}

/** Where {@link ShapeLibraryInfo} lives: written before the manifest, removed with the build. */
export function shapeInfoKey(buildId: string): string {
  return `data/${buildId}/shape.json`;
}

function littleEndian16(values: Uint16Array): Uint8Array {
  const out = new Uint8Array(2 * values.length);
  for (let i = 0; i < values.length; i++) {
    out[2 * i] = values[i] & 0xff;
    out[2 * i + 1] = values[i] >> 8;
  }
  return out;
}
