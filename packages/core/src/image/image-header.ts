import { asDecodeError } from "./image-errors.ts";
import type { ImageFormat } from "./image-format.ts";
import { sniffImageFormat } from "./image-format.ts";
import { readJpegHeader } from "./jpeg-header.ts";
import { readPngHeader } from "./png-header.ts";
import { readTiffDirectory } from "./tiff-directory.ts";

/** An image's format and size, read from its header alone. */
export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

/**
 * Reads format and size without decoding pixels: cheap enough to validate an upload, or
 * to size a buffer for {@link decodeTiffInto}, before committing memory. Throws the same
 * ImageDecodeErrors as the decoders for inputs that are not images, or are truncated or
 * corrupt in their header.
 *
 * @example
 * const { format, width, height } = readImageHeader(bytes, { name: key });
 * if (width !== 1210 || height !== 566) reject(`${key} is not in JRC2018_Unisex_20x_HR space`);
 */
export function readImageHeader(bytes: Uint8Array, options?: { name?: string }): ImageHeader {
  const name = options?.name;
  try {
    const format = sniffImageFormat(bytes, name);
    const { width, height } =
      format === "png" ? readPngHeader(bytes, name) : format === "tiff" ? readTiffDirectory(bytes, name) : readJpegHeader(bytes, name);
    return { format, width, height };
  } catch (error) {
    throw asDecodeError(error, name);
  }
}

