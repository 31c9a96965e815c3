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
export function zgapImagePlain(
  target: RgbImage,
  radius = ZGAP_RADIUS,
  params: Pick<ShapeParams, "targetThreshold" | "excludeTopLeft" | "excludeTopRight"> = defaultShapeParams,
): RgbImage {
  const cleared = clearLabels(target, params.excludeTopLeft, params.excludeTopRight);
  return maxFilterRgbPlain(maskBelowThreshold(cleared, params.targetThreshold), radius);
}

/** {@link zgapImagePlain}, fast ({@link maxFilterRgb}). */
export function zgapImage(
  target: RgbImage,
  radius = ZGAP_RADIUS,
  params: Pick<ShapeParams, "targetThreshold" | "excludeTopLeft" | "excludeTopRight"> = defaultShapeParams,
): RgbImage {
  const cleared = clearLabels(target, params.excludeTopLeft, params.excludeTopRight);
  return maxFilterRgb(maskBelowThreshold(cleared, params.targetThreshold), radius);
}
