import type { EncodedTarget } from "./encoded-target.ts";

/** Rows per block and columns per tile of the run index. */
export const ROW_BLOCK = 8;
export const TILE_WIDTH = 64;

/** Tiles per row block for images of this width. */
export function tileColumns(width: number): number {
  return Math.ceil(width / TILE_WIDTH);
}

/**
 * A target's runs regrouped by tile (ROW_BLOCK rows × TILE_WIDTH columns) so that a search can
 * parse only the tiles its mask's footprint touches: a neuron mask touches a small share of
 * them. Runs are cut at tile edges; within a tile they stay in row order, as LEB128 varints of
 * (gap from the previous run's end, length), the first gap counting from the tile's first pixel.
 * `values` are the pixels in the same order.
 *
 * Index: per row block, `blocks` holds [stream offset, first pixel]; per tile, `tiles` holds
 * the same two numbers relative to its block (2 bytes each: a block of 8 rows never needs more).
 */
export interface TiledRuns {
  stream: Uint8Array;
  blocks: Uint32Array;
  tiles: Uint16Array;
  values: Uint32Array;
}

/**
 * Regroups an encoded target's runs by tile.
 *
 * @example
 * const tiled = tileRuns(encodeTarget(image));
 */
export function tileRuns(encoded: EncodedTarget): TiledRuns {
  const { width: W, height: H, runs, values } = encoded;
  const columns = tileColumns(W);
  const blockCount = Math.ceil(H / ROW_BLOCK);
  // Pieces per tile as flat (start, length, first value) triples, in row order.
  const pieces: number[][] = Array.from({ length: blockCount * columns }, () => []);
  for (let r = 0, k = 0; r < runs.length; r += 2) {
    const start = runs[r];
    const length = runs[r + 1];
    const y = Math.floor(start / W);
    const tileRow = Math.floor(y / ROW_BLOCK) * columns;
    for (let x = start - y * W, left = length, v = k; left > 0; ) {
      const take = Math.min(left, TILE_WIDTH - (x % TILE_WIDTH));
      pieces[tileRow + Math.floor(x / TILE_WIDTH)].push(y * W + x, take, v);
      x += take;
      v += take;
      left -= take;
    }
    k += length;
  }

  const stream = new Uint8Array(runs.length * 6 + 16);
  const blocks = new Uint32Array(2 * blockCount);
  const tiles = new Uint16Array(2 * blockCount * columns);
  const ordered = new Uint32Array(values.length);
  let o = 0;
  let pixel = 0;
  const put = (value: number) => {
    while (value >= 0x80) {
      stream[o++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    stream[o++] = value;
  };
  for (let b = 0; b < blockCount; b++) {
    blocks[2 * b] = o;
    blocks[2 * b + 1] = pixel;
    for (let t = 0; t < columns; t++) {
      const tile = b * columns + t;
      tiles[2 * tile] = o - blocks[2 * b];
      tiles[2 * tile + 1] = pixel - blocks[2 * b + 1];
      let end = b * ROW_BLOCK * W + t * TILE_WIDTH;
      const list = pieces[tile];
      for (let i = 0; i < list.length; i += 3) {
        put(list[i] - end);
        put(list[i + 1]);
        end = list[i] + list[i + 1];
        ordered.set(values.subarray(list[i + 2], list[i + 2] + list[i + 1]), pixel);
        pixel += list[i + 1];
      }
      if (o - blocks[2 * b] > 0xffff || pixel - blocks[2 * b + 1] > 0xffff) {
        throw new RangeError(`an image ${W} pixels wide is too wide for this library format (a row block exceeds 64 KiB)`);
      }
    }
  }
  return { stream: stream.slice(0, o), blocks, tiles, values: ordered };
}
