import type { RgbImage } from "../image/rgb-image.ts";
import { discHalfWidths, maxFilterOfRgb, type MaxFilter } from "./disc-kernel.ts";

/**
 * The circular max filter of {@link maxFilterRgbPlain}, fast. Per channel, pixels are visited
 * from the brightest down and each fills the not-yet-filled pixels of its disc, row segment by
 * row segment; a pixel's first filler is the brightest pixel whose disc covers it, which is
 * the maximum. Per-row skip pointers (union–find with path compression) jump over filled
 * runs, so every output pixel is written once and a lit pixel whose disc is already full costs
 * one lookup per kernel row: time ≈ N + lit pixels × (2·radius + 1), not N × disc area.
 *
 * @example
 * const zgap = maxFilterRgb(maskedTarget, 20);
 */
export function maxFilterRgb(image: RgbImage, radius: number): RgbImage {
  return maxFilterOfRgb(maxFilterInterleaved, image, radius);
}

/** The same for `channels` interleaved 8-bit channels. */
export const maxFilterInterleaved: MaxFilter = (data, W, H, channels, radius) => {
  const widths = discHalfWidths(radius);
  const k = (widths.length - 1) / 2;
  const out = new Uint8Array(data.length);
  const N = W * H;
  const rowLength = W + 1; // one sentinel slot per row, never filled
  const next = new Int32Array(H * rowLength);
  const order = new Int32Array(N);
  const bucketStart = new Int32Array(257);
  for (let c = 0; c < channels; c++) {
    // Lit pixels of this channel sorted by value, brightest first (counting sort).
    bucketStart.fill(0);
    for (let p = 0; p < N; p++) bucketStart[256 - data[p * channels + c]]++;
    let lit = 0;
    for (let v = 0, sum = 0; v <= 256; v++) {
      const n = bucketStart[v];
      bucketStart[v] = sum;
      sum += n;
      if (v < 256) lit = sum;
    }
    for (let p = 0; p < N; p++) {
      const v = data[p * channels + c];
      if (v !== 0) order[bucketStart[256 - v]++] = p;
    }
    for (let i = 0; i < next.length; i++) next[i] = i;
    for (let j = 0; j < lit; j++) {
      const p = order[j];
      const v = data[p * channels + c];
      const y = (p / W) | 0;
      const x = p - y * W;
      const y0 = y - k < 0 ? 0 : y - k;
      const y1 = y + k >= H ? H - 1 : y + k;
      for (let yy = y0; yy <= y1; yy++) {
        const w = widths[yy - y + k];
        const base = yy * rowLength;
        const end = base + (x + w >= W ? W - 1 : x + w);
        let i = find(next, base + (x - w < 0 ? 0 : x - w));
        while (i <= end) {
          out[(yy * W + i - base) * channels + c] = v;
          next[i] = i + 1;
          i = find(next, i + 1);
        }
      }
    }
  }
  return out;
};

function find(next: Int32Array, i: number): number {
  let root = i;
  while (next[root] !== root) root = next[root];
  while (next[i] !== root) {
    const up = next[i];
    next[i] = root;
    i = up;
  }
  return root;
}
