import type { RegionSize } from "../search-params.ts";

/**
 * Whether (x, y) lies in an excluded label region: the name label top-left, the colour-scale
 * legend top-right. Like the Java precompute, the top-right band applies only when the image
 * is wider than it.
 */
export function isInLabelRegion(
  x: number,
  y: number,
  width: number,
  topLeft: RegionSize,
  topRight: RegionSize,
): boolean {
  if (x < topLeft.width && y < topLeft.height) return true;
  return width > topRight.width && x >= width - topRight.width && y < topRight.height;
}
