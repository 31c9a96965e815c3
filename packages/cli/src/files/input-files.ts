import { open } from "node:fs/promises";
import { resolve } from "node:path";
import { CdsError, decodeImage, type RgbImage } from "@cds/core";
import { isSystemError, systemErrorReason } from "./system-error.ts";

/** The largest input image read (a 1210×566 CDM is well under 3 MB, even uncompressed). */
export const MAX_INPUT_IMAGE_BYTES = 256 * 1024 * 1024;

/**
 * Reads a file the user named, at most `limit` bytes. A missing file, a folder, or one that cannot
 * be read becomes one line naming what it is (`cannot read mask a.png: no such file or folder`),
 * never a stack trace.
 *
 * @example
 * const bytes = await readInputFile(io.cwd, "mask.png", "mask");
 */
export async function readInputFile(cwd: string, path: string, what: string, limit = MAX_INPUT_IMAGE_BYTES): Promise<Uint8Array> {
  const full = resolve(cwd, path);
  let handle;
  try {
    handle = await open(full, "r");
    const info = await handle.stat();
    if (info.isDirectory()) throw new CdsError(`cannot read ${what} ${path}: it is a folder, not a file`);
    if (info.size > limit) throw new CdsError(`cannot read ${what} ${path}: ${info.size} bytes is more than the ${limit}-byte limit`);
    return new Uint8Array(await handle.readFile());
  } catch (error) {
    if (isSystemError(error)) {
      throw new CdsError(`cannot read ${what} ${path}: ${error.code === "EISDIR" ? "it is a folder, not a file" : systemErrorReason(error)}`, { cause: error });
    }
    throw error;
  } finally {
    await handle?.close();
  }
}

/** Reads and decodes an image the user named; errors name it as `what` (`mask`, `target`). */
export async function readInputImage(cwd: string, path: string, what: string): Promise<RgbImage> {
  const bytes = await readInputFile(cwd, path, what);
  return decodeImage(bytes, { name: path });
}

/** JPEG is lossy: its compression shifts the colours a CDM encodes depth in. */
export function isJpegName(path: string): boolean {
  return /\.jpe?g$/i.test(path);
}

/** The warning for a JPEG mask: scores may differ from those of the original. */
export function jpegMaskWarning(path: string): string {
  return `cds: warning: the mask ${path} is a JPEG; lossy compression shifts the colours that encode depth, so scores can differ from the lossless original (use PNG or TIFF)`;
}
