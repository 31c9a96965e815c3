import type { RgbImage } from "../image/rgb-image.ts";
import type { RegionSize } from "../search-params.ts";
import { isInLabelRegion } from "../scoring/label-regions.ts";

/**
 * A copy of `image` with the label regions (name top-left, legend top-right) set black, as the
 * shape score clears query and target before use (cdm-reference §2.1).
 */
export function clearLabels(image: RgbImage, topLeft: RegionSize, topRight: RegionSize): RgbImage {
  const { width: W, height: H } = image;
  const rgb = image.rgb.slice();
  for (let y = 0; y < Math.min(H, Math.max(topLeft.height, topRight.height)); y++) {
    for (let x = 0; x < W; x++) {
      if (isInLabelRegion(x, y, W, topLeft, topRight)) rgb.fill(0, 3 * (y * W + x), 3 * (y * W + x) + 3);
    }
  }
  return { width: W, height: H, rgb };
}

/** A copy with pixels whose channels are all ≤ `threshold` set black. */
export function maskBelowThreshold(image: RgbImage, threshold: number): RgbImage {
  const rgb = image.rgb.slice();
  for (let i = 0; i < rgb.length; i += 3) {
    if (rgb[i] <= threshold && rgb[i + 1] <= threshold && rgb[i + 2] <= threshold) rgb.fill(0, i, i + 3);
  }
  return { width: image.width, height: image.height, rgb };
}

/** A copy mirrored left–right (x → W − 1 − x). */
export function mirrorRgb(image: RgbImage): RgbImage {
  const { width: W, height: H } = image;
  const rgb = new Uint8Array(image.rgb.length);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) rgb.set(image.rgb.subarray(3 * (y * W + x), 3 * (y * W + x) + 3), 3 * (y * W + W - 1 - x));
  }
  return { width: W, height: H, rgb };
}
