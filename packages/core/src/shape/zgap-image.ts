import type { RgbImage } from "../image/rgb-image.ts";
import { clearLabels, maskBelowThreshold } from "./label-clear.ts";
import { maxFilterRgb } from "./max-filter.ts";
import { maxFilterRgbPlain } from "./max-filter-plain.ts";
import { defaultShapeParams, type ShapeParams, ZGAP_RADIUS } from "./shape-params.ts";

/**
 * A target's zgap image, the recipe of cdm-reference §2.3: labels cleared, pixels whose
 * channels are all ≤ the threshold (20) set black, then the per-channel circular max filter
 * (radius 20 in production files, 10 in the upstream unit tests' fallback). The yardstick
 * for {@link zgapImage}.
 *
 * @example
 * const zgap = zgapImagePlain(target); // equals zgap/<target>.tif of the precompute
 */
export function zgapImagePlain(target: RgbImage, radius = ZGAP_RADIUS, params: ZgapParams = defaultShapeParams): RgbImage {
  return zgapWith(maxFilterRgbPlain, target, radius, params);
}

/** {@link zgapImagePlain}, fast ({@link maxFilterRgb}). */
export function zgapImage(target: RgbImage, radius = ZGAP_RADIUS, params: ZgapParams = defaultShapeParams): RgbImage {
  return zgapWith(maxFilterRgb, target, radius, params);
}

type ZgapParams = Pick<ShapeParams, "targetThreshold" | "excludeTopLeft" | "excludeTopRight">;

function zgapWith(maxFilter: (image: RgbImage, radius: number) => RgbImage, target: RgbImage, radius: number, params: ZgapParams): RgbImage {
  const cleared = clearLabels(target, params.excludeTopLeft, params.excludeTopRight);
  return maxFilter(maskBelowThreshold(cleared, params.targetThreshold), radius);
}
