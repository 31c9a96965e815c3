import type { RgbImage } from "../image/rgb-image.ts";
import type { ScoreParams } from "../search-params.ts";
import { CODE_LIMIT, codeOfRgb, NO_COLOR, RATIO_BITS } from "./color-code.ts";
import { isInLabelRegion } from "./label-regions.ts";
import { matchIntervals } from "./match-intervals.ts";
import { xyOffsets } from "./pixel-match-plain.ts";
import type { PixelMatchScore } from "./pixel-match-score.ts";
import { assertSameSize } from "./same-size.ts";
import { simdKernel } from "./simd-kernel.ts";

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
 * mask position.
 *
 * A footprint pixel is covered by up to 34 copies (17 shifts × 2 sides) but, on real masks, by
 * only 3–4 distinct colours: neighbouring mask pixels share their depth. So the covers of each
 * footprint pixel are grouped by colour interval, and a pixel's groups are sorted by the hue
 * sector their interval lies in, so that a target code is tested only against the groups of
 * its own sector. `groups` holds four numbers per group: the interval's first code and width,
 * then the copies it counts for as two bit sets (unmirrored shifts, mirrored shifts). Footprint
 * pixel t's groups for code sector s (1…6, a code's top bits) are the entries
 * `[sectorStart[8t + s], sectorStart[8t + s + 1])` (offsets into `groups`, in steps of 4).
 * A mask colour with matches in adjacent hue sectors gives one group per interval: a target
 * code lies in at most one of them, so counts stay exact. Everything the inner loop reads is a
 * typed array in the order it visits it.
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
  /**
   * Per colour code, 1 when it lies in some mask colour's intervals: a target pixel of any
   * other colour matches nothing and is dropped while its target is loaded.
   */
  matchable: Uint8Array;
  /** Per distinct mask colour (slot), the three (lo, width) code intervals it matches, flattened. */
  slotIntervals: Int32Array;
  /** The footprint, sorted: the RGB byte offset (in an unpadded image) of each pixel. */
  touchedRgb: Int32Array;
  /** Per footprint pixel, 8 offsets into `groups`: where each code sector's groups begin. */
  sectorStart: Int32Array;
  /** Per group: first code, width, unmirrored copies (bit = shift number), mirrored copies. */
  groups: Int32Array;
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
  const groups = groupsOf(copies, slots, Int32Array.from(intervalTable), offsets, touched.padded, paddedWidth * (H + 2 * PAD));
  return {
    width: W,
    height: H,
    maskSize,
    offsets,
    mirror: params.mirrorMask,
    dataThreshold: params.dataThreshold,
    matchable: matchableCodes(intervalTable),
    slotIntervals: Int32Array.from(intervalTable),
    touchedRgb: touched.rgb,
    ...groups,
    rowSpans,
    spans,
    spanFirst,
    firstRow: touched.padded.length > 0 ? Math.floor(touched.padded[0] / paddedWidth) - PAD : 0,
    lastRow: touched.padded.length > 0 ? Math.floor(touched.padded[touched.padded.length - 1] / paddedWidth) - PAD : -1,
  };
}

/** The union of the slots' code intervals, as a 0/1 table over codes (a difference array, summed). */
function matchableCodes(intervalTable: number[]): Uint8Array {
  const delta = new Int32Array(CODE_LIMIT + 1);
  for (let i = 0; i < intervalTable.length; i += 2) {
    const width = intervalTable[i + 1];
    if (width < 0) continue;
    delta[intervalTable[i]]++;
    delta[intervalTable[i] + width + 1]--;
  }
  const out = new Uint8Array(CODE_LIMIT);
  for (let c = 0, depth = 0; c < CODE_LIMIT; c++) {
    depth += delta[c];
    out[c] = depth > 0 ? 1 : 0;
  }
  return out;
}

function touchedPixels(lists: number[][], offsets: Int32Array, W: number, H: number) {
  const paddedWidth = W + 2 * PAD;
  const seen = new Uint8Array(paddedWidth * (H + 2 * PAD));
  for (const list of lists) {
    for (let k = 0; k < offsets.length; k++) {
      const o = offsets[k];
      for (let j = 0; j < list.length; j++) seen[list[j] + o] = 1;
    }
  }
  // Scanning the image part of the raster in order gives the footprint sorted, inside the image.
  let count = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0, t = (y + PAD) * paddedWidth + PAD; x < W; x++, t++) count += seen[t];
  }
  const padded = new Int32Array(count);
  const rgb = new Int32Array(count);
  for (let y = 0, n = 0; y < H; y++) {
    for (let x = 0, t = (y + PAD) * paddedWidth + PAD; x < W; x++, t++) {
      if (seen[t] === 0) continue;
      padded[n] = t;
      rgb[n++] = 3 * (y * W + x);
    }
  }
  return { padded, rgb };
}

