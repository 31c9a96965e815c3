import type { RgbImage } from "../image/rgb-image.ts";
import { discHalfWidths, maxFilterOfRgb, type MaxFilter } from "./disc-kernel.ts";

/**
 * The circular max filter written the plain way (cdm-reference §2.5): each output channel is
 * the largest value of that channel over the disc around the pixel, pixels outside the image
 * ignored. Spelled as its mirror image — every pixel spreads its value over the disc around
 * it — which is the same thing because the disc is symmetric, and skips black pixels, which
 * change no maximum. The yardstick for {@link maxFilterRgb}.
 *
 * @example
 * const dilated = maxFilterRgbPlain(target, 20);
 */
export function maxFilterRgbPlain(image: RgbImage, radius: number): RgbImage {
  return maxFilterOfRgb(maxFilterPlain, image, radius);
}

/** The same for `channels` interleaved 8-bit channels (1 for grey). */
export const maxFilterPlain: MaxFilter = (data, W, H, channels, radius) => {
  const widths = discHalfWidths(radius);
  const k = (widths.length - 1) / 2;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = channels * (y * W + x);
      let lit = false;
      for (let c = 0; c < channels; c++) if (data[p + c] !== 0) lit = true;
      if (!lit) continue;
      for (let dy = -k; dy <= k; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= H) continue;
        const w = widths[dy + k];
        for (let xx = Math.max(0, x - w); xx <= Math.min(W - 1, x + w); xx++) {
          const q = channels * (yy * W + xx);
          for (let c = 0; c < channels; c++) if (data[p + c] > out[q + c]) out[q + c] = data[p + c];
        }
      }
    }
  }
  return out;
};
