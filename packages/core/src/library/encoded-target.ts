import type { RgbImage } from "../image/rgb-image.ts";
import { RANK_OF_FRACTION, RATIO_BITS } from "../scoring/color-code.ts";

/**
 * A target reduced to what any search can use, computed once per library: the pixels that can
 * ever match, as row runs, each with a 19-bit value `sector << 16 | largest << 8 | second`.
 *
 * Nothing is lost for any data threshold: the only pixels left out are those without a hue
 * sector (black, grey, white, equal maxima), which never match any mask colour. For the rest,
 * the sector and the two largest channels give both the exact colour code (sector,
 * second/largest) and the brightest channel that decides "lit" at search time.
 */
export interface EncodedTarget {
  width: number;
  height: number;
  /** Pairs (start = y·width + x, length); runs never cross a row end. */
  runs: Uint32Array;
  /** Per pixel, in run order. */
  values: Uint32Array;
}

/**
 * The colour code of a value at a data threshold (0 when not lit). Mirrors `codeOfRgb`.
 */
export function codeOfValue(value: number, dataThreshold: number): number {
  return ((value >>> 8) & 0xff) > dataThreshold ? (((value >>> 16) + 1) << RATIO_BITS) | RANK_OF_FRACTION[value & 0xffff] : 0;
}

/**
 * Encodes a decoded target for the index.
 *
 * @example
 * const encoded = encodeTarget(await decodeImageFile("target.tif"));
 */
export function encodeTarget(image: RgbImage): EncodedTarget {
  const { width: W, height: H, rgb } = image;
  const runs = new Uint32Array(W * H);
  const values = new Uint32Array(W * H);
  let nRuns = 0;
  let n = 0;
  for (let y = 0; y < H; y++) {
    let runStart = -1;
    for (let x = 0, i = 3 * y * W; x < W; x++, i += 3) {
      // Most of a CDM is black: test that first.
      const value = (rgb[i] | rgb[i + 1] | rgb[i + 2]) === 0 ? -1 : valueOfRgb(rgb[i], rgb[i + 1], rgb[i + 2]);
      if (value < 0) {
        if (runStart >= 0) {
          runs[nRuns++] = y * W + runStart;
          runs[nRuns++] = x - runStart;
          runStart = -1;
        }
        continue;
      }
      if (runStart < 0) runStart = x;
      values[n++] = value;
    }
    if (runStart >= 0) {
      runs[nRuns++] = y * W + runStart;
      runs[nRuns++] = W - runStart;
    }
  }
  return { width: W, height: H, runs: runs.slice(0, nRuns), values: values.slice(0, n) };
}

/** −1 for pixels no search can use (no hue sector); else the 19-bit value. Branches follow `sectorOf`. */
function valueOfRgb(r: number, g: number, b: number): number {
  if (b > r && b > g) return r > g ? (0 << 16) | (b << 8) | r : (1 << 16) | (b << 8) | g;
  if (g > b && g > r) return b > r ? (2 << 16) | (g << 8) | b : (3 << 16) | (g << 8) | r;
  if (r > b && r > g) return g > b ? (4 << 16) | (r << 8) | g : (5 << 16) | (r << 8) | b;
  return -1;
}
