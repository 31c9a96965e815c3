import type { RgbImage } from "../image/rgb-image.ts";
import type { ScoreParams } from "../search-params.ts";
import { codeOfRgb, NO_COLOR } from "./color-code.ts";
import { isInLabelRegion } from "./label-regions.ts";
import { matchIntervals } from "./match-intervals.ts";
import { xyOffsets } from "./pixel-match-plain.ts";
import type { PixelMatchScore } from "./pixel-match-score.ts";
import { assertSameSize } from "./same-size.ts";

/**
 * Border added around target code rasters so that every shifted position stays inside the
 * array: out-of-image positions read code 0 (no match), which is what the reference's −1
 * entries mean, without a bounds check in the inner loop.
 */
export const PAD = 4;

/**
 * Everything about a mask that does not depend on the target, computed once per search.
 * Positions are indices into the mask-sized raster padded by {@link PAD}.
 *
 * Scoring runs over the target's lit pixels inside the mask's footprint (every pixel some
 * shifted or mirrored copy of the mask covers), not over the mask: a typical target lights a
 * few percent of the footprint, so this is several times less work than testing every shifted
 * mask position. For footprint pixel t, `covers[coverStart[t] … coverStart[t+1])` lists the
 * copies covering it, each as `copy | slot << 6`: the copy's number (unmirrored shifts first,
 * then mirrored ones) and the colour slot of the mask pixel that lands there.
 */
export interface PreparedMask {
  width: number;
  height: number;
  /** Mask pixels counted in the ratio's denominator (including those no colour can match). */
  maskSize: number;
  /** Padded-raster offsets of the distinct XY shifts (1, 9 or 17). */
  offsets: Int32Array;
  mirror: boolean;
  dataThreshold: number;
  /** Per distinct mask colour (slot), the three (lo, width) code intervals it matches, flattened. */
  slotIntervals: Int32Array;
  /** The footprint, sorted: the RGB byte offset (in an unpadded image) of each pixel. */
  touchedRgb: Int32Array;
  coverStart: Int32Array;
  covers: Int32Array;
  /** The footprint as x-spans per image row: row y owns spans[rowSpans[y] … rowSpans[y+1]) as (x0, x1) pairs. */
  rowSpans: Int32Array;
  spans: Int32Array;
  /** Footprint index of each span's first pixel (indexed by span start / 2). */
  spanFirst: Int32Array;
  /** Image rows of the footprint, [firstRow, lastRow] (empty when lastRow < firstRow). */
  firstRow: number;
  lastRow: number;
}

/**
 * A target as the fast scorer reads it: its lit pixels (above the data threshold, with a hue
 * sector) inside the mask's footprint, as footprint indices with their colour codes. Reused
 * from target to target; `count` says how many entries are current.
 */
export interface TargetPixels {
  width: number;
  height: number;
  footprint: Int32Array;
  codes: Int32Array;
  count: number;
}

/** Room for the lit footprint pixels of any target of this mask. */
export function createTargetPixels(prepared: PreparedMask): TargetPixels {
  const capacity = prepared.touchedRgb.length;
  return { width: prepared.width, height: prepared.height, footprint: new Int32Array(capacity), codes: new Int32Array(capacity), count: 0 };
}

/** Index of pixel (x, y) in the padded raster. */
function paddedIndex(x: number, y: number, width: number): number {
  return (y + PAD) * (width + 2 * PAD) + x + PAD;
}

/**
 * Precomputes a mask for {@link scoreTargetPixels}: positions, shift offsets, the footprint,
 * and for each position the code intervals of target colours that match its colour.
 *
 * @example
 * const prepared = prepareMask(mask, defaultSearchParams);
 * const pixels = createTargetPixels(prepared);
 * collectFromRgb(prepared, target.rgb, pixels);
 * const score = scoreTargetPixels(prepared, pixels);
 */
