import { inflateSync } from "node:zlib";
import { ImageDecodeError, ParameterError } from "../errors.ts";
import type { RgbImage } from "./rgb-image.ts";
import type { DecodeOptions } from "./decode-options.ts";
import { resolveMaxPixels } from "./decode-options.ts";
import { asDecodeError, checkPixelLimit, decodeFailure, formatCount } from "./image-errors.ts";
import { sniffImageFormat } from "./image-format.ts";
import { decodeLzw } from "./lzw.ts";
import { decodePackBits } from "./packbits.ts";
import type { TiffDirectory } from "./tiff-directory.ts";
import { fieldValue, readTiffDirectory } from "./tiff-directory.ts";

/** How decoded samples become RGB. */
type PixelLayout = "rgb" | "rgb-extra" | "grey" | "grey-inverted" | "palette";

const COMPRESSION_NAMES: Readonly<Record<number, string>> = {
  1: "none",
  2: "CCITT modified Huffman RLE",
  3: "CCITT Group 3 fax",
  4: "CCITT Group 4 fax",
  5: "LZW",
  6: "old-style JPEG",
  7: "JPEG",
  8: "Deflate",
  32773: "PackBits",
  32946: "Deflate",
  34712: "JPEG 2000",
  34887: "LERC",
  34925: "LZMA",
  50000: "Zstandard",
  50001: "WebP",
};

const SUPPORTED_COMPRESSIONS = "1 (none), 5 (LZW), 8 or 32946 (Deflate) and 32773 (PackBits)";

const PHOTOMETRIC_NAMES: Readonly<Record<number, string>> = {
  4: "transparency mask",
  5: "CMYK (separated)",
  6: "YCbCr",
  8: "CIE L*a*b*",
  9: "ICC L*a*b*",
  10: "ITU L*a*b*",
  32844: "LogL",
  32845: "LogLuv",
};

/** Everything the strip loop needs, worked out and validated before any raster exists. */
interface TiffPlan {
  dir: TiffDirectory;
  width: number;
  height: number;
  compression: number;
  layout: PixelLayout;
  samplesPerPixel: number;
  rowsPerStrip: number;
  stripCount: number;
  predictor: boolean;
  palette: Uint8Array | undefined;
}

/**
 * Strip-sized scratch for layouts that are not plain RGB, kept between calls because a
 * search decodes thousands of same-sized targets. Capped so one odd image does not pin
 * a large buffer for the life of the process.
 */
let scratch = new Uint8Array(0);
const SCRATCH_KEEP_LIMIT = 8 * 1024 * 1024;

/**
 * Decodes the first image of a TIFF to 8-bit RGB.
 *
 * Supports little- and big-endian files with strips; compression none, PackBits, LZW
 * (with or without horizontal predictor) and Deflate; 8-bit RGB (extra samples such as
 * alpha are dropped), BlackIsZero/WhiteIsZero grey and palette images. Tiles, separate
 * colour planes, bit depths other than 8 and other compressions throw
 * ImageDecodeError("unsupported") naming what is missing. The Orientation tag is ignored:
 * CDMs are aligned to a template, so rows are taken as stored.
 *
 * @example
 * const target = decodeTiff(await readFile("VT033614.tif"), { name: "VT033614.tif" });
 * target.rgb[3 * (y * target.width + x)]; // red at (x, y)
 */
export function decodeTiff(bytes: Uint8Array, options?: DecodeOptions): RgbImage {
  try {
    const plan = planTiffDecode(bytes, options);
    const rgb = new Uint8Array(plan.width * plan.height * 3);
    decodeStrips(bytes, plan, rgb, options?.name);
    return { width: plan.width, height: plan.height, rgb };
  } catch (error) {
    throw asDecodeError(error, options?.name);
  }
}

/**
 * Like {@link decodeTiff} but writes into a caller-owned buffer, so a scan over many
 * same-sized targets allocates nothing per image. `out` must hold at least
 * `3 × width × height` bytes (extra bytes are left untouched); use
 * {@link readImageHeader} first if the size is not known. If decoding fails, `out` may
 * hold part of the image.
 *
 * @example
 * const out = new Uint8Array(1210 * 566 * 3);
 * for (const bytes of targets) {
 *   const { width, height } = decodeTiffInto(bytes, out);
 *   score(out, width, height);
 * }
 */
