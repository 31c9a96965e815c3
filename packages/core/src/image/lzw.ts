import { ImageDecodeError } from "../errors.ts";
import type { StripDecoder } from "./strip-decoder.ts";

const CLEAR = 256;
const END_OF_INFORMATION = 257;
const FIRST_FREE = 258;
const MAX_CODES = 4096;

/*
 * Each table entry is stored as a span of the output, never as its own bytes: a new
 * entry is "previous string + first byte of the current one", and in the output those
 * bytes are contiguous, so (offset, length) describes it exactly. That makes decoding
 * allocation-free and turns every code into one forward copy. Module-level because
 * decoding is synchronous and the tables are rebuilt on every Clear code.
 */
const entryOffset = new Int32Array(MAX_CODES);
const entryLength = new Int32Array(MAX_CODES);

/**
 * Decodes TIFF LZW (compression 5: MSB-first codes of 9–12 bits, with the "early change"
 * of code width that TIFF 6.0 specifies) from `src[srcPos, srcEnd)` into
 * `dst[dstPos, dstEnd)`. Returns the position in `dst` it reached: below `dstEnd` when
 * the input ended (or an EndOfInformation code came) first. Output past `dstEnd` is
 * discarded, as libtiff does. Invalid codes throw ImageDecodeError("corrupt").
 *
 * Old-style (pre-6.0, LSB-first) LZW is refused with "unsupported".
 *
 * @example
 * const written = decodeLzw(strip, 0, strip.length, rgb, rowStart, rowStart + stripBytes);
 */
export const decodeLzw: StripDecoder = (src, srcPos, srcEnd, dst, dstPos, dstEnd) => {
  if (srcEnd - srcPos >= 2 && src[srcPos] === 0 && (src[srcPos + 1] & 1) === 1) {
    throw new ImageDecodeError("unsupported", "the strip uses old-style (pre-TIFF 6.0) LZW, which is not supported");
  }
  let s = srcPos;
  let d = dstPos;
  let bitBuffer = 0;
  let bitCount = 0;
  let width = 9;
  let next = FIRST_FREE;
  let prevOffset = -1;
  let prevLength = 0;

  while (d < dstEnd) {
    while (bitCount < width) {
      if (s >= srcEnd) return d;
      bitBuffer = ((bitBuffer << 8) | src[s++]) >>> 0;
      bitCount += 8;
    }
    bitCount -= width;
    const code = (bitBuffer >>> bitCount) & ((1 << width) - 1);
    bitBuffer &= (1 << bitCount) - 1;

    if (code === CLEAR) {
      width = 9;
      next = FIRST_FREE;
      prevOffset = -1;
      continue;
    }
    if (code === END_OF_INFORMATION) return d;

    let length: number;
    if (code < CLEAR) {
      dst[d] = code;
      length = 1;
    } else {
      let from: number;
      if (code < next) {
        from = entryOffset[code];
        length = entryLength[code];
      } else if (code === next && prevOffset >= 0) {
        // KwKwK: the code being defined right now is previous string + its own first byte.
        from = prevOffset;
        length = prevLength + 1;
      } else {
        throw new ImageDecodeError("corrupt", `invalid LZW code ${code} (only ${next} codes are defined) at byte ${s}`);
      }
      const n = Math.min(length, dstEnd - d);
      // Forward byte copy is required: in the KwKwK case source and destination overlap.
      if (n >= 32 && from + n <= d) {
        dst.copyWithin(d, from, from + n);
      } else {
        for (let i = 0; i < n; i++) dst[d + i] = dst[from + i];
      }
      if (n < length) return dstEnd;
    }

    if (prevOffset >= 0 && next < MAX_CODES) {
      entryOffset[next] = prevOffset;
      entryLength[next] = prevLength + 1;
      next++;
      // TIFF's early change: widen one code before the table actually needs it.
      if (next >= (1 << width) - 1 && width < 12) width++;
    }
    prevOffset = d;
    prevLength = length;
    d += length;
  }
  return d;
};
