import { crc32, inflateSync } from "node:zlib";
import type { RgbImage } from "./rgb-image.ts";
import type { DecodeOptions } from "./decode-options.ts";
import { resolveMaxPixels } from "./decode-options.ts";
import { asDecodeError, checkPixelLimit, decodeFailure, formatCount } from "./image-errors.ts";
import { sniffImageFormat } from "./image-format.ts";
import type { PngHeader } from "./png-header.ts";
import { PNG_IHDR_END, readPngHeader, readUint32BE } from "./png-header.ts";
import { unfilterPngRows } from "./png-unfilter.ts";

/** A 16-bit greyscale raster, row-major, one sample per pixel. */
export interface Gray16Image {
  width: number;
  height: number;
  data: Uint16Array;
}

/** Receives one unfiltered row: `count` pixels landing at x = x0, x0+dx, … of row y. */
type RowSink = (data: Uint8Array, pos: number, y: number, x0: number, dx: number, count: number) => void;

const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Adam7 passes as [x0, y0, dx, dy]. */
const ADAM7: readonly (readonly [number, number, number, number])[] = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/**
 * Decodes a PNG of any standard colour type and bit depth to 8-bit RGB.
 *
 * Alpha (an alpha channel or a tRNS chunk) is dropped, never composited. Depths below 8
 * are scaled to 0–255 and 16-bit samples are rounded to 8 bits with
 * `round(v × 255 / 65535)`, the same formula pngjs (and so jimp) uses; palette indices
 * past the end of PLTE read as black. Interlaced (Adam7) images are supported.
 *
 * @example
 * const { width, height, rgb } = decodePng(await readFile("mask.png"), { name: "mask.png" });
 */
export function decodePng(bytes: Uint8Array, options?: DecodeOptions): RgbImage {
  const name = options?.name;
  try {
    const header = readCheckedHeader(bytes, options);
    const palette = header.colorType === 3 ? new Uint8Array(256 * 3) : undefined;
    const rgb = new Uint8Array(header.width * header.height * 3);
    decodePngRows(bytes, header, name, rgbRowSink(header, palette, rgb), palette);
    return { width: header.width, height: header.height, rgb };
  } catch (error) {
    throw asDecodeError(error, name);
  }
}

/**
 * Decodes a 16-bit greyscale PNG, such as the "gradient" (XY distance) images of the
 * shape score, keeping all 16 bits. Grey+alpha is accepted and its alpha dropped; any
 * other colour type or depth is refused rather than silently rescaled.
 *
 * @example
 * const grad = decodeGray16Png(await readFile("grad/VT033614.png"));
 * grad.data[y * grad.width + x]; // 0…65535
 */
export function decodeGray16Png(bytes: Uint8Array, options?: DecodeOptions): Gray16Image {
  const name = options?.name;
  try {
    return decodeGray16(bytes, options);
  } catch (error) {
    throw asDecodeError(error, name);
  }
}

function decodeGray16(bytes: Uint8Array, options: DecodeOptions | undefined): Gray16Image {
  const name = options?.name;
  const header = readCheckedHeader(bytes, options);
  if (header.bitDepth !== 16 || (header.colorType !== 0 && header.colorType !== 4)) {
    throw decodeFailure(
      "unsupported",
      name,
      `it is a ${describePngType(header)} PNG, but a 16-bit greyscale PNG (a gradient image) was expected`,
    );
  }
  const data = new Uint16Array(header.width * header.height);
  decodePngRows(bytes, header, name, gray16RowSink(header, data), undefined);
  return { width: header.width, height: header.height, data };
}

/** Names a PNG's pixel layout the way people describe it, e.g. "8-bit RGBA". */
export function describePngType(header: PngHeader): string {
  const kind = ["greyscale", "", "RGB", "palette", "greyscale+alpha", "", "RGBA"][header.colorType] ?? "unknown";
  return `${header.bitDepth}-bit ${kind}`;
}

function readCheckedHeader(bytes: Uint8Array, options: DecodeOptions | undefined): PngHeader {
  const name = options?.name;
  const maxPixels = resolveMaxPixels(options);
  const format = sniffImageFormat(bytes, name);
  if (format !== "png") {
    throw decodeFailure("not-an-image", name, `it is a ${format.toUpperCase()} image, not a PNG`);
  }
  const header = readPngHeader(bytes, name);
  checkPixelLimit("PNG", header.width, header.height, maxPixels, name);
  return header;
}