export function decodeTiffInto(
  bytes: Uint8Array,
  out: Uint8Array,
  options?: DecodeOptions,
): { width: number; height: number } {
  try {
    const plan = planTiffDecode(bytes, options);
    const needed = plan.width * plan.height * 3;
    if (out.length < needed) {
      throw new ParameterError(
        "out",
        `the output buffer holds ${formatCount(out.length)} bytes but ${plan.width}×${plan.height} RGB needs ${formatCount(needed)}`,
      );
    }
    decodeStrips(bytes, plan, out, options?.name);
    return { width: plan.width, height: plan.height };
  } catch (error) {
    throw asDecodeError(error, options?.name);
  }
}

function planTiffDecode(bytes: Uint8Array, options: DecodeOptions | undefined): TiffPlan {
  const name = options?.name;
  const maxPixels = resolveMaxPixels(options);
  const format = sniffImageFormat(bytes, name);
  if (format !== "tiff") {
    throw decodeFailure("not-an-image", name, `it is a ${format.toUpperCase()} image, not a TIFF`);
  }
  const dir = readTiffDirectory(bytes, name);
  checkPixelLimit("TIFF", dir.width, dir.height, maxPixels, name);
  const unsupported = (what: string): ImageDecodeError =>
    decodeFailure("unsupported", name, `${what}, which is not supported`);

  if (dir.tiled) throw unsupported("the TIFF is stored in tiles (only strip-based TIFFs can be read)");
  const compression = dir.compression;
  if (compression !== 1 && compression !== 5 && compression !== 8 && compression !== 32946 && compression !== 32773) {
    const known = COMPRESSION_NAMES[compression];
    throw decodeFailure(
      "unsupported",
      name,
      `it uses TIFF compression ${compression}${known === undefined ? "" : ` (${known})`}, which is not supported; ` +
        `supported compressions are ${SUPPORTED_COMPRESSIONS}`,
    );
  }
  const samplesPerPixel = dir.samplesPerPixel;
  if (samplesPerPixel < 1) throw decodeFailure("corrupt", name, "the TIFF says it has 0 samples per pixel");
  if (dir.planarConfiguration === 2 && samplesPerPixel > 1) {
    throw unsupported("the TIFF stores each colour in a separate plane (PlanarConfiguration 2; only interleaved samples can be read)");
  }
  for (let i = 0; i < samplesPerPixel; i++) {
    const bits = dir.bitsPerSample === undefined ? 1 : fieldValue(dir, dir.bitsPerSample, Math.min(i, dir.bitsPerSample.count - 1));
    if (bits !== 8) throw unsupported(`the TIFF has ${bits} bits per sample (only 8-bit TIFFs can be read)`);
    const sampleFormat = dir.sampleFormat === undefined ? 1 : fieldValue(dir, dir.sampleFormat, Math.min(i, dir.sampleFormat.count - 1));
    if (sampleFormat !== 1) {
      throw unsupported(`the TIFF stores ${sampleFormat === 2 ? "signed" : sampleFormat === 3 ? "floating-point" : "unknown-format"} samples (only unsigned 8-bit samples can be read)`);
    }
  }
  if (dir.fillOrder !== 1) throw unsupported(`the TIFF uses FillOrder ${dir.fillOrder} (bit-reversed bytes)`);
  if (dir.predictor !== 1 && dir.predictor !== 2) {
    throw unsupported(`the TIFF uses predictor ${dir.predictor}${dir.predictor === 3 ? " (floating point)" : ""}; only none (1) and horizontal (2) are supported`);
  }

  // Files without PhotometricInterpretation exist in the wild; libtiff infers it the same way.
  const photometric = dir.photometric >= 0 ? dir.photometric : samplesPerPixel >= 3 ? 2 : 1;
  let layout: PixelLayout;
  let palette: Uint8Array | undefined;
  switch (photometric) {
    case 0:
    case 1:
      layout = photometric === 0 ? "grey-inverted" : "grey";
      break;
    case 2:
      if (samplesPerPixel < 3) throw decodeFailure("corrupt", name, `the TIFF is RGB but has only ${samplesPerPixel} sample(s) per pixel`);
      layout = samplesPerPixel === 3 ? "rgb" : "rgb-extra";
      break;
    case 3:
      palette = readPalette(dir, name);
      layout = "palette";
      break;
    default: {
      const known = PHOTOMETRIC_NAMES[photometric];
      throw unsupported(
        `the TIFF uses PhotometricInterpretation ${photometric}${known === undefined ? "" : ` (${known})`}; ` +
          "only RGB, greyscale and palette images can be read",
      );
    }
  }

  const rowsPerStrip = Math.min(Math.max(dir.rowsPerStrip, 1), dir.height);
  const stripCount = Math.ceil(dir.height / rowsPerStrip);
  checkStrips(bytes, dir, stripCount, name);
  return {
    dir,
    width: dir.width,
    height: dir.height,
    compression,
    layout,
    samplesPerPixel,
    rowsPerStrip,
    stripCount,
    predictor: dir.predictor === 2 && (compression === 5 || compression === 8 || compression === 32946),
    palette,
  };
}

