import { open } from "node:fs/promises";
import { resolve } from "node:path";
import { CdsError } from "@cds/core";
import { decodeImage, type RgbImage } from "@cds/core/image";
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

/**
 * Reads and decodes the mask, warning (through `warn`) when it is a JPEG, whatever its name:
 * lossy compression shifts the colours a CDM encodes depth in, so scores differ from the original's.
 */
export async function readMaskImage(cwd: string, path: string, warn: (line: string) => void): Promise<RgbImage> {
  const bytes = await readInputFile(cwd, path, "mask");
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    warn(`cds: warning: the mask ${path} is a JPEG; lossy compression shifts the colours that encode depth, so scores can differ from the lossless original (use PNG or TIFF)`);
  }
  return decodeImage(bytes, { name: path });
}