export function prepareMask(mask: RgbImage, params: ScoreParams): PreparedMask {
  const { width: W, height: H, rgb } = mask;
  const tolerance = params.pixColorFluctuation / 100;
  const threshold = params.maskThreshold;
  const memo = new Map<number, number>();
  const intervalTable: number[] = [];
  const positions: number[] = [];
  const mirroredPositions: number[] = [];
  const slots: number[] = [];
  let maskSize = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = 3 * (y * W + x);
      const r = rgb[i];
      const g = rgb[i + 1];
      const b = rgb[i + 2];
      if (!(r > threshold || g > threshold || b > threshold)) continue;
      if (isInLabelRegion(x, y, W, params.excludeTopLeft, params.excludeTopRight)) continue;
      maskSize++;
      const code = codeOfRgb(r, g, b);
      if (code === NO_COLOR) continue;
      let slot = memo.get(code);
      if (slot === undefined) {
        const { lo, width } = matchIntervals(code, tolerance);
        if (width[0] < 0 && width[1] < 0 && width[2] < 0) slot = -1;
        else {
          slot = intervalTable.length / 6;
          intervalTable.push(lo[0], width[0], lo[1], width[1], lo[2], width[2]);
        }
        memo.set(code, slot);
      }
      if (slot < 0) continue;
      positions.push(paddedIndex(x, y, W));
      mirroredPositions.push(paddedIndex(W - 1 - x, y, W));
      slots.push(slot);
    }
  }
  const paddedWidth = W + 2 * PAD;
  const offsets = Int32Array.from(xyOffsets(params.xyShift).map(([dx, dy]) => dy * paddedWidth + dx));
  const copies = params.mirrorMask ? [positions, mirroredPositions] : [positions];
  const touched = touchedPixels(copies, offsets, W, H);
  const { rowSpans, spans, spanFirst } = spansByRow(touched.padded, W, H);
  const { coverStart, covers } = coversOf(copies, slots, offsets, touched.padded, paddedWidth * (H + 2 * PAD));
  return {
    width: W,
    height: H,
    maskSize,
    offsets,
    mirror: params.mirrorMask,
    dataThreshold: params.dataThreshold,
    slotIntervals: Int32Array.from(intervalTable),
    touchedRgb: touched.rgb,
    coverStart,
    covers,
    rowSpans,
    spans,
    spanFirst,
    firstRow: touched.padded.length > 0 ? Math.floor(touched.padded[0] / paddedWidth) - PAD : 0,
    lastRow: touched.padded.length > 0 ? Math.floor(touched.padded[touched.padded.length - 1] / paddedWidth) - PAD : -1,
  };
}

function touchedPixels(lists: number[][], offsets: Int32Array, W: number, H: number) {
  const paddedWidth = W + 2 * PAD;
  const seen = new Uint8Array(paddedWidth * (H + 2 * PAD));
  const padded: number[] = [];
  for (const list of lists) {
    for (const q of list) {
      for (const o of offsets) {
        const t = q + o;
        if (seen[t]) continue;
        seen[t] = 1;
        const x = (t % paddedWidth) - PAD;
        const y = Math.floor(t / paddedWidth) - PAD;
        if (x >= 0 && x < W && y >= 0 && y < H) padded.push(t);
      }
    }
  }
  padded.sort((a, b) => a - b);
  const rgb = padded.map((t) => 3 * ((Math.floor(t / paddedWidth) - PAD) * W + (t % paddedWidth) - PAD));
  return { padded: Int32Array.from(padded), rgb: Int32Array.from(rgb) };
}

/** Per footprint pixel, the (copy, colour slot) pairs that cover it, grouped by counting sort. */
function coversOf(copies: number[][], slots: number[], offsets: Int32Array, touched: Int32Array, paddedSize: number) {
  const footprintIndex = new Int32Array(paddedSize).fill(-1);
  touched.forEach((p, t) => (footprintIndex[p] = t));
  const coverStart = new Int32Array(touched.length + 1);
  copies.forEach((positions) => {
    for (const offset of offsets) for (const p of positions) coverStart[footprintIndex[p + offset] + 1]++;
  });
  // Out-of-image positions counted into slot 0 above; drop them before the prefix sum.
  coverStart[0] = 0;
  for (let t = 0; t < touched.length; t++) coverStart[t + 1] += coverStart[t];
  const covers = new Int32Array(coverStart[touched.length]);
  const next = coverStart.slice(0, touched.length);
  copies.forEach((positions, side) => {
    offsets.forEach((offset, k) => {
      const copy = side * offsets.length + k;
      positions.forEach((p, j) => {
        const t = footprintIndex[p + offset];
        if (t >= 0) covers[next[t]++] = copy | (slots[j] << 6);
      });
    });
  });
  return { coverStart, covers };
}