/** Sorts a[from, to) in place; the lists sorted here hold a few dozen entries at most. */
function insertionSort(a: Int32Array, from: number, to: number): void {
  for (let i = from + 1; i < to; i++) {
    const v = a[i];
    let j = i - 1;
    for (; j >= from && a[j] > v; j--) a[j + 1] = a[j];
    a[j + 1] = v;
  }
}

/**
 * Per footprint pixel, its covering copies grouped by colour interval (see {@link PreparedMask}).
 * Covers are first bucketed by footprint pixel with a counting sort, then, within a pixel, by
 * colour slot. Typed arrays throughout: a large mask has a million covers.
 */
function groupsOf(
  copies: number[][],
  slots: number[],
  slotIntervals: Int32Array,
  offsets: Int32Array,
  touched: Int32Array,
  paddedSize: number,
) {
  const footprintIndex = new Int32Array(paddedSize).fill(-1);
  for (let t = 0; t < touched.length; t++) footprintIndex[touched[t]] = t;
  const shifts = offsets.length;
  const coverStart = new Int32Array(touched.length + 1);
  for (const positions of copies) {
    for (let k = 0; k < shifts; k++) {
      const offset = offsets[k];
      for (let j = 0; j < positions.length; j++) {
        const t = footprintIndex[positions[j] + offset];
        if (t >= 0) coverStart[t + 1]++;
      }
    }
  }
  for (let t = 0; t < touched.length; t++) coverStart[t + 1] += coverStart[t];
  // Each cover as slot << 6 | copy, bucketed by footprint pixel.
  const covers = new Int32Array(coverStart[touched.length]);
  const next = coverStart.slice(0, touched.length);
  copies.forEach((positions, side) => {
    for (let k = 0; k < shifts; k++) {
      const offset = offsets[k];
      const copy = side * shifts + k;
      for (let j = 0; j < positions.length; j++) {
        const t = footprintIndex[positions[j] + offset];
        if (t >= 0) covers[next[t]++] = (slots[j] << 6) | copy;
      }
    }
  });

  const sectorStart = new Int32Array(8 * touched.length + 8);
  let groups = new Int32Array(Math.max(64, 16 * touched.length));
  let size = 0;
  // A pixel's pending groups, as indices into `pendingGroups` (4 numbers each) sorted by first code.
  let pendingGroups = new Int32Array(0);
  let order = new Int32Array(0);
  for (let t = 0; t < touched.length; t++) {
    const from = coverStart[t];
    const to = coverStart[t + 1];
    // Sorting by slot puts a pixel's covers of one colour side by side.
    insertionSort(covers, from, to);
    if (pendingGroups.length < 12 * (to - from)) {
      pendingGroups = new Int32Array(12 * (to - from));
      order = new Int32Array(3 * (to - from));
    }
    let pending = 0;
    for (let e = from; e < to; ) {
      const slot = covers[e] >>> 6;
      let unmirrored = 0;
      let mirrored = 0;
      for (; e < to && covers[e] >>> 6 === slot; e++) {
        const copy = covers[e] & 63;
        if (copy < shifts) unmirrored |= 1 << copy;
        else mirrored |= 1 << (copy - shifts);
      }
      for (let i = 0; i < 3; i++) {
        const width = slotIntervals[6 * slot + 2 * i + 1];
        if (width < 0) continue;
        const at = 4 * pending;
        pendingGroups[at] = slotIntervals[6 * slot + 2 * i];
        pendingGroups[at + 1] = width;
        pendingGroups[at + 2] = unmirrored;
        pendingGroups[at + 3] = mirrored;
        order[pending++] = at;
      }
    }
    // By first code (ties in the order found): an interval never crosses a sector, so its
    // sector is that of its first code.
    for (let i = 1; i < pending; i++) {
      const v = order[i];
      let j = i - 1;
      for (; j >= 0 && pendingGroups[order[j]] > pendingGroups[v]; j--) order[j + 1] = order[j];
      order[j + 1] = v;
    }
    for (let sector = 0, k = 0; sector < 8; sector++) {
      while (k < pending && pendingGroups[order[k]] >>> RATIO_BITS < sector) k++;
      sectorStart[8 * t + sector] = size + 4 * k;
    }
    if (size + 4 * pending > groups.length) {
      const grown = new Int32Array(Math.max(2 * groups.length, size + 4 * pending));
      grown.set(groups.subarray(0, size));
      groups = grown;
    }
    for (let i = 0; i < pending; i++) {
      const at = order[i];
      groups[size++] = pendingGroups[at];
      groups[size++] = pendingGroups[at + 1];
      groups[size++] = pendingGroups[at + 2];
      groups[size++] = pendingGroups[at + 3];
    }
  }
  return { sectorStart, groups: groups.slice(0, size) };
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
  const { touchedRgb, matchable } = prepared;
  const { footprint, codes } = out;
  let n = 0;
  for (let k = 0; k < touchedRgb.length; k++) {
    const i = touchedRgb[k];
    const r = rgb[i];
    const g = rgb[i + 1];
    const b = rgb[i + 2];
    if (!(r > t || g > t || b > t)) continue;
    const code = codeOfRgb(r, g, b);
    if (matchable[code] === 0) continue;
    footprint[n] = k;
    codes[n++] = code;
  }
  out.count = n;
}

