import type { RgbImage } from "./rgb-image.ts";
import type { DecodeOptions } from "./decode-options.ts";
import { resolveMaxPixels } from "./decode-options.ts";
import { checkPixelLimit, decodeFailure } from "./image-errors.ts";
import { sniffImageFormat } from "./image-format.ts";
import { findJpegScan, readJpegHeader } from "./jpeg-header.ts";

/** Coding processes jimp's decoder (jpeg-js) cannot read, named for the error message. */
const UNSUPPORTED_PROCESSES: Readonly<Record<number, string>> = {
  0xc3: "lossless",
  0xc5: "differential sequential (hierarchical)",
  0xc6: "differential progressive (hierarchical)",
  0xc7: "differential lossless (hierarchical)",
  0xc9: "arithmetic-coded sequential",
  0xca: "arithmetic-coded progressive",
  0xcb: "arithmetic-coded lossless",
  0xcd: "arithmetic-coded differential sequential",
  0xce: "arithmetic-coded differential progressive",
  0xcf: "arithmetic-coded differential lossless",
};

const EOI = Uint8Array.of(0xff, 0xd9);

/**
 * Decodes a baseline or progressive JPEG to 8-bit RGB through jimp (jpeg-js). Like jimp,
 * it applies the EXIF Orientation tag, so the result is the picture as viewers show it.
 * CDMs should not be JPEGs (lossy compression shifts the colours that encode depth);
 * this exists so a mistaken upload decodes or fails with a clear reason.
 *
 * @example
 * const { width, height, rgb } = await decodeJpeg(bytes, { name: "mask.jpg" });
 */
export async function decodeJpeg(bytes: Uint8Array, options?: DecodeOptions): Promise<RgbImage> {
  const name = options?.name;
  const maxPixels = resolveMaxPixels(options);
  const format = sniffImageFormat(bytes, name);
  if (format !== "jpeg") {
    throw decodeFailure("not-an-image", name, `it is a ${format.toUpperCase()} image, not a JPEG`);
  }
  const header = readJpegHeader(bytes, name);
  checkPixelLimit("JPEG", header.width, header.height, maxPixels, name);
  const process = UNSUPPORTED_PROCESSES[header.frameMarker];
  if (process !== undefined) {
    throw decodeFailure("unsupported", name, `it is a ${process} JPEG, which is not supported; only baseline and progressive JPEGs can be read`);
  }
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const scan = findJpegScan(bytes, header.afterFrame, name);
  if (scan < 0 || buffer.indexOf(EOI, scan) < 0) {
    throw decodeFailure("truncated", name, "the JPEG's image data has no end marker (EOI); the file is truncated");
  }

  let bitmap: { width: number; height: number; data: Uint8Array };
  try {
    // Loaded on first use: jimp is large and only this rare path needs it.
    const { Jimp } = await import("jimp");
    const image = await Jimp.fromBuffer(buffer, {
      "image/jpeg": { maxResolutionInMP: Math.max(100, Math.ceil(maxPixels / 1e6)) },
    });
    bitmap = image.bitmap;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const problem = /limit exceeded|allocate enough memory/i.test(message) ? "too-large" : "corrupt";
    throw decodeFailure(problem, name, `the JPEG decoder failed: ${message}`, error);
  }
  const pixels = bitmap.width * bitmap.height;
  const rgb = new Uint8Array(pixels * 3);
  const rgba = bitmap.data;
  for (let i = 0, o = 0; i < pixels * 4; i += 4, o += 3) {
    rgb[o] = rgba[i];
    rgb[o + 1] = rgba[i + 1];
    rgb[o + 2] = rgba[i + 2];
  }
  return { width: bitmap.width, height: bitmap.height, rgb };
}