function spansByRow(touched: Int32Array, W: number, H: number): { rowSpans: Int32Array; spans: Int32Array; spanFirst: Int32Array } {
  const paddedWidth = W + 2 * PAD;
  const rowSpans = new Int32Array(H + 1);
  const spans: number[] = [];
  const spanFirst: number[] = [];
  let k = 0;
  for (let y = 0; y < H; y++) {
    rowSpans[y] = spans.length;
    while (k < touched.length && Math.floor(touched[k] / paddedWidth) - PAD === y) {
      const x0 = (touched[k] % paddedWidth) - PAD;
      spanFirst.push(k);
      let x1 = x0 + 1;
      k++;
      while (k < touched.length && touched[k] === touched[k - 1] + 1 && (touched[k] % paddedWidth) - PAD < W) {
        x1++;
        k++;
      }
      spans.push(x0, x1);
    }
  }
  rowSpans[H] = spans.length;
  return { rowSpans, spans: Int32Array.from(spans), spanFirst: Int32Array.from(spanFirst) };
}

/**
 * Collects a decoded target's lit footprint pixels into `out`: only the footprint is read, not
 * the whole image.
 */
export function collectFromRgb(prepared: PreparedMask, rgb: Uint8Array, out: TargetPixels): void {
  const t = prepared.dataThreshold;
  const { touchedRgb } = prepared;
  const { footprint, codes } = out;
  let n = 0;
  for (let k = 0; k < touchedRgb.length; k++) {
    const i = touchedRgb[k];
    const r = rgb[i];
    const g = rgb[i + 1];
    const b = rgb[i + 2];
    if (!(r > t || g > t || b > t)) continue;
    const code = codeOfRgb(r, g, b);
    if (code === NO_COLOR) continue;
    footprint[n] = k;
    codes[n++] = code;
  }
  out.count = n;
}

/** Scores a prepared mask against a target's lit footprint pixels. */
export function scoreTargetPixels(prepared: PreparedMask, target: TargetPixels, counts?: Int32Array): PixelMatchScore {
  assertSameSize(prepared, target);
  const { offsets, maskSize, slotIntervals, coverStart, covers } = prepared;
  const copies = 2 * offsets.length;
  const perCopy = counts && counts.length >= copies ? counts : new Int32Array(copies);
  perCopy.fill(0);
  const { footprint, codes, count } = target;
  for (let i = 0; i < count; i++) {
    const t = footprint[i];
    const c = codes[i];
    for (let e = coverStart[t], end = coverStart[t + 1]; e < end; e++) {
      const cover = covers[e];
      perCopy[cover & 63] += matches(c, slotIntervals, 6 * (cover >>> 6));
    }
  }
  let best = 0;
  let mirrored = false;
  for (let k = 0; k < offsets.length; k++) if (perCopy[k] > best) best = perCopy[k];
  for (let k = offsets.length; k < copies; k++) {
    // Strictly better only: ties keep the unmirrored score, as the reference does.
    if (perCopy[k] > best) {
      best = perCopy[k];
      mirrored = true;
    }
  }
  return { matchingPixels: best, matchingRatio: maskSize > 0 ? best / maskSize : 0, mirrored, maskSize };
}

/** 1 when code c lies in one of the three intervals at `iv`, else 0. */
function matches(c: number, intervals: Int32Array, iv: number): number {
  let d = c - intervals[iv];
  if (d >= 0 && d <= intervals[iv + 1]) return 1;
  d = c - intervals[iv + 2];
  if (d >= 0 && d <= intervals[iv + 3]) return 1;
  d = c - intervals[iv + 4];
  return d >= 0 && d <= intervals[iv + 5] ? 1 : 0;
}

const scratch = new WeakMap<PreparedMask, TargetPixels>();

/**
 * Scores a decoded target with a prepared mask, reusing one pixel buffer per prepared mask.
 *
 * @example
 * const prepared = prepareMask(mask, params);
 * for (const target of targets) console.log(scoreTargetImage(prepared, target).matchingPixels);
 */
export function scoreTargetImage(prepared: PreparedMask, target: RgbImage, name = "the target image"): PixelMatchScore {
  assertSameSize(prepared, target, name);
  let pixels = scratch.get(prepared);
  if (!pixels) {
    pixels = createTargetPixels(prepared);
    scratch.set(prepared, pixels);
  }
  collectFromRgb(prepared, target.rgb, pixels);
  return scoreTargetPixels(prepared, pixels);
}

/**
 * Convenience for one-off scoring of decoded images with the fast path.
 *
 * @example
 * const score = scorePixelMatch(mask, target, defaultSearchParams);
 */
export function scorePixelMatch(mask: RgbImage, target: RgbImage, params: ScoreParams): PixelMatchScore {
  assertSameSize(mask, target);
  return scoreTargetImage(prepareMask(mask, params), target);
}
