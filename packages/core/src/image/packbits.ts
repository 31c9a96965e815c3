import { ImageDecodeError } from "../errors.ts";
import type { StripDecoder } from "./strip-decoder.ts";

/**
 * Runs shorter than this are copied byte by byte: a native fill/set call costs more than
 * it saves on the short runs that dominate CDM strips.
 */
const NATIVE_COPY_MIN = 16;

/**
 * Decodes PackBits (TIFF compression 32773) from `src[srcPos, srcEnd)` into
 * `dst[dstPos, dstEnd)` and returns the position in `dst` it reached.
 *
 * Output past `dstEnd` is discarded, as libtiff does, because some writers pack runs
 * across the end of a strip. A return below `dstEnd` means the input ran out first; the
 * caller decides whether that is an error. A literal or repeat whose header is present
 * but whose bytes are not throws ImageDecodeError("truncated"), with positions relative
 * to `src` so callers can add context.
 *
 * @example
 * const out = new Uint8Array(8);
 * decodePackBits(Uint8Array.of(0xfd, 7, 1, 1, 2), 0, 5, out, 0, 8); // 6; out = 7 7 7 7 1 2 0 0
 */
export const decodePackBits: StripDecoder = (src, srcPos, srcEnd, dst, dstPos, dstEnd) => {
  let s = srcPos;
  let d = dstPos;
  // Repeat runs are at most 128 bytes, so a blank CDM row is ~28 runs of zeros. Adjacent
  // runs of the same byte are merged into one pending fill, written when a different
  // byte comes or at the end; literals never overlap it, so deferring it is safe. This
  // cuts native fill calls by a factor of ~10 and decoding time by a third.
  let fillValue = -1;
  let fillStart = 0;
  let fillEnd = 0;
  while (d < dstEnd && s < srcEnd) {
    const header = src[s++];
    if (header < 128) {
      const length = header + 1;
      if (s + length > srcEnd) {
        throw new ImageDecodeError(
          "truncated",
          `a PackBits literal run of ${length} bytes at byte ${s - 1} runs past the end of the data (byte ${srcEnd})`,
        );
      }
      const n = Math.min(length, dstEnd - d);
      if (n >= NATIVE_COPY_MIN) {
        dst.set(src.subarray(s, s + n), d);
      } else {
        for (let i = 0; i < n; i++) dst[d + i] = src[s + i];
      }
      s += length;
      d += n;
    } else if (header > 128) {
      if (s >= srcEnd) {
        throw new ImageDecodeError("truncated", `a PackBits repeat run at byte ${s - 1} has no byte to repeat before the end of the data`);
      }
      const value = src[s++];
      const n = Math.min(257 - header, dstEnd - d);
      if (value === fillValue && d === fillEnd) {
        fillEnd += n;
      } else {
        fill(dst, fillValue, fillStart, fillEnd);
        fillValue = value;
        fillStart = d;
        fillEnd = d + n;
      }
      d += n;
    }
    // header === 128 is a no-op by definition.
  }
  fill(dst, fillValue, fillStart, fillEnd);
  return d;
};

function fill(dst: Uint8Array, value: number, start: number, end: number): void {
  if (end - start >= NATIVE_COPY_MIN) {
    dst.fill(value, start, end);
  } else {
    for (let i = start; i < end; i++) dst[i] = value;
  }
}
