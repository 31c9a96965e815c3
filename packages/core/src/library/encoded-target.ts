import type { RgbImage } from "../image/rgb-image.ts";
import { codeOfRgb, NO_COLOR } from "../scoring/color-code.ts";

/**
 * A target reduced to what any search can use, computed once per library: the pixels that can
 * ever match, as row runs, each with its colour code and brightest channel.
 *
 * Nothing is lost for any data threshold ≥ 1: a pixel whose brightest channel is ≤ 1 is unlit
 * at every such threshold, and a pixel without a hue sector (grey, white, equal maxima) never
 * matches a mask colour. Everything else keeps its exact (sector, ratio) as its code, and its
 * brightest channel decides "lit" at search time.
 */
export interface EncodedTarget {
  width: number;
  height: number;
  /** Pairs (start = y·width + x, length); runs never cross a row end. */
  runs: Uint32Array;
  /** Per pixel in run order: code | brightest << 18. */
  values: Uint32Array;
}

/** Bits of a value holding the colour code; the brightest channel sits above them. */
export const VALUE_CODE_BITS = 18;
export const VALUE_CODE_MASK = (1 << VALUE_CODE_BITS) - 1;

/**
 * Encodes a decoded target for the index.
 *
 * @example
 * const encoded = encodeTarget(await decodeImageFile("target.tif"));
 */
export function encodeTarget(image: RgbImage): EncodedTarget {
  const { width: W, height: H, rgb } = image;
  const runs: number[] = [];
  const values: number[] = [];
  for (let y = 0; y < H; y++) {
    let runStart = -1;
    for (let x = 0; x < W; x++) {
      const i = 3 * (y * W + x);
      const r = rgb[i];
      const g = rgb[i + 1];
      const b = rgb[i + 2];
      const brightest = r > g ? (r > b ? r : b) : g > b ? g : b;
      const code = brightest > 1 ? codeOfRgb(r, g, b) : NO_COLOR;
      if (code === NO_COLOR) {
        if (runStart >= 0) {
          runs.push(y * W + runStart, x - runStart);
          runStart = -1;
        }
        continue;
      }
      if (runStart < 0) runStart = x;
      values.push(code | (brightest << VALUE_CODE_BITS));
    }
    if (runStart >= 0) runs.push(y * W + runStart, W - runStart);
  }
  return { width: W, height: H, runs: Uint32Array.from(runs), values: Uint32Array.from(values) };
}