/**
 * Scores a prepared mask against a target's lit footprint pixels: per lit pixel, one
 * branch-free interval test per colour group, its result added to every copy of the group.
 */
export function scoreTargetPixels(prepared: PreparedMask, target: TargetPixels, counts?: Int32Array): PixelMatchScore {
  assertSameSize(prepared, target);
  const { offsets, maskSize } = prepared;
  const shifts = offsets.length;
  const perCopy = counts && counts.length >= 2 * shifts ? counts : new Int32Array(2 * shifts);
  perCopy.fill(0);
  if (useSimd && simdKernel()) countMatchesSimd(prepared, target, perCopy);
  else countMatches(prepared, target, perCopy);
  let best = 0;
  let mirrored = false;
  for (let k = 0; k < shifts; k++) if (perCopy[k] > best) best = perCopy[k];
  for (let k = shifts; k < 2 * shifts; k++) {
    // Strictly better only: ties keep the unmirrored score, as the reference does.
    if (perCopy[k] > best) {
      best = perCopy[k];
      mirrored = true;
    }
  }
  return { matchingPixels: best, matchingRatio: maskSize > 0 ? best / maskSize : 0, mirrored, maskSize };
}

let useSimd = true;

/**
 * Chooses the inner loop: WebAssembly SIMD where the runtime has it (the default), or the
 * JavaScript one. For tests and benchmarks, which compare the two.
 */
export function useSimdScoring(on: boolean): void {
  useSimd = on;
}

/** A prepared mask's groups as the SIMD kernel reads them (see simd-kernel.ts). */
interface SimdLayout {
  blocks: Int32Array;
  /** Per footprint pixel, 8 byte offsets into `blocks` (which sit at address 0). */
  starts: Int32Array;
}

const simdLayouts = new WeakMap<PreparedMask, SimdLayout>();

function simdLayoutOf(prepared: PreparedMask): SimdLayout {
  let layout = simdLayouts.get(prepared);
  if (layout) return layout;
  const { sectorStart, groups } = prepared;
  const pixels = sectorStart.length / 8 - 1;
  let total = 0;
  for (let t = 0; t < pixels; t++) {
    for (let sector = 1; sector <= 6; sector++) total += Math.ceil((sectorStart[8 * t + sector + 1] - sectorStart[8 * t + sector]) / 16);
  }
  const blocks = new Int32Array(16 * total);
  const starts = new Int32Array(8 * pixels + 8);
  let block = 0;
  for (let t = 0; t < pixels; t++) {
    for (let sector = 0; sector < 8; sector++) {
      starts[8 * t + sector] = 64 * block;
      if (sector < 1 || sector > 6) continue;
      const from = sectorStart[8 * t + sector];
      const to = sectorStart[8 * t + sector + 1];
      for (let g = from; g < to; g += 16, block++) {
        for (let q = 0; q < 4; q++) {
          const at = g + 4 * q;
          const o = 16 * block + q;
          // Padding: a group no code reaches (c − lo is negative, so huge unsigned), counting for none.
          blocks[o] = at < to ? groups[at] : 0x7fffffff;
          blocks[o + 4] = at < to ? groups[at + 1] : 0;
          blocks[o + 8] = at < to ? groups[at + 2] : 0;
          blocks[o + 12] = at < to ? groups[at + 3] : 0;
        }
      }
    }
  }
  layout = { blocks, starts };
  simdLayouts.set(prepared, layout);
  return layout;
}

/** The prepared mask whose layout is in the kernel's memory now. */
let loadedInKernel: PreparedMask | null = null;

