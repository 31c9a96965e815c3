import type { RgbImage } from "../image/rgb-image.ts";

/**
 * Halves an image in each direction with a 2×2 box filter (the rounded mean of each block),
 * for page thumbnails: a quarter of the pixels, so a quarter of the bytes to embed. An odd
 * last column or row averages the pixels it has, so the result is ⌈W/2⌉ × ⌈H/2⌉.
 *
 * Averaging dims 1-px neurites against a black background to about half or a quarter of
 * their brightness; that is fine for recognising a match by eye, not for scoring.
 *
 * @example
 * const thumb = downscale2x(cdm); // 1210×566 → 605×283
 */
export function downscale2x(image: RgbImage): RgbImage {
  const { width, height, rgb } = image;
  const outWidth = Math.ceil(width / 2);
  const outHeight = Math.ceil(height / 2);
  const out = new Uint8Array(3 * outWidth * outHeight);
  for (let oy = 0; oy < outHeight; oy++) {
    const y0 = 2 * oy;
    const rows = y0 + 1 < height ? 2 : 1;
    for (let ox = 0; ox < outWidth; ox++) {
      const x0 = 2 * ox;
      const cols = x0 + 1 < width ? 2 : 1;
      const count = rows * cols;
      const o = 3 * (oy * outWidth + ox);
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let dy = 0; dy < rows; dy++) {
          for (let dx = 0; dx < cols; dx++) sum += rgb[3 * ((y0 + dy) * width + x0 + dx) + c];
        }
        out[o + c] = Math.floor((sum + (count >> 1)) / count);
      }
    }
  }
  return { width: outWidth, height: outHeight, rgb: out };
}
