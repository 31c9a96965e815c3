import { crc32 } from "node:zlib";
import { decodeFailure } from "./image-errors.ts";

/** The IHDR fields a PNG decoder needs. */
export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  colorType: number;
  interlaced: boolean;
}

/** Signature (8) + IHDR length/type (8) + IHDR data (13) + CRC (4). */
export const PNG_IHDR_END = 33;

/** Bit depths the PNG specification allows for each colour type. */
const ALLOWED_DEPTHS: Readonly<Record<number, readonly number[]>> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

export function readUint32BE(bytes: Uint8Array, pos: number): number {
  return ((bytes[pos] << 24) | (bytes[pos + 1] << 16) | (bytes[pos + 2] << 8) | bytes[pos + 3]) >>> 0;
}

/**
 * Reads and validates IHDR, which the PNG specification requires to be the first chunk.
 * The caller has already matched the signature (possibly only partly, if the file is short).
 */
export function readPngHeader(bytes: Uint8Array, name: string | undefined): PngHeader {
  if (bytes.length < PNG_IHDR_END) {
    throw decodeFailure(
      "truncated",
      name,
      `the PNG ends after ${bytes.length} bytes, before the end of its header (IHDR); the file is truncated`,
    );
  }
  const length = readUint32BE(bytes, 8);
  const type = String.fromCharCode(bytes[12], bytes[13], bytes[14], bytes[15]);
  if (type !== "IHDR" || length !== 13) {
    throw decodeFailure("corrupt", name, `the PNG does not start with a valid IHDR chunk (found "${type}" of ${length} bytes)`);
  }
  if (crc32(bytes.subarray(12, 29)) !== readUint32BE(bytes, 29)) {
    throw decodeFailure("corrupt", name, "the PNG header (IHDR) fails its CRC check; the file is damaged");
  }
  const width = readUint32BE(bytes, 16);
  const height = readUint32BE(bytes, 20);
  const bitDepth = bytes[24];
  const colorType = bytes[25];
  const header: PngHeader = { width, height, bitDepth, colorType, interlaced: bytes[28] === 1 };
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    throw decodeFailure("corrupt", name, `the PNG header gives an invalid size of ${width}×${height} pixels`);
  }
  const depths = ALLOWED_DEPTHS[colorType];
  if (depths === undefined || !depths.includes(bitDepth)) {
    throw decodeFailure("corrupt", name, `the PNG header gives an invalid colour type ${colorType} with bit depth ${bitDepth}`);
  }
  if (bytes[26] !== 0 || bytes[27] !== 0 || bytes[28] > 1) {
    throw decodeFailure(
      "corrupt",
      name,
      `the PNG header gives unknown compression/filter/interlace methods (${bytes[26]}/${bytes[27]}/${bytes[28]})`,
    );
  }
  return header;
}
