import { CdsError, ImageDecodeError } from "../errors.ts";
import type { ImageDecodeProblem } from "../errors.ts";

/** How an input is named in messages: its quoted name when the caller gave one. */
export function imageLabel(name: string | undefined): string {
  return name === undefined ? "image" : `"${name}"`;
}

/** Digits grouped so people can read sizes such as 10,000,000,000 at a glance. */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/**
 * Builds the error every decoder throws, so all messages share one shape:
 * `Cannot decode "<name>": <detail>`.
 */
export function decodeFailure(
  problem: ImageDecodeProblem,
  name: string | undefined,
  detail: string,
  cause?: unknown,
): ImageDecodeError {
  return new ImageDecodeError(
    problem,
    `Cannot decode ${imageLabel(name)}: ${detail}`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Throws "too-large" when a header's dimensions exceed the limit. Callers run this on the
 * header alone, before allocating, which is what defuses decompression bombs.
 */
export function checkPixelLimit(
  format: string,
  width: number,
  height: number,
  maxPixels: number,
  name: string | undefined,
): void {
  const pixels = width * height;
  if (pixels > maxPixels) {
    throw decodeFailure(
      "too-large",
      name,
      `it is a ${format} of ${formatCount(width)}×${formatCount(height)} pixels (${formatCount(pixels)} pixels), ` +
        `more than the limit of ${formatCount(maxPixels)} pixels`,
    );
  }
}

/**
 * Passes our own errors through and turns anything else (a RangeError from a bounds check
 * missed on some malformed input, say) into ImageDecodeError("corrupt") with the original
 * as its cause, so callers only ever branch on one error type.
 */
export function asDecodeError(error: unknown, name: string | undefined): Error {
  if (error instanceof CdsError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return decodeFailure("corrupt", name, `the file is malformed (${message})`, error);
}