function countMatchesSimd(prepared: PreparedMask, target: TargetPixels, perCopy: Int32Array): void {
  const kernel = simdKernel()!;
  const { blocks, starts } = simdLayoutOf(prepared);
  const startsAt = 4 * blocks.length;
  const footprintAt = startsAt + 4 * starts.length;
  const codesAt = footprintAt + 4 * target.footprint.length;
  const outAt = codesAt + 4 * target.codes.length;
  const copies = 2 * prepared.offsets.length;
  const needed = outAt + 4 * copies;
  if (kernel.memory.buffer.byteLength < needed) {
    kernel.memory.grow(Math.ceil((needed - kernel.memory.buffer.byteLength) / 65536));
  }
  const { buffer } = kernel.memory;
  if (loadedInKernel !== prepared) {
    new Int32Array(buffer, 0, blocks.length).set(blocks);
    new Int32Array(buffer, startsAt, starts.length).set(starts);
    loadedInKernel = prepared;
  }
  const n = target.count;
  new Int32Array(buffer, footprintAt, n).set(target.footprint.subarray(0, n));
  new Int32Array(buffer, codesAt, n).set(target.codes.subarray(0, n));
  const out = new Int32Array(buffer, outAt, copies);
  out.fill(0);
  // Sector starts are offsets from address 0, where the blocks are: absolute already.
  kernel.count(footprintAt, codesAt, n, startsAt, outAt, prepared.offsets.length);
  perCopy.set(out);
}

/**
 * The hot loop, alone in its function: V8 optimises it while it runs (on-stack replacement),
 * and code after such a loop that had not run yet would send every later call back to bytecode.
 */
function countMatches(prepared: PreparedMask, target: TargetPixels, perCopy: Int32Array): void {
  const { sectorStart, groups } = prepared;
  const shifts = prepared.offsets.length;
  const { footprint, codes, count } = target;
  // 4-bit counters, bit-sliced: plane p of `a` holds bit p of every unmirrored copy's count
  // since the last flush, `b` the same for mirrored copies. Adding a pixel's set of matching
  // copies is a fixed chain of and/xor, whatever the number of copies; 15 pixels fit.
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
  let pending = 0;
  for (let i = 0; i < count; i++) {
    const c = codes[i];
    const s = 8 * footprint[i] + (c >>> RATIO_BITS);
    let lo = 0;
    let hi = 0;
    for (let g = sectorStart[s], end = sectorStart[s + 1]; g < end; g += 4) {
      // Unsigned compare: c − lo wraps to a huge number below the interval. Most tests fail,
      // so the branch predicts well.
      if ((c - groups[g]) >>> 0 > groups[g + 1]) continue;
      lo |= groups[g + 2];
      hi |= groups[g + 3];
    }
    // About three lit pixels in four match no copy: skip the counters for them.
    if ((lo | hi) === 0 && i !== count - 1) continue;
    let carry = a0 & lo;
    a0 ^= lo;
    let next = a1 & carry;
    a1 ^= carry;
    carry = a2 & next;
    a2 ^= next;
    a3 ^= carry;
    carry = b0 & hi;
    b0 ^= hi;
    next = b1 & carry;
    b1 ^= carry;
    carry = b2 & next;
    b2 ^= next;
    b3 ^= carry;
    // Every 15 pixels, and after the last, the counters go into the per-copy totals.
    if (++pending === 15 || i === count - 1) {
      for (let k = 0; k < shifts; k++) {
        perCopy[k] += ((a0 >>> k) & 1) | (((a1 >>> k) & 1) << 1) | (((a2 >>> k) & 1) << 2) | (((a3 >>> k) & 1) << 3);
        perCopy[shifts + k] += ((b0 >>> k) & 1) | (((b1 >>> k) & 1) << 1) | (((b2 >>> k) & 1) << 2) | (((b3 >>> k) & 1) << 3);
      }
      a0 = a1 = a2 = a3 = b0 = b1 = b2 = b3 = 0;
      pending = 0;
    }
  }
}

/**
 * Colour tests the scorer makes for this target (one per lit footprint pixel and colour group):
 * for benchmarks, which report time per test.
 */
export function colorTestsOf(prepared: PreparedMask, target: TargetPixels): number {
  let n = 0;
  for (let i = 0; i < target.count; i++) {
    const s = 8 * target.footprint[i] + (target.codes[i] >>> RATIO_BITS);
    n += (prepared.sectorStart[s + 1] - prepared.sectorStart[s]) / 4;
  }
  return n;
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
