import type { RgbImage } from "../image/rgb-image.ts";
import { pixelGap, sectorOf } from "../scoring/color-sector.ts";
import { maskPositions, xyOffsets } from "../scoring/pixel-match-plain.ts";
import { assertSameSize } from "../scoring/same-size.ts";
import type { ScoreParams } from "../search-params.ts";

/** Where on the target the mask matched: one byte per target pixel, 1 where a mask pixel matched. */
export interface MatchedPixels {
  width: number;
  height: number;
  matched: Uint8Array;
  /** How many are set: the match's matchingPixels when recomputed with the same parameters. */
  count: number;
}

/**
 * Recomputes which target pixels a match counted, for the page's overlay: the mask (mirrored when
 * the match was) at the XY offset that scored best, kept where the target's colour is within the
 * tolerance. The scoring rules are cdm-reference §1.2–1.7, as in the plain scorer, so `count`
 * equals the match's `matchingPixels`; only the best offset's pixels are kept, because the score
 * is that offset's count.
 *
 * @example
 * const overlay = matchedTargetPixels(mask, target, document.parameters, result.mirrored);
 */
export function matchedTargetPixels(mask: RgbImage, target: RgbImage, params: ScoreParams, mirrored: boolean): MatchedPixels {
  assertSameSize(mask, target);
  const { width: W, height: H } = mask;
  const maskPos = maskPositions(mask, params);
  const tolerance = params.pixColorFluctuation / 100;
  const maskSectors = Array.from(maskPos, (p) => sectorOf(mask.rgb[3 * p], mask.rgb[3 * p + 1], mask.rgb[3 * p + 2]));
  let best: Int32Array = new Int32Array(0);
  for (const [dx, dy] of xyOffsets(params.xyShift)) {
    const hits: number[] = [];
    for (let j = 0; j < maskPos.length; j++) {
      const x = (maskPos[j] % W) + dx;
      const y = Math.floor(maskPos[j] / W) + dy;
      if (x < 0 || x >= W || y < 0 || y >= H) continue;
      const t = y * W + (mirrored ? W - 1 - x : x);
      const r = target.rgb[3 * t];
      const g = target.rgb[3 * t + 1];
      const b = target.rgb[3 * t + 2];
      if (!(r > params.dataThreshold || g > params.dataThreshold || b > params.dataThreshold)) continue;
      const d = sectorOf(r, g, b);
      if (pixelGap(maskSectors[j].sector, maskSectors[j].ratio, d.sector, d.ratio) <= tolerance) hits.push(t);
    }
    if (hits.length > best.length) best = Int32Array.from(hits);
  }
  const matched = new Uint8Array(W * H);
  for (const t of best) matched[t] = 1;
  return { width: W, height: H, matched, count: best.length };
}

/**
 * The overlay as an image half the size of the target (as the page shows targets), white where any
 * of a 2×2 block matched and black elsewhere: drawn over the match with `mix-blend-mode: screen`,
 * black leaves the match as it is and white marks the matched pixels.
 */
export function overlayImage(pixels: MatchedPixels): RgbImage {
  const width = Math.ceil(pixels.width / 2);
  const height = Math.ceil(pixels.height / 2);
  const rgb = new Uint8Array(3 * width * height);
  for (let y = 0; y < pixels.height; y++) {
    for (let x = 0; x < pixels.width; x++) {
      if (!pixels.matched[y * pixels.width + x]) continue;
      const o = 3 * ((y >> 1) * width + (x >> 1));
      rgb[o] = rgb[o + 1] = rgb[o + 2] = 255;
    }
  }
  return { width, height, rgb };
}
