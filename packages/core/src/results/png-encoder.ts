import { crc32, deflateSync } from "node:zlib";
import { ParameterError } from "../errors.ts";
import type { RgbImage } from "../image/rgb-image.ts";

/**
 * Row filtering: `"none"` writes every row unfiltered (fastest); `"adaptive"` picks, per row,
 * the filter with the smallest sum of absolute (signed) residuals, libpng's heuristic. On real
 * CDMs from the reference data adaptive came out 8–14 % smaller; on synthetic CDMs, whose
 * background is noise, "none" deflates better.
 */
export type PngRowFilter = "none" | "adaptive";

/** Options of {@link encodePng}. */
export interface PngEncodeOptions {
  /** Default `"adaptive"`. */
  filter?: PngRowFilter;
  /** zlib level 0–9; default 6 (zlib's own default). */
  level?: number;
}

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const BYTES_PER_PIXEL = 3;
const FILTER_TYPES = 5; // None, Sub, Up, Average, Paeth

/**
 * Encodes 8-bit RGB as a PNG (truecolour, 8 bits, not interlaced), e.g. to show a CDM in
 * a results page. Lossless: decoding gives back the same bytes.
 *
 * @example
 * const png = encodePng(mask);                       // adaptive row filters
 * const uri = `data:image/png;base64,${Buffer.from(png).toString("base64")}`;
 */
export function encodePng(image: RgbImage, options: PngEncodeOptions = {}): Uint8Array {
  const { width, height, rgb } = image;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new ParameterError("image", `a PNG needs a positive whole width and height, got ${width}×${height}`);
  }
  if (rgb.length !== BYTES_PER_PIXEL * width * height) {
    throw new ParameterError("image", `a ${width}×${height} RGB image has ${3 * width * height} bytes, got ${rgb.length}`);
  }
  const level = options.level ?? 6;
  const filtered = filterRows(image, options.filter ?? "adaptive");
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type 2 (RGB), deflate, filter set 0, no interlace
  return concat([
    SIGNATURE,
    pngChunk("IHDR", header),
    pngChunk("IDAT", new Uint8Array(deflateSync(filtered, { level }))),
    pngChunk("IEND", new Uint8Array(0)),
  ]);
}

/** Each row led by its filter-type byte, as the IDAT stream carries it before deflate. */
function filterRows(image: RgbImage, filter: PngRowFilter): Uint8Array {
  const { width, height, rgb } = image;
  const rowBytes = BYTES_PER_PIXEL * width;
  const out = new Uint8Array(height * (1 + rowBytes));
  const candidate = new Uint8Array(rowBytes);
  const zeroRow = new Uint8Array(rowBytes);
  for (let y = 0; y < height; y++) {
    const row = rgb.subarray(y * rowBytes, (y + 1) * rowBytes);
    const above = y === 0 ? zeroRow : rgb.subarray((y - 1) * rowBytes, y * rowBytes);
    const at = y * (1 + rowBytes);
    if (filter === "none") {
      out[at] = 0;
      out.set(row, at + 1);
      continue;
    }
    let bestType = 0;
    let bestCost = Infinity;
    for (let type = 0; type < FILTER_TYPES; type++) {
      applyFilter(type, row, above, candidate);
      const cost = residualCost(candidate);
      if (cost < bestCost) {
        bestCost = cost;
        bestType = type;
        out.set(candidate, at + 1);
      }
    }
    out[at] = bestType;
  }
  return out;
}

function applyFilter(type: number, row: Uint8Array, above: Uint8Array, out: Uint8Array): void {
  for (let i = 0; i < row.length; i++) {
    const left = i >= BYTES_PER_PIXEL ? row[i - BYTES_PER_PIXEL] : 0;
    const up = above[i];
    const upLeft = i >= BYTES_PER_PIXEL ? above[i - BYTES_PER_PIXEL] : 0;
    let predicted: number;
    if (type === 0) predicted = 0;
    else if (type === 1) predicted = left;
    else if (type === 2) predicted = up;
    else if (type === 3) predicted = (left + up) >> 1;
    else predicted = paeth(left, up, upLeft);
    out[i] = (row[i] - predicted) & 0xff;
  }
}

/** The PNG spec's Paeth predictor (ISO 15948, 9.4), ties resolved left, then up. */
function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/** Residuals read as signed bytes: small magnitudes either side of 0 deflate well. */
function residualCost(residuals: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < residuals.length; i++) {
    const v = residuals[i];
    sum += v < 128 ? v : 256 - v;
  }
  return sum;
}

/** One PNG chunk: length, type, data and the CRC of type and data. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  // The CRC covers the type and the data, not the length.
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
