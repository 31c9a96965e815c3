import type { Gray16Image } from "../image/png-decoder.ts";
import type { RgbImage } from "../image/rgb-image.ts";
import { cityBlockDistance, dilateBinary } from "./binary-dilation.ts";
import { maxFilterPlain } from "./max-filter-plain.ts";
import { greyOf } from "./grey.ts";
import { GRADIENT_BACKGROUND, GRADIENT_RADIUS } from "./shape-params.ts";

/**
 * The label regions the gradient recipe blacks out (`Gradient_conv_multithread`): a little
 * taller than the scoring ones.
 */
export function inGradientLabel(x: number, y: number, W: number): boolean {
  return (x >= W - 270 && y < 100) || (x < 330 && y < 105);
}

/**
 * A target's gradient image, the recipe of cdm-reference §2.3 step by step: unweighted grey,
 * labels blacked out, max filter of radius 20, signal → 0 and background → 65535, then the
 * iterative 4-neighbour distance (pass k turns every background pixel next to a k−1 into k).
 * Pixels no pass reaches (an image without signal) stay 65535. The yardstick for
 * {@link gradientImage}.
 *
 * @example
 * const grad = gradientImagePlain(target); // equals grad/<target>.png of the precompute
 */
export function gradientImagePlain(target: RgbImage, radius = GRADIENT_RADIUS): Gray16Image {
  const { width: W, height: H, rgb } = target;
  const grey = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = y * W + x;
      grey[p] = inGradientLabel(x, y, W) ? 0 : greyOf(rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2]);
    }
  }
  const dilated = maxFilterPlain(grey, W, H, 1, radius);
  const data = new Uint16Array(W * H);
  for (let p = 0; p < W * H; p++) data[p] = dilated[p] > 0 ? 0 : GRADIENT_BACKGROUND;
  for (let k = 1; ; k++) {
    let changed = false;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const p = y * W + x;
        if (data[p] !== GRADIENT_BACKGROUND) continue;
        const near =
          (x > 0 && data[p - 1] === k - 1) ||
          (x < W - 1 && data[p + 1] === k - 1) ||
          (y > 0 && data[p - W] === k - 1) ||
          (y < H - 1 && data[p + W] === k - 1);
        if (near) {
          data[p] = k;
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  return { width: W, height: H, data };
}

/**
 * {@link gradientImagePlain}, fast: grey > 0 is channel sum ≥ 2, the radius-20 max filter
 * thresholded at > 0 is a binary dilation ({@link dilateBinary}), and the pass-by-pass growth is
 * a two-scan city-block distance — all linear in the image size.
 *
 * @example
 * const grad = gradientImage(target); // grad.data[p]: distance to the dilated signal, 65535 if none
 */
export function gradientImage(target: RgbImage, radius = GRADIENT_RADIUS): Gray16Image {
  const { width: W, height: H, rgb } = target;
  const signal = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = y * W + x;
      if (rgb[3 * p] + rgb[3 * p + 1] + rgb[3 * p + 2] >= 2 && !inGradientLabel(x, y, W)) signal[p] = 1;
    }
  }
  return { width: W, height: H, data: cityBlockDistance(dilateBinary(signal, W, H, radius), W, H, GRADIENT_BACKGROUND) };
}
