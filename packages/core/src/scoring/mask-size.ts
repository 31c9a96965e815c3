import type { RgbImage } from "../image/rgb-image.ts";
import type { ScoreParams } from "../search-params.ts";
import { maskPositions } from "./pixel-match-plain.ts";

/**
 * How many pixels of a mask take part in a search: those with a channel above `maskThreshold`,
 * outside the excluded label regions — `prepareMask(mask, params).maskSize`, counted without
 * preparing the mask (no colour codes, shifted copies or cover lists), for checks that only
 * need to know whether a mask is empty. The plain scorer's §1.2 positions are that set.
 *
 * @example
 * if (maskSizeOf(mask, params) === 0) throw new UploadRejectedError("the mask is empty");
 */
export function maskSizeOf(mask: RgbImage, params: Pick<ScoreParams, "maskThreshold" | "excludeTopLeft" | "excludeTopRight">): number {
  return maskPositions(mask, params).length;
}