/** Walks chunks, inflates the image data, unfilters each pass and hands rows to `sink`. */
function decodePngRows(
  bytes: Uint8Array,
  header: PngHeader,
  name: string | undefined,
  sink: RowSink,
  palette: Uint8Array | undefined,
): void {
  const { idat, sawEnd } = readChunks(bytes, header, name, palette);
  const bitsPerPixel = CHANNELS[header.colorType] * header.bitDepth;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const passes = header.interlaced ? ADAM7 : ([[0, 0, 1, 1]] as const);

  let expected = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const pw = passSize(header.width, x0, dx);
    const ph = passSize(header.height, y0, dy);
    if (pw > 0 && ph > 0) expected += ph * (1 + Math.ceil((pw * bitsPerPixel) / 8));
  }

  const raw = inflateImageData(idat, expected, sawEnd, name);
  let start = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const pw = passSize(header.width, x0, dx);
    const ph = passSize(header.height, y0, dy);
    if (pw === 0 || ph === 0) continue;
    const rowBytes = Math.ceil((pw * bitsPerPixel) / 8);
    const badRow = unfilterPngRows(raw, start, ph, rowBytes, bpp);
    if (badRow >= 0) {
      const filter = raw[start + badRow * (rowBytes + 1)];
      throw decodeFailure("corrupt", name, `the PNG uses an unknown row filter type ${filter}; the image data is damaged`);
    }
    for (let r = 0; r < ph; r++) sink(raw, start + r * (rowBytes + 1) + 1, y0 + r * dy, x0, dx, pw);
    start += ph * (rowBytes + 1);
  }
}

function passSize(size: number, origin: number, step: number): number {
  return size > origin ? Math.ceil((size - origin) / step) : 0;
}

/**
 * Collects IDAT data and the palette, checking that every chunk is complete and that
 * critical chunks pass their CRC. Ancillary chunks (tRNS, gAMA, text…) are skipped:
 * alpha is dropped anyway and colour management is out of scope for CDMs.
 */
function readChunks(
  bytes: Uint8Array,
  header: PngHeader,
  name: string | undefined,
  palette: Uint8Array | undefined,
): { idat: Uint8Array; sawEnd: boolean } {
  const parts: Uint8Array[] = [];
  let total = 0;
  let sawPalette = false;
  let sawEnd = false;
  let pos = PNG_IHDR_END;
  while (pos < bytes.length && !sawEnd) {
    if (pos + 8 > bytes.length) {
      throw decodeFailure("truncated", name, `the PNG ends inside a chunk header at byte ${formatCount(pos)}; the file is truncated`);
    }
    const length = readUint32BE(bytes, pos);
    const type = String.fromCharCode(bytes[pos + 4], bytes[pos + 5], bytes[pos + 6], bytes[pos + 7]);
    const dataStart = pos + 8;
    const dataEnd = dataStart + length;
    if (length > 0x7fffffff) {
      throw decodeFailure("corrupt", name, `the PNG chunk "${type}" at byte ${formatCount(pos)} claims an impossible length`);
    }
    if (dataEnd + 4 > bytes.length) {
      throw decodeFailure(
        "truncated",
        name,
        `the PNG ends inside its ${type} chunk: the chunk needs ${formatCount(dataEnd + 4)} bytes ` +
          `but the file has only ${formatCount(bytes.length)}; the file is truncated`,
      );
    }
    const critical = (bytes[pos + 4] & 0x20) === 0;
    if (critical && crc32(bytes.subarray(pos + 4, dataEnd)) !== readUint32BE(bytes, dataEnd)) {
      throw decodeFailure("corrupt", name, `the PNG's ${type} chunk at byte ${formatCount(pos)} fails its CRC check; the file is damaged`);
    }
    switch (type) {
      case "IDAT":
        parts.push(bytes.subarray(dataStart, dataEnd));
        total += length;
        break;
      case "PLTE":
        if (length % 3 !== 0 || length === 0 || length > 768) {
          throw decodeFailure("corrupt", name, `the PNG palette (PLTE) has an invalid length of ${length} bytes`);
        }
        palette?.set(bytes.subarray(dataStart, dataEnd));
        sawPalette = true;
        break;
      case "IEND":
        sawEnd = true;
        break;
      case "IHDR":
        throw decodeFailure("corrupt", name, `the PNG has a second IHDR chunk at byte ${formatCount(pos)}`);
      default:
        if (critical) {
          throw decodeFailure("unsupported", name, `the PNG has an unknown critical chunk "${type}", which this decoder cannot skip`);
        }
    }
    pos = dataEnd + 4;
  }
  if (header.colorType === 3 && !sawPalette) {
    throw decodeFailure("corrupt", name, "the PNG uses a palette but has no PLTE chunk");
  }
  if (total === 0) {
    throw sawEnd
      ? decodeFailure("corrupt", name, "the PNG has no image data (no IDAT chunk)")
      : decodeFailure("truncated", name, "the PNG ends before its image data (IDAT); the file is truncated");
  }
  if (parts.length === 1) return { idat: parts[0], sawEnd };
  const idat = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    idat.set(part, offset);
    offset += part.length;
  }
  return { idat, sawEnd };
}

