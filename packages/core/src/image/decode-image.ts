import { readFile } from "node:fs/promises";
import type { RgbImage } from "./rgb-image.ts";
import type { DecodeOptions } from "./decode-options.ts";
import { asDecodeError } from "./image-errors.ts";
import { sniffImageFormat } from "./image-format.ts";
import { decodeJpeg } from "./jpeg-decoder.ts";
import { decodePng } from "./png-decoder.ts";
import { decodeTiff } from "./tiff-decoder.ts";

/**
 * Decodes a PNG, TIFF or JPEG, chosen by its magic bytes (never by file name), to 8-bit
 * interleaved RGB with alpha dropped. The header's size is checked against
 * `options.maxPixels` before any raster is allocated. Every failure is an
 * ImageDecodeError whose `problem` says what kind of failure it was and whose message
 * names `options.name`.
 *
 * @example
 * const mask = await decodeImage(bytes, { name: "uploads/mask.png" });
 * // mask.width, mask.height, mask.rgb (length 3 × width × height)
 */
export async function decodeImage(bytes: Uint8Array, options?: DecodeOptions): Promise<RgbImage> {
  try {
    const format = sniffImageFormat(bytes, options?.name);
    if (format === "png") return decodePng(bytes, options);
    if (format === "tiff") return decodeTiff(bytes, options);
    return await decodeJpeg(bytes, options);
  } catch (error) {
    throw asDecodeError(error, options?.name);
  }
}

/**
 * Reads and decodes an image file; messages name the path unless `options.name` is given.
 * File-system errors (missing file, permissions) are passed through unchanged.
 *
 * @example
 * const target = await decodeImageFile("library/VT033614.tif");
 */
export async function decodeImageFile(path: string, options?: DecodeOptions): Promise<RgbImage> {
  const bytes = await readFile(path);
  return decodeImage(bytes, { ...options, name: options?.name ?? path });
}
