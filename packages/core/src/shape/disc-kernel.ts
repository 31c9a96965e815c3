import type { RgbImage } from "../image/rgb-image.ts";

/**
 * The circular kernel of the max filters (ImageJ RankFilters' convention, as colormipsearch's
 * `makeLineRadii` writes it, cdm-reference §2.5): radius r is nudged to 1.75 in [1.5, 1.75) and
 * to 2.85 in [2.5, 2.85), r2 = floor(r²) + 1, and row dy ∈ [−k, k] of the kernel spans
 * dx ∈ [−w(dy), w(dy)] with w(dy) = floor(√(r2 − dy² + 1e−10)), k = floor(√(r2 + 1e−10)).
 *
 * @example
 * discHalfWidths(0.5) // Int32Array [0, 1, 0]: a plus sign
 * discHalfWidths(1)   // Int32Array [1, 1, 1]: 3×3
 */
export function discHalfWidths(radius: number): Int32Array {
  let r = radius;
  if (r >= 1.5 && r < 1.75) r = 1.75;
  else if (r >= 2.5 && r < 2.85) r = 2.85;
  const r2 = Math.floor(r * r) + 1;
  const k = Math.floor(Math.sqrt(r2 + 1e-10));
  const widths = new Int32Array(2 * k + 1);
  for (let dy = -k; dy <= k; dy++) widths[dy + k] = Math.floor(Math.sqrt(r2 - dy * dy + 1e-10));
  return widths;
}

/** A circular max filter over `channels` interleaved 8-bit channels of a W×H image (1 for grey). */
export type MaxFilter = (data: Uint8Array, W: number, H: number, channels: number, radius: number) => Uint8Array;

/** `filter` over the three channels of an RGB image. */
export function maxFilterOfRgb(filter: MaxFilter, image: RgbImage, radius: number): RgbImage {
  return { width: image.width, height: image.height, rgb: filter(image.rgb, image.width, image.height, 3, radius) };
}
