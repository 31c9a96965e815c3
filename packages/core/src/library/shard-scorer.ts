import type { PreparedMask, TargetPixels } from "../scoring/fast-scorer.ts";
import { RANK_OF_FRACTION, RATIO_BITS } from "../scoring/color-code.ts";
import { codeOfValue } from "./encoded-target.ts";
import type { Shard } from "./shard-format.ts";
import { ROW_BLOCK, TILE_WIDTH, tileColumns } from "./tiled-runs.ts";

/**
 * A shard's palette seen through a data threshold: id → colour code, or 0 where the pixel's
 * brightest channel is not above the threshold — or, given a prepared mask's `matchable`
 * table, where its colour matches no mask colour. Computed once per shard and search; empty
 * for shards that store values directly.
 */
export function thresholdPalette(shard: Shard, dataThreshold: number, matchable?: Uint8Array): Int32Array {
  const { palette } = shard;
  const out = new Int32Array(palette.length);
  for (let i = 0; i < palette.length; i++) {
    const code = codeOfValue(palette[i], dataThreshold);
    out[i] = matchable && matchable[code] === 0 ? 0 : code;
  }
  return out;
}

const footprintTiles = new WeakMap<PreparedMask, Int32Array>();

/** The tiles (block · columns + column) that the mask's footprint touches, in stream order. */
function tilesOf(prepared: PreparedMask): Int32Array {
  let tiles = footprintTiles.get(prepared);
  if (!tiles) {
    const columns = tileColumns(prepared.width);
    const set = new Set<number>();
    for (let y = Math.max(0, prepared.firstRow); y <= prepared.lastRow; y++) {
      for (let s = prepared.rowSpans[y]; s < prepared.rowSpans[y + 1]; s += 2) {
        const first = Math.floor(prepared.spans[s] / TILE_WIDTH);
        const last = Math.floor((prepared.spans[s + 1] - 1) / TILE_WIDTH);
        for (let t = first; t <= last; t++) set.add(Math.floor(y / ROW_BLOCK) * columns + t);
      }
    }
    tiles = Int32Array.from([...set].sort((a, b) => a - b));
    footprintTiles.set(prepared, tiles);
  }
  return tiles;
}

/** The first and last row block the mask's footprint touches, or undefined for an empty footprint. */
export function touchedBlocks(prepared: PreparedMask): { first: number; last: number } | undefined {
  const tiles = tilesOf(prepared);
  if (tiles.length === 0) return undefined;
  const columns = tileColumns(prepared.width);
  return { first: (tiles[0] / columns) | 0, last: (tiles[tiles.length - 1] / columns) | 0 };
}

/**
 * An upper bound on any copy's matching pixels, read from the item's index alone (no run is
 * parsed): the target pixels with a hue sector in the tiles the mask's footprint touches. Every
 * matching pixel is a lit footprint pixel with a hue, so the bound holds for every threshold,
 * shift and side.
 */
export function matchUpperBound(prepared: PreparedMask, shard: Shard, item: number): number {
  const columns = tileColumns(prepared.width);
  const blocks = shard.blocks(item);
  const tileIndex = shard.tiles(item);
  const pixelCount = shard.header.items[item].pixelCount;
  const tiles = tilesOf(prepared);
  const lastBlock = blocks.length / 2 - 1;
  let bound = 0;
  for (let ti = 0; ti < tiles.length; ti++) {
    const tile = tiles[ti];
    const block = (tile / columns) | 0;
    const column = tile - block * columns;
    const first = blocks[2 * block + 1] + tileIndex[2 * tile + 1];
    const next =
      column + 1 < columns ? blocks[2 * block + 1] + tileIndex[2 * tile + 3] : block < lastBlock ? blocks[2 * block + 3] : pixelCount;
    bound += next - first;
  }
  return bound;
}

/**
 * Collects an indexed target's lit footprint pixels for scoring. Only the tiles the mask's
 * footprint touches are parsed (through the item's block and tile index), and of their runs
 * only the pixels inside the footprint are kept.
 */
export function loadTarget(
  prepared: PreparedMask,
  shard: Shard,
  item: number,
  codeOfId: Int32Array,
  out: TargetPixels,
): void {
  const W = out.width;
  const columns = tileColumns(W);
  const blocks = shard.blocks(item);
  const tileIndex = shard.tiles(item);
  const stream = shard.runs(item);
  const pixels = shard.pixels(item);
  const palette = pixels instanceof Uint16Array;
  const threshold = prepared.dataThreshold;
  const { rowSpans, spans, spanFirst, matchable } = prepared;
  const { footprint, codes } = out;
  const tiles = tilesOf(prepared);
  const lastTile = blocks.length / 2 * columns - 1;
  let n = 0;
  for (let ti = 0; ti < tiles.length; ti++) {
    const tile = tiles[ti];
    const block = (tile / columns) | 0;
    const column = tile - block * columns;
    const blockStream = blocks[2 * block];
    let i = blockStream + tileIndex[2 * tile];
    const stop =
      tile === lastTile ? stream.length : column + 1 < columns ? blockStream + tileIndex[2 * tile + 2] : blocks[2 * block + 2];
    let k = blocks[2 * block + 1] + tileIndex[2 * tile + 1];
    let end = block * ROW_BLOCK * W + column * TILE_WIDTH;
    // The row of the current run, followed forward instead of divided out per run: a tile's
    // runs come in row order, over at most ROW_BLOCK rows.
    let y = block * ROW_BLOCK;
    let rowStart = y * W;
    let s = rowSpans[y];
    let sEnd = rowSpans[y + 1];
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
      if (start >= rowStart + W) {
        do {
          y++;
          rowStart += W;
        } while (start >= rowStart + W);
        s = rowSpans[y];
        sEnd = rowSpans[y + 1];
      }
      // Intersect the run [x0, x1) with the footprint spans of its row; runs of a row come in
      // x order, so the span cursor only moves forward.
      const x0 = start - rowStart;
      const x1 = x0 + length;
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
          // Direct values (sector, largest, second in bytes 2, 1, 0): codeOfValue, inlined
          // because this is the per-pixel loop.
          for (let x = a, v = 3 * (k + a - x0); x < b; x++, v += 3) {
            if (pixels[v + 1] <= threshold) continue;
            const code = ((pixels[v + 2] + 1) << RATIO_BITS) | RANK_OF_FRACTION[(pixels[v + 1] << 8) | pixels[v]];
            if (matchable[code] === 0) continue;
            footprint[n] = toFootprint + x;
            codes[n++] = code;
          }
        }
      }
      k += length;
    }
  }
  out.count = n;
}
