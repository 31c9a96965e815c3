import type { RgbImage } from "../image/rgb-image.ts";
import type { ScoreParams } from "../search-params.ts";
import { isInLabelRegion } from "./label-regions.ts";

/**
 * How many pixels of a mask take part in a search: those with a channel above `maskThreshold`,
 * outside the excluded label regions — `prepareMask(mask, params).maskSize`, counted without
 * preparing the mask (no colour codes, shifted copies or cover lists), for checks that only
 * need to know whether a mask is empty.
 *
 * @example
 * if (maskSizeOf(mask, params) === 0) throw new UploadRejectedError("the mask is empty");
 */
export function maskSizeOf(mask: RgbImage, params: Pick<ScoreParams, "maskThreshold" | "excludeTopLeft" | "excludeTopRight">): number {
  const { width: W, height: H, rgb } = mask;
  const threshold = params.maskThreshold;
  let size = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = 3 * (y * W + x);
      if (!(rgb[i] > threshold || rgb[i + 1] > threshold || rgb[i + 2] > threshold)) continue;
      if (isInLabelRegion(x, y, W, params.excludeTopLeft, params.excludeTopRight)) continue;
      size++;
    }
  }
  return size;
}
