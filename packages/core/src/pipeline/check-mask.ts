import { ImageSizeMismatchError } from "../errors.ts";
import { decodeImage } from "../image/decode-image.ts";
import { readImageHeader } from "../image/image-header.ts";
import type { DecodeOptions } from "../image/decode-options.ts";
import type { RgbImage } from "../image/rgb-image.ts";
import { maskSizeOf } from "../scoring/mask-size.ts";
import type { SearchParams } from "../search-params.ts";
import { UploadRejectedError } from "./pipeline-errors.ts";

/** What {@link checkMask} checks a mask against. */
export interface MaskCheck {
  /** The mask's file name, for messages. */
  fileName: string;
  /** The library searched: its name and image size. */
  library: { name: string; width: number; height: number };
  params: SearchParams;
  /** Decodes the image (default `decodeImage`, on this thread). */
  decode?: (bytes: Uint8Array, options: DecodeOptions) => Promise<RgbImage>;
}

/** A mask that can be searched: its image and how many of its pixels take part. */
export interface CheckedMask {
  image: RgbImage;
  maskSize: number;
}

/**
 * The checks a mask passes before it becomes a search, shared by intake and `cds submit` so
 * both refuse the same masks with the same words: it decodes (PNG, TIFF or JPEG), has the
 * library's size, and is not empty after thresholding outside the excluded label regions.
 * The size is read from the header and compared before anything is decoded, and decoding may
 * allocate no more than the library's pixel count, so a 49-megapixel PNG costs a header read.
 * `decode` lets a caller move decoding off its thread (cds dev decodes in a worker).
 * Throws `ImageDecodeError`, `ImageSizeMismatchError` or {@link UploadRejectedError}, each with
 * a message written for the person who gave the mask.
 *
 * @example
 * const { maskSize } = await checkMask(bytes, { fileName: "LC4.png", library: manifest, params });
 */
export async function checkMask(bytes: Uint8Array, check: MaskCheck): Promise<CheckedMask> {
  const { fileName, library, params } = check;
  const header = readImageHeader(bytes, { name: fileName });
  if (header.width !== library.width || header.height !== library.height) {
    throw new ImageSizeMismatchError(library, header, `the mask ${fileName} (for library "${library.name}")`);
  }
  const image = await (check.decode ?? decodeImage)(bytes, { name: fileName, maxPixels: library.width * library.height });
  if (image.width !== library.width || image.height !== library.height) {
    throw new ImageSizeMismatchError(library, image, `the mask ${fileName} (for library "${library.name}")`);
  }
  const maskSize = maskSizeOf(image, params);
  if (maskSize === 0) {
    throw new UploadRejectedError(
      `the mask ${fileName} is empty: no pixel outside the excluded label regions ` +
        `(top-left ${params.excludeTopLeft.width}x${params.excludeTopLeft.height}, top-right ${params.excludeTopRight.width}x${params.excludeTopRight.height}) ` +
        `is brighter than maskThreshold ${params.maskThreshold}`,
    );
  }
  return { image, maskSize };
}
