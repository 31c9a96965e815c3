import { decodeFailure } from "./image-errors.ts";

/** The container formats this folder decodes. */
export type ImageFormat = "png" | "tiff" | "jpeg";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const TIFF_LE = [0x49, 0x49, 0x2a, 0x00];
const TIFF_BE = [0x4d, 0x4d, 0x00, 0x2a];
const BIGTIFF_LE = [0x49, 0x49, 0x2b, 0x00];
const BIGTIFF_BE = [0x4d, 0x4d, 0x00, 0x2b];
const JPEG_SOI = [0xff, 0xd8, 0xff];

const SUPPORTED = "only PNG, TIFF and JPEG images can be read";

/**
 * True when the input starts with `signature`, or with as much of it as the input holds:
 * a file cut short inside its signature is still recognised, so it is reported as
 * truncated rather than as "not an image".
 */
function startsWith(bytes: Uint8Array, signature: readonly number[]): boolean {
  const n = Math.min(bytes.length, signature.length);
  if (n < 2) return false;
  for (let i = 0; i < n; i++) if (bytes[i] !== signature[i]) return false;
  return true;
}

/**
 * Names the format from the magic bytes, or throws a message a person can act on.
 * BigTIFF counts as TIFF so the TIFF reader can say precisely why it is refused.
 */
export function sniffImageFormat(bytes: Uint8Array, name: string | undefined): ImageFormat {
  if (bytes.length === 0) {
    throw decodeFailure("not-an-image", name, `it is empty (0 bytes); ${SUPPORTED}`);
  }
  if (startsWith(bytes, PNG_SIGNATURE)) return "png";
  if (startsWith(bytes, TIFF_LE) || startsWith(bytes, TIFF_BE)) return "tiff";
  if (startsWith(bytes, BIGTIFF_LE) || startsWith(bytes, BIGTIFF_BE)) return "tiff";
  if (startsWith(bytes, JPEG_SOI)) return "jpeg";
  const other = otherImageFormat(bytes);
  if (other !== undefined) {
    throw decodeFailure("unsupported", name, `it is a ${other} image, which is not supported; ${SUPPORTED}`);
  }
  throw decodeFailure("not-an-image", name, `it is not an image (${describeStart(bytes)}); ${SUPPORTED}`);
}

/** Recognises image formats people commonly upload by mistake, to name them in the error. */
function otherImageFormat(bytes: Uint8Array): string | undefined {
  const ascii = (from: number, to: number): string => String.fromCharCode(...bytes.subarray(from, to));
  if (ascii(0, 4) === "GIF8") return "GIF";
  if (ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return "WebP";
  if (ascii(0, 2) === "BM" && bytes.length >= 18) {
    const dibHeaderSize = bytes[14] | (bytes[15] << 8) | (bytes[16] << 16) | (bytes[17] << 24);
    if ([12, 40, 52, 56, 64, 108, 124].includes(dibHeaderSize)) return "BMP";
  }
  return undefined;
}

/**
 * Says whether the start looks like text (the usual mistake: notes, JSON, HTML) without quoting
 * it: the bytes may be anything a symlink pointed at, and this message reaches events, logs and
 * webhooks.
 */
function describeStart(bytes: Uint8Array): string {
  const head = bytes.subarray(0, 16);
  let printable = 0;
  for (const b of head) if ((b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d) printable++;
  return printable === head.length ? "it looks like text" : "its first bytes match no image format's signature";
}
