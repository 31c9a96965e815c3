import { discHalfWidths } from "./disc-kernel.ts";

/**
 * Binary dilation by the max filters' disc (kernel row dy spans |dx| ≤ w(dy), i.e.
 * dx² + dy² ≤ r2), in linear time: per column the vertical distance to the nearest set pixel
 * (two scans), then per row each column whose distance d ≤ k covers [x − w(d), x + w(d)], and one
 * left-to-right sweep over the furthest reach marks the union. Equal to thresholding the grey
 * max filter at > 0, which is how the gradient recipe uses it.
 *
 * @example
 * const dilated = dilateBinary(signal, 1210, 566, 20);
 */
export function dilateBinary(set: Uint8Array, W: number, H: number, radius: number): Uint8Array {
  const widths = discHalfWidths(radius);
  const k = (widths.length - 1) / 2;
  const far = k + 1;
  const vertical = new Int32Array(W * H);
  for (let x = 0; x < W; x++) {
    let d = far;
    for (let y = 0, p = x; y < H; y++, p += W) {
      d = set[p] !== 0 ? 0 : d < far ? d + 1 : far;
      vertical[p] = d;
    }
    d = far;
    for (let y = H - 1, p = x + (H - 1) * W; y >= 0; y--, p -= W) {
      d = set[p] !== 0 ? 0 : d < far ? d + 1 : far;
      if (d < vertical[p]) vertical[p] = d;
    }
  }
  const out = new Uint8Array(W * H);
  const reach = new Int32Array(W);
  for (let y = 0; y < H; y++) {
    const row = y * W;
    reach.fill(-1);
    for (let x = 0; x < W; x++) {
      const d = vertical[row + x];
      if (d > k) continue;
      const w = widths[k + d];
      const a = x - w < 0 ? 0 : x - w;
      const b = x + w >= W ? W - 1 : x + w;
      if (b > reach[a]) reach[a] = b;
    }
    let cover = -1;
    for (let x = 0; x < W; x++) {
      if (reach[x] > cover) cover = reach[x];
      if (cover >= x) out[row + x] = 1;
    }
  }
  return out;
}

/**
 * City-block (4-neighbour) distance of every pixel to the nearest set pixel, in two raster
 * scans — the same numbers as the gradient recipe's pass-by-pass growth; `background` where no
 * pixel is set.
 */
export function cityBlockDistance(set: Uint8Array, W: number, H: number, background: number): Uint16Array {
  const INF = 1 << 30;
  const d = new Int32Array(W * H);
  for (let p = 0; p < W * H; p++) d[p] = set[p] !== 0 ? 0 : INF;
  for (let y = 0; y < H; y++) {
    for (let x = 0, p = y * W; x < W; x++, p++) {
      let v = d[p];
      if (x > 0 && d[p - 1] + 1 < v) v = d[p - 1] + 1;
      if (y > 0 && d[p - W] + 1 < v) v = d[p - W] + 1;
      d[p] = v;
    }
  }
  for (let y = H - 1; y >= 0; y--) {
    for (let x = W - 1, p = y * W + W - 1; x >= 0; x--, p--) {
      let v = d[p];
      if (x < W - 1 && d[p + 1] + 1 < v) v = d[p + 1] + 1;
      if (y < H - 1 && d[p + W] + 1 < v) v = d[p + W] + 1;
      d[p] = v;
    }
  }
  const out = new Uint16Array(W * H);
  for (let p = 0; p < W * H; p++) out[p] = d[p] >= INF ? background : Math.min(d[p], background);
  return out;
}
