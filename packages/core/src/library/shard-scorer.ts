import type { PreparedMask, TargetPixels } from "../scoring/fast-scorer.ts";
import { RANK_OF_FRACTION, RATIO_BITS } from "../scoring/color-code.ts";
import { codeOfValue } from "./encoded-target.ts";
import { ROW_BLOCK, type Shard } from "./shard-format.ts";

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
 * Collects an indexed target's lit footprint pixels for scoring: only the rows the mask can
 * reach are parsed (found through the item's row-block index), and of those only the pixels
 * inside the mask's footprint are kept.
 */
export function loadTarget(
  prepared: PreparedMask,
  blocks: Uint32Array,
  stream: Uint8Array,
  pixels: Uint16Array | Uint8Array,
  codeOfId: Int32Array,
  out: TargetPixels,
): void {
  const { firstRow, lastRow } = prepared;
  out.count = 0;
  if (lastRow < firstRow) return;
  const W = out.width;
  const { footprint, codes } = out;
  const { spanFirst } = prepared;
  let n = 0;
  const { rowSpans, spans } = prepared;
  const palette = pixels instanceof Uint16Array;
  const threshold = prepared.dataThreshold;
  const blockPixels = ROW_BLOCK * W;
  const lastBlock = Math.floor(lastRow / ROW_BLOCK);
  let spanRow = -1;
  let s = 0;
  let sEnd = 0;
  for (let block = Math.floor(firstRow / ROW_BLOCK); block <= lastBlock; block++) {
    let i = blocks[2 * block];
    const stop = block + 1 < blocks.length / 2 ? blocks[2 * block + 2] : stream.length;
    let k = blocks[2 * block + 1];
    let end = block * blockPixels;
    while (i < stop) {
      let byte = stream[i++];
      let gap = byte & 0x7f;
      for (let shift = 7; byte & 0x80; shift += 7) {
        byte = stream[i++];
        gap |= (byte & 0x7f) << shift;
      }
      byte = stream[i++];
      let length = byte & 0x7f;
      for (let shift = 7; byte & 0x80; shift += 7) {
        byte = stream[i++];
        length |= (byte & 0x7f) << shift;
      }
      const start = end + gap;
      end = start + length;
      const y = (start / W) | 0;
      if (y < firstRow || y > lastRow) {
        k += length;
        continue;
      }
      // Intersect the run [x0, x1) with the footprint spans of its row; runs of a row come in
      // x order, so the span cursor only moves forward.
      const x0 = start - y * W;
      const x1 = x0 + length;
      if (y !== spanRow) {
        spanRow = y;
        s = rowSpans[y];
        sEnd = rowSpans[y + 1];
      }
      while (s < sEnd && spans[s + 1] <= x0) s += 2;
      for (let t = s; t < sEnd && spans[t] < x1; t += 2) {
        const a = spans[t] > x0 ? spans[t] : x0;
        const b = spans[t + 1] < x1 ? spans[t + 1] : x1;
        // Footprint index of pixel x in this span: the span's first index + (x − span start).
        const toFootprint = spanFirst[t >> 1] - spans[t];
        if (palette) {
          for (let x = a, q = k + a - x0; x < b; x++, q++) {
            const code = codeOfId[pixels[q]];
            if (code !== 0) {
              footprint[n] = toFootprint + x;
              codes[n++] = code;
            }
          }
        } else {
          for (let x = a, v = 3 * (k + a - x0); x < b; x++, v += 3) {
            if (pixels[v + 1] <= threshold) continue;
            footprint[n] = toFootprint + x;
            codes[n++] = ((pixels[v + 2] + 1) << RATIO_BITS) | RANK_OF_FRACTION[(pixels[v + 1] << 8) | pixels[v]];
          }
        }
      }
      k += length;
    }
  }
  out.count = n;
}
