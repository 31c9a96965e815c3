import type { Lut } from "../image/rainbow-lut.ts";
import { sectorOf } from "../scoring/color-sector.ts";

/**
 * LUT index range of each (largest, second) channel pair, [first, last] inclusive
 * (cdm-reference §2.4). Channels: 0 = R, 1 = G, 2 = B; the key is 3 · largest + second.
 */
const RANGES: Readonly<Record<number, readonly [number, number]>> = {
  1: [171, 212], // R, G
  2: [213, 255], // R, B
  3: [128, 170], // G, R
  5: [86, 127], // G, B
  6: [0, 29], // B, R
  7: [30, 85], // B, G
};

/**
 * The largest and second channel of a colour with the slice-gap tie rules: R if R ≥ G, B;
 * else G if G ≥ R, B; else B. The second: for R, G if G ≥ B; for G, R if R ≥ B; for B, R if R ≥ G.
 */
export function largestAndSecond(r: number, g: number, b: number): { largest: number; second: number; value: number; secondValue: number } {
  if (r >= g && r >= b) return g >= b ? { largest: 0, second: 1, value: r, secondValue: g } : { largest: 0, second: 2, value: r, secondValue: b };
  if (g >= r && g >= b) return r >= b ? { largest: 1, second: 0, value: g, secondValue: r } : { largest: 1, second: 2, value: g, secondValue: b };
  return r >= g ? { largest: 2, second: 0, value: b, secondValue: r } : { largest: 2, second: 1, value: b, secondValue: g };
}

/**
 * The LUT slice (1…256) a colour stands for, as `GradientAreaGapUtils.findSliceNumber` finds it:
 * over the LUT range of its (largest, second) channels, the first entry whose own ratio
 * (the pixel-match sector rule) equals second / largest exactly, else the first entry with the
 * smallest difference. 0 for black (the ratio is 0/0, which no entry is near).
 *
 * @example
 * sliceNumberPlain(lut, 127, 0, 255) // 1
 */
export function sliceNumberPlain(lut: Lut, r: number, g: number, b: number): number {
  const { largest, second, value, secondValue } = largestAndSecond(r, g, b);
  const range = RANGES[3 * largest + second];
  const ratio = secondValue / value;
  let slice = 0;
  let minGap = 1000;
  for (let i = range[0]; i <= range[1]; i++) {
    const entryRatio = sectorOf(lut[3 * i], lut[3 * i + 1], lut[3 * i + 2]).ratio;
    if (entryRatio === ratio) return i + 1;
    const gap = Math.abs(ratio - entryRatio);
    if (gap < minGap) {
      minGap = gap;
      slice = i + 1;
    }
  }
  return slice;
}

/**
 * The slice gap between a query colour and a target (zgap) colour: the target's slice when
 * either slice is 0, else the absolute difference (`calculateSliceGap`).
 */
export function sliceGapOfSlices(querySlice: number, targetSlice: number): number {
  return querySlice === 0 || targetSlice === 0 ? targetSlice : Math.abs(querySlice - targetSlice);
}

/** {@link sliceGapOfSlices} of two colours, the plain way. */
export function sliceGapPlain(lut: Lut, q: readonly [number, number, number], t: readonly [number, number, number]): number {
  return sliceGapOfSlices(sliceNumberPlain(lut, q[0], q[1], q[2]), sliceNumberPlain(lut, t[0], t[1], t[2]));
}

/**
 * Slice numbers of colours, memoised: the slice depends only on the (largest, second) channel
 * pair (RG, RB, GR, GB, BR, BG) and their two values, so 6 × 256 × 256 entries cover every
 * colour. A missing entry is found like {@link sliceNumberPlain} but over the LUT entries'
 * ratios computed once, so a miss costs a short loop over doubles.
 */
export interface SliceTable {
  lut: Lut;
  /** 0xffff = not computed yet. */
  memo: Uint16Array;
  /** Each LUT entry's own ratio (the pixel-match sector rule). */
  entryRatios: Float64Array;
}

/** LUT ranges by the table's pair index (key >> 16): RG, RB, GR, GB, BR, BG. */
const PAIR_RANGES: readonly (readonly [number, number])[] = [RANGES[1], RANGES[2], RANGES[3], RANGES[5], RANGES[6], RANGES[7]];

export function createSliceTable(lut: Lut): SliceTable {
  const entryRatios = new Float64Array(lut.length / 3);
  for (let i = 0; i < entryRatios.length; i++) entryRatios[i] = sectorOf(lut[3 * i], lut[3 * i + 1], lut[3 * i + 2]).ratio;
  return { lut, memo: new Uint16Array(6 * 65536).fill(0xffff), entryRatios };
}

/** {@link sliceNumberPlain} through the table. */
export function sliceNumber(table: SliceTable, r: number, g: number, b: number): number {
  let key: number;
  if (r >= g && r >= b) key = g >= b ? (r << 8) | g : 65536 | (r << 8) | b;
  else if (g >= r && g >= b) key = r >= b ? 131072 | (g << 8) | r : 196608 | (g << 8) | b;
  else key = r >= g ? 262144 | (b << 8) | r : 327680 | (b << 8) | g;
  const slice = table.memo[key];
  return slice !== 0xffff ? slice : fillSlice(table, key);
}

function fillSlice(table: SliceTable, key: number): number {
  const [first, last] = PAIR_RANGES[key >> 16];
  const ratio = (key & 255) / ((key >> 8) & 255);
  const ratios = table.entryRatios;
  let slice = 0;
  let minGap = 1000;
  for (let i = first; i <= last; i++) {
    if (ratios[i] === ratio) {
      slice = i + 1;
      break;
    }
    const gap = Math.abs(ratio - ratios[i]);
    if (gap < minGap) {
      minGap = gap;
      slice = i + 1;
    }
  }
  table.memo[key] = slice;
  return slice;
}