/** Every strip must lie inside the file: checked up front so a cut file fails before any work. */
function checkStrips(bytes: Uint8Array, dir: TiffDirectory, stripCount: number, name: string | undefined): void {
  const offsets = dir.stripOffsets;
  if (offsets === undefined) throw decodeFailure("corrupt", name, "the TIFF's image directory has no StripOffsets tag");
  const counts = dir.stripByteCounts;
  if (offsets.count < stripCount || (counts !== undefined && counts.count < stripCount)) {
    throw decodeFailure(
      "corrupt",
      name,
      `the TIFF needs ${stripCount} strips for its ${dir.height} rows but lists only ${Math.min(offsets.count, counts?.count ?? offsets.count)}`,
    );
  }
  for (let strip = 0; strip < stripCount; strip++) {
    const start = fieldValue(dir, offsets, strip);
    const length = counts === undefined ? 0 : fieldValue(dir, counts, strip);
    if (Number.isNaN(start) || Number.isNaN(length)) {
      throw decodeFailure("corrupt", name, "the TIFF's strip offsets or byte counts are not integers");
    }
    if (start + length > bytes.length) {
      throw decodeFailure(
        "truncated",
        name,
        `strip ${strip + 1} of ${stripCount} needs bytes ${formatCount(start)}–${formatCount(start + length)} ` +
          `but the file has only ${formatCount(bytes.length)} bytes; the file is truncated`,
      );
    }
  }
}

/** TIFF colour maps hold 16-bit values; rounded to 8 bits exactly as 16-bit PNG samples are. */
function readPalette(dir: TiffDirectory, name: string | undefined): Uint8Array {
  const map = dir.colorMap;
  if (map === undefined || map.count < 3 * 256) {
    throw decodeFailure("corrupt", name, `the TIFF is a palette image but its ColorMap ${map === undefined ? "is missing" : `has only ${map.count} of 768 entries`}`);
  }
  const palette = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    for (let c = 0; c < 3; c++) palette[i * 3 + c] = ((fieldValue(dir, map, c * 256 + i) + 128) / 257) | 0;
  }
  return palette;
}

function decodeStrips(bytes: Uint8Array, plan: TiffPlan, out: Uint8Array, name: string | undefined): void {
  const { dir, width, height, rowsPerStrip, samplesPerPixel, layout, compression, stripCount } = plan;
  const offsets = dir.stripOffsets!;
  const counts = dir.stripByteCounts;
  const rowBytes = width * samplesPerPixel;
  const direct = layout === "rgb";
  const buffer = direct || compression === 1 ? out : scratchOf(rowsPerStrip * rowBytes);

  for (let strip = 0; strip < stripCount; strip++) {
    const firstRow = strip * rowsPerStrip;
    const rows = Math.min(rowsPerStrip, height - firstRow);
    const stripBytes = rows * rowBytes;
    const start = fieldValue(dir, offsets, strip);
    // Without StripByteCounts a strip can only be assumed to run to the end of the file.
    const end = counts === undefined ? bytes.length : start + fieldValue(dir, counts, strip);
    const outPos = firstRow * width * 3;

    if (compression === 1) {
      if (end - start < stripBytes) {
        throw decodeFailure(
          "corrupt",
          name,
          `strip ${strip + 1} of ${stripCount} holds ${formatCount(end - start)} bytes but its ${rows} rows need ${formatCount(stripBytes)}`,
        );
      }
      if (direct) out.set(bytes.subarray(start, start + stripBytes), outPos);
      else toRgb(bytes, start, rows * width, plan, out, outPos);
      continue;
    }

    const targetPos = direct ? outPos : 0;
    let reached: number;
    try {
      reached = decompressStrip(bytes, start, end, compression, buffer, targetPos, targetPos + stripBytes);
    } catch (error) {
      if (error instanceof ImageDecodeError) {
        throw decodeFailure(error.problem, name, `strip ${strip + 1} of ${stripCount}: ${error.message}`, error);
      }
      throw error;
    }
    if (reached < targetPos + stripBytes) {
      throw decodeFailure(
        "truncated",
        name,
        `strip ${strip + 1} of ${stripCount} decodes to ${formatCount(reached - targetPos)} of the ${formatCount(stripBytes)} bytes ` +
          `its ${rows} rows need; its compressed data is cut short`,
      );
    }
    if (plan.predictor) undoHorizontalPredictor(buffer, targetPos, rows, rowBytes, samplesPerPixel);
    if (!direct) toRgb(buffer, 0, rows * width, plan, out, outPos);
  }
}

