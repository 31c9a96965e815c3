import { PAD, type PreparedMask, type TargetCodes } from "../scoring/fast-scorer.ts";
import { VALUE_CODE_BITS, VALUE_CODE_MASK } from "./encoded-target.ts";

/**
 * A shard's palette seen through a data threshold: id → colour code, or 0 where the pixel's
 * brightest channel is not above the threshold. Computed once per shard and search.
 */
export function thresholdPalette(palette: Uint32Array, dataThreshold: number): Int32Array {
  const out = new Int32Array(palette.length);
  for (let i = 0; i < palette.length; i++) {
    const v = palette[i];
    out[i] = v >>> VALUE_CODE_BITS > dataThreshold ? v & VALUE_CODE_MASK : 0;
  }
  return out;
}

/**
 * Writes an indexed target's codes into the raster, only in the rows the mask can read.
 * {@link clearTarget} with the same arguments restores the raster to zeros afterwards, which
 * costs as much as the writes instead of clearing the whole raster.
 */
export function loadTarget(
  prepared: PreparedMask,
  runs: Uint32Array,
  ids: Uint16Array | Uint32Array,
  codeOfId: Int32Array,
  raster: TargetCodes,
): void {
  const W = raster.width;
  const paddedWidth = W + 2 * PAD;
  const codes = raster.codes;
  const firstStart = prepared.firstRow * W;
  const endStart = (prepared.lastRow + 1) * W;
  let k = 0;
  for (let r = 0; r < runs.length; r += 2) {
    const start = runs[r];
    const length = runs[r + 1];
    if (start < firstStart || start >= endStart) {
      k += length;
      continue;
    }
    const y = (start / W) | 0;
    let o = (y + PAD) * paddedWidth + (start - y * W) + PAD;
    for (const end = o + length; o < end; o++) codes[o] = codeOfId[ids[k++]];
  }
}

/** Undoes {@link loadTarget}. */
export function clearTarget(prepared: PreparedMask, runs: Uint32Array, raster: TargetCodes): void {
  const W = raster.width;
  const paddedWidth = W + 2 * PAD;
  const firstStart = prepared.firstRow * W;
  const endStart = (prepared.lastRow + 1) * W;
  for (let r = 0; r < runs.length; r += 2) {
    const start = runs[r];
    if (start < firstStart || start >= endStart) continue;
    const y = (start / W) | 0;
    const o = (y + PAD) * paddedWidth + (start - y * W) + PAD;
    raster.codes.fill(0, o, o + runs[r + 1]);
  }
}