/** Inflates exactly `expected` bytes; zlib's own limit stops a stream that holds more. */
function inflateImageData(idat: Uint8Array, expected: number, sawEnd: boolean, name: string | undefined): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = inflateSync(idat, { maxOutputLength: expected });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_BUFFER_TOO_LARGE") {
      throw decodeFailure("corrupt", name, `its compressed image data holds more than the ${formatCount(expected)} bytes its header implies`, error);
    }
    if (code === "Z_BUF_ERROR" && !sawEnd) {
      throw decodeFailure("truncated", name, "its compressed image data stops early and the PNG has no IEND chunk; the file is truncated", error);
    }
    const message = error instanceof Error ? error.message : String(error);
    throw decodeFailure("corrupt", name, `its compressed image data is damaged (zlib: ${message})`, error);
  }
  if (raw.length < expected) {
    throw decodeFailure(
      sawEnd ? "corrupt" : "truncated",
      name,
      `its image data holds ${formatCount(raw.length)} of the ${formatCount(expected)} bytes its header implies` +
        (sawEnd ? "" : "; the file is truncated"),
    );
  }
  return raw;
}

/** round(v × 255 / 65535) for a big-endian sample, pngjs's rescaling, in integer arithmetic. */
function to8(data: Uint8Array, q: number): number {
  return ((((data[q] << 8) | data[q + 1]) + 128) / 257) | 0;
}

function rgbRowSink(header: PngHeader, palette: Uint8Array | undefined, out: Uint8Array): RowSink {
  const width = header.width;
  const depth = header.bitDepth;
  const colorType = header.colorType;
  const channels = CHANNELS[colorType];
  if (colorType === 3) {
    const lut = palette ?? new Uint8Array(768);
    const mask = (1 << depth) - 1;
    return (data, pos, y, x0, dx, count) => {
      let o = (y * width + x0) * 3;
      const step = dx * 3;
      for (let i = 0; i < count; i++, o += step) {
        const index = depth === 8 ? data[pos + i] : (data[pos + ((i * depth) >> 3)] >> (8 - depth - ((i * depth) & 7))) & mask;
        const p = index * 3;
        out[o] = lut[p];
        out[o + 1] = lut[p + 1];
        out[o + 2] = lut[p + 2];
      }
    };
  }
  if (depth < 8) {
    // Only greyscale allows depths below 8 (besides palette); scale so the maximum is 255.
    const mask = (1 << depth) - 1;
    const scale = 255 / mask;
    return (data, pos, y, x0, dx, count) => {
      let o = (y * width + x0) * 3;
      const step = dx * 3;
      for (let i = 0; i < count; i++, o += step) {
        const v = ((data[pos + ((i * depth) >> 3)] >> (8 - depth - ((i * depth) & 7))) & mask) * scale;
        out[o] = v;
        out[o + 1] = v;
        out[o + 2] = v;
      }
    };
  }
  const isColour = (colorType & 2) !== 0;
  if (depth === 8) {
    if (colorType === 2) {
      return (data, pos, y, x0, dx, count) => {
        const o = (y * width + x0) * 3;
        if (dx === 1) {
          out.set(data.subarray(pos, pos + count * 3), o);
          return;
        }
        const step = dx * 3;
        for (let i = 0, q = pos, p = o; i < count; i++, q += 3, p += step) {
          out[p] = data[q];
          out[p + 1] = data[q + 1];
          out[p + 2] = data[q + 2];
        }
      };
    }
    return (data, pos, y, x0, dx, count) => {
      const step = dx * 3;
      for (let i = 0, q = pos, p = (y * width + x0) * 3; i < count; i++, q += channels, p += step) {
        const r = data[q];
        out[p] = r;
        out[p + 1] = isColour ? data[q + 1] : r;
        out[p + 2] = isColour ? data[q + 2] : r;
      }
    };
  }
  const bytesPerPixel = channels * 2;
  return (data, pos, y, x0, dx, count) => {
    const step = dx * 3;
    for (let i = 0, q = pos, p = (y * width + x0) * 3; i < count; i++, q += bytesPerPixel, p += step) {
      const r = to8(data, q);
      out[p] = r;
      out[p + 1] = isColour ? to8(data, q + 2) : r;
      out[p + 2] = isColour ? to8(data, q + 4) : r;
    }
  };
}

function gray16RowSink(header: PngHeader, out: Uint16Array): RowSink {
  const width = header.width;
  const bytesPerPixel = header.colorType === 4 ? 4 : 2;
  return (data, pos, y, x0, dx, count) => {
    for (let i = 0, q = pos, p = y * width + x0; i < count; i++, q += bytesPerPixel, p += dx) {
      out[p] = (data[q] << 8) | data[q + 1];
    }
  };
}