function scratchOf(size: number): Uint8Array {
  if (scratch.length >= size) return scratch;
  const buffer = new Uint8Array(size);
  if (size <= SCRATCH_KEEP_LIMIT) scratch = buffer;
  return buffer;
}

function decompressStrip(
  bytes: Uint8Array,
  start: number,
  end: number,
  compression: number,
  target: Uint8Array,
  from: number,
  to: number,
): number {
  switch (compression) {
    case 32773:
      return decodePackBits(bytes, start, end, target, from, to);
    case 5:
      return decodeLzw(bytes, start, end, target, from, to);
    default:
      return inflateStrip(bytes.subarray(start, end), target, from, to);
  }
}

function inflateStrip(data: Uint8Array, target: Uint8Array, from: number, to: number): number {
  let inflated: Uint8Array;
  try {
    inflated = inflateSync(data, { maxOutputLength: to - from });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_BUFFER_TOO_LARGE") {
      // zlib stops at the strip size, so a strip that inflates to more cannot grow memory.
      throw new ImageDecodeError("corrupt", `its Deflate data holds more than the ${formatCount(to - from)} bytes the strip needs`, { cause: error });
    }
    if (code === "Z_BUF_ERROR") {
      throw new ImageDecodeError("truncated", "its Deflate data stops early", { cause: error });
    }
    const message = error instanceof Error ? error.message : String(error);
    throw new ImageDecodeError("corrupt", `its Deflate data is damaged (zlib: ${message})`, { cause: error });
  }
  target.set(inflated, from);
  return from + inflated.length;
}

/** Horizontal differencing (Predictor 2): each sample is stored as the difference from the same sample of the pixel to its left. */
function undoHorizontalPredictor(data: Uint8Array, start: number, rows: number, rowBytes: number, samplesPerPixel: number): void {
  for (let r = 0; r < rows; r++) {
    const rowStart = start + r * rowBytes;
    const rowEnd = rowStart + rowBytes;
    for (let i = rowStart + samplesPerPixel; i < rowEnd; i++) data[i] += data[i - samplesPerPixel];
  }
}

function toRgb(src: Uint8Array, srcPos: number, pixels: number, plan: TiffPlan, out: Uint8Array, outPos: number): void {
  const spp = plan.samplesPerPixel;
  let s = srcPos;
  let o = outPos;
  const end = outPos + pixels * 3;
  switch (plan.layout) {
    case "rgb":
    case "rgb-extra":
      for (; o < end; o += 3, s += spp) {
        out[o] = src[s];
        out[o + 1] = src[s + 1];
        out[o + 2] = src[s + 2];
      }
      break;
    case "grey":
      for (; o < end; o += 3, s += spp) {
        const v = src[s];
        out[o] = v;
        out[o + 1] = v;
        out[o + 2] = v;
      }
      break;
    case "grey-inverted":
      for (; o < end; o += 3, s += spp) {
        const v = 255 - src[s];
        out[o] = v;
        out[o + 1] = v;
        out[o + 2] = v;
      }
      break;
    case "palette": {
      const lut = plan.palette!;
      for (; o < end; o += 3, s += spp) {
        const p = src[s] * 3;
        out[o] = lut[p];
        out[o + 1] = lut[p + 1];
        out[o + 2] = lut[p + 2];
      }
      break;
    }
  }
}
