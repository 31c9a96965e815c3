import type { RangedObject } from "../ports/blob-store.ts";
import { LibraryFormatError, readShard, type Shard } from "./shard-format.ts";

/**
 * A shard read in parts, from a store that reads byte ranges cheaply (a local folder): its head
 * (header and palette) when opened; then, per item, its row-block and tile index (all the upper
 * bound needs) and, only for the items that are scored, the runs and pixels of the row blocks
 * the mask reaches. A typical neuron mask reaches a third of the row blocks, so about a third of
 * the bytes are read. Every part lands at its own offset in a buffer the size of the whole
 * shard, so the shard's views are the usual ones; the parts never read are never looked at
 * (`loadTarget` parses only tiles of the blocks read).
 */
export interface PartialShard {
  shard: Shard;
  /** Reads item k's row-block and tile index. */
  readIndex(k: number): void;
  /** Reads item k's runs and pixels of row blocks [first, last]; its index must be read. */
  readBlocks(k: number, first: number, last: number): void;
}

/**
 * Opens a shard for reading in parts into `buffer` (at least `object.size` bytes long).
 *
 * @example
 * const part = openPartialShard(await store.openRanged(key), key, buffer);
 * part.readIndex(0);
 * part.readBlocks(0, 20, 42);
 * loadTarget(prepared, part.shard, 0, codeOfId, pixels);
 */
export function openPartialShard(object: RangedObject, key: string, buffer: Uint8Array): PartialShard {
  const { size } = object;
  const read = (position: number, length: number, what: string) => {
    if (length <= 0) return;
    if (position < 0 || position + length > size) throw new LibraryFormatError(`${key} is damaged: ${what} lies outside the shard`);
    object.readInto(buffer, position, length);
  };
  const bytes = buffer.subarray(0, size);
  if (size < 12) {
    read(0, size, "the header");
    return { shard: readShard(bytes, key), readIndex: () => {}, readBlocks: () => {} };
  }
  read(0, 12, "the header");
  const jsonLength = new DataView(buffer.buffer, buffer.byteOffset).getUint32(8, true);
  // A damaged length reads what there is; readShard then reports the damaged header.
  read(12, Math.min(jsonLength, size - 12), "the header");
  const shard = readShard(bytes, key);
  const { header, bodyOffset } = shard;
  read(bodyOffset + header.paletteOffset, 4 * header.paletteSize, "the palette");
  return {
    shard,
    readIndex(k) {
      const item = header.items[k];
      read(bodyOffset + item.blocksOffset, item.runsOffset - item.blocksOffset, `item ${k}'s index`);
    },
    readBlocks(k, first, last) {
      const item = header.items[k];
      const blocks = shard.blocks(k);
      const lastBlock = blocks.length / 2 - 1;
      if (first > lastBlock) return;
      const to = Math.min(last, lastBlock);
      const runsEnd = to < lastBlock ? blocks[2 * to + 2] : item.runBytes;
      const pixelsEnd = to < lastBlock ? blocks[2 * to + 3] : item.pixelCount;
      read(bodyOffset + item.runsOffset + blocks[2 * first], runsEnd - blocks[2 * first], `item ${k}'s runs`);
      const { pixelBytes } = header;
      read(bodyOffset + item.pixelsOffset + pixelBytes * blocks[2 * first + 1], pixelBytes * (pixelsEnd - blocks[2 * first + 1]), `item ${k}'s pixels`);
    },
  };
}
