import { PAD, type PreparedMask, type TargetCodes } from "../scoring/fast-scorer.ts";
import { RANK_OF_FRACTION, RATIO_BITS } from "../scoring/color-code.ts";
import { codeOfValue } from "./encoded-target.ts";
import type { Shard } from "./shard-format.ts";

/**
 * A shard's palette seen through a data threshold: id → colour code, or 0 where the pixel's
 * brightest channel is not above the threshold. Computed once per shard and search; empty for
 * shards that store values directly.
 */
export function thresholdPalette(shard: Shard, dataThreshold: number): Int32Array {
  const { palette } = shard;
  const out = new Int32Array(palette.length);
  for (let i = 0; i < palette.length; i++) out[i] = codeOfValue(palette[i], dataThreshold);
  return out;
}

/**
 * Writes an indexed target's codes into the raster, only in the rows the mask can read.
 * `runs` holds `runEntries` numbers decoded by `decodeRuns`.
 * {@link clearTarget} with the same arguments restores the raster to zeros afterwards, which
 * costs as much as the writes instead of clearing the whole raster.
 */
export function loadTarget(
  prepared: PreparedMask,
  runs: Uint32Array,
  runEntries: number,
  pixels: Uint16Array | Uint8Array,
  codeOfId: Int32Array,
  raster: TargetCodes,
): void {
  const W = raster.width;
  const paddedWidth = W + 2 * PAD;
  const codes = raster.codes;
  const firstStart = prepared.firstRow * W;
  const endStart = (prepared.lastRow + 1) * W;
  const direct = pixels instanceof Uint8Array;
  const threshold = prepared.dataThreshold;
  let k = 0;
  for (let r = 0; r < runEntries; r += 2) {
    const start = runs[r];
    const length = runs[r + 1];
    if (start < firstStart || start >= endStart) {
      k += length;
      continue;
    }
    const y = (start / W) | 0;
    let o = (y + PAD) * paddedWidth + (start - y * W) + PAD;
    const end = o + length;
    if (!direct) {
      for (; o < end; o++) codes[o] = codeOfId[pixels[k++]];
      continue;
    }
    // Inline codeOfValue: sector in byte 2, largest in byte 1, second in byte 0.
    for (let b = 3 * k; o < end; o++, b += 3) {
      codes[o] =
        pixels[b + 1] > threshold ? ((pixels[b + 2] + 1) << RATIO_BITS) | RANK_OF_FRACTION[(pixels[b + 1] << 8) | pixels[b]] : 0;
    }
    k += length;
  }
}

/** Undoes {@link loadTarget}. */
export function clearTarget(prepared: PreparedMask, runs: Uint32Array, runEntries: number, raster: TargetCodes): void {
  const W = raster.width;
  const paddedWidth = W + 2 * PAD;
  const firstStart = prepared.firstRow * W;
  const endStart = (prepared.lastRow + 1) * W;
  for (let r = 0; r < runEntries; r += 2) {
    const start = runs[r];
    if (start < firstStart || start >= endStart) continue;
    const y = (start / W) | 0;
    const o = (y + PAD) * paddedWidth + (start - y * W) + PAD;
    raster.codes.fill(0, o, o + runs[r + 1]);
  }
}
