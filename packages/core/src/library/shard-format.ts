import { CdsError } from "../errors.ts";
import type { EncodedTarget } from "./encoded-target.ts";
import type { ItemMetadata } from "./item-metadata.ts";
import { ROW_BLOCK, tileColumns, tileRuns } from "./tiled-runs.ts";
import { ValuePalette } from "./value-palette.ts";

/**
 * One library object: many encoded targets and their metadata. Binary, little-endian:
 *
 *   "CDSHARD1" | u32 header length | header JSON (padded to 4 bytes)
 *   | palette: u32[paletteSize] (pixel values, see EncodedTarget)
 *   | per item: row-block index u32[2·blocks], tile index u16[2·tiles], runs (varints, grouped
 *     by tile; see TiledRuns), then pixels in the same order (each section padded to 4 bytes)
 *
 * Runs are varints because isolated pixels (speckle, noise) are common: a run costs 2–3 bytes
 * instead of 8. The tile index lets a search parse only the tiles its mask's footprint touches.
 * Pixels are 2-byte palette ids when the shard's targets share at most 65,536 distinct values
 * (a search then maps the palette through its data threshold once per shard, not once per
 * pixel); otherwise each pixel stores its 19-bit value in 3 bytes and the palette is empty.
 */
export const SHARD_MAGIC = "CDSHARD1";
export const SHARD_FORMAT_VERSION = 1;

/** An item's metadata and where its pixels are. Its library index is the shard's start + its position. */
export interface ShardItemHeader extends ItemMetadata {
  blocksOffset: number;
  tilesOffset: number;
  runsOffset: number;
  runBytes: number;
  runCount: number;
  pixelsOffset: number;
  pixelCount: number;
}

export interface ShardHeader {
  formatVersion: number;
  width: number;
  height: number;
  paletteOffset: number;
  paletteSize: number;
  /** 2: palette ids; 3: values stored directly. */
  pixelBytes: 2 | 3;
  items: ShardItemHeader[];
}

/** A parsed shard: typed-array views into its bytes. */
export interface Shard {
  header: ShardHeader;
  /** Where the body starts in the shard's bytes (the header's offsets count from there). */
  bodyOffset: number;
  palette: Uint32Array;
  /** Per row block: [offset in the run stream, index of its first pixel]. */
  blocks(item: number): Uint32Array;
  /** Per tile: the same, relative to its block. */
  tiles(item: number): Uint16Array;
  /** The item's runs as a varint stream, grouped by tile. */
  runs(item: number): Uint8Array;
  /** Palette ids (pixelBytes 2) or the 3-byte values as bytes (pixelBytes 3). */
  pixels(item: number): Uint16Array | Uint8Array;
}

/** The library file is not what this version of the software reads. */
export class LibraryFormatError extends CdsError {
  override name = "LibraryFormatError";
}

/**
 * Serialises encoded targets (all the same size) into one shard.
 *
 * @example
 * const bytes = writeShard([{ metadata, encoded }]);
 */
export function writeShard(items: { metadata: ItemMetadata; encoded: EncodedTarget }[]): Uint8Array {
  if (items.length === 0) throw new LibraryFormatError("a shard needs at least one item");
  const { width, height } = items[0].encoded;
  const tiled = items.map(({ encoded }) => tileRuns(encoded));
  const palette = new ValuePalette();
  let direct = false;
  const idLists = tiled.map(({ values }) => {
    const ids = new Uint16Array(values.length);
    for (let i = 0; i < ids.length && !direct; i++) {
      const id = palette.idOf(values[i]);
      if (id > 0xffff) direct = true;
      ids[i] = id;
    }
    return ids;
  });
  const pixelBytes: 2 | 3 = direct ? 3 : 2;
  const paletteValues = direct ? [] : palette.values;

  // Offsets are relative to the start of the body (after the header), fixed up below.
  let offset = 0;
  const paletteOffset = offset;
  offset += 4 * paletteValues.length;
  const headers: ShardItemHeader[] = items.map(({ metadata, encoded }, k) => {
    const blocksOffset = offset;
    offset += 4 * tiled[k].blocks.length;
    const tilesOffset = offset;
    offset += align4(2 * tiled[k].tiles.length);
    const runsOffset = offset;
    const runBytes = tiled[k].stream.length;
    offset += align4(runBytes);
    const pixelsOffset = offset;
    offset += align4(pixelBytes * encoded.values.length);
    return { ...metadata, blocksOffset, tilesOffset, runsOffset, runBytes, runCount: encoded.runs.length / 2, pixelsOffset, pixelCount: encoded.values.length };
  });
  const header: ShardHeader = {
    formatVersion: SHARD_FORMAT_VERSION,
    width,
    height,
    paletteOffset,
    paletteSize: paletteValues.length,
    pixelBytes,
    items: headers,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const bodyStart = align4(12 + json.length);
  const out = new Uint8Array(bodyStart + offset);
  out.set(new TextEncoder().encode(SHARD_MAGIC), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.fill(0x20, 12 + json.length, bodyStart);

  const u32 = new Uint32Array(out.buffer, bodyStart, offset / 4);
  u32.set(paletteValues, paletteOffset / 4);
  items.forEach((_, k) => {
    const h = headers[k];
    u32.set(tiled[k].blocks, h.blocksOffset / 4);
    new Uint16Array(out.buffer, bodyStart + h.tilesOffset, tiled[k].tiles.length).set(tiled[k].tiles);
    out.set(tiled[k].stream, bodyStart + h.runsOffset);
    if (!direct) {
      new Uint16Array(out.buffer, bodyStart + h.pixelsOffset, h.pixelCount).set(idLists[k]);
      return;
    }
    const bytes = new Uint8Array(out.buffer, bodyStart + h.pixelsOffset, 3 * h.pixelCount);
    const values = tiled[k].values;
    for (let i = 0, o = 0; i < values.length; i++, o += 3) {
      const v = values[i];
      bytes[o] = v;
      bytes[o + 1] = v >>> 8;
      bytes[o + 2] = v >>> 16;
    }
  });
  return out;
}

/**
 * Parses a shard without copying its pixel data (the bytes are copied once if they are not
 * 4-byte aligned, which typed-array views need).
 */
export function readShard(bytes: Uint8Array, name = "shard"): Shard {
  if (bytes.byteOffset % 4 !== 0) bytes = bytes.slice();
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (bytes.length < 12 || magic !== SHARD_MAGIC) {
    throw new LibraryFormatError(`${name} is not a library shard (it does not start with ${SHARD_MAGIC})`);
  }
  const jsonLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  let header: ShardHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + jsonLength))) as ShardHeader;
  } catch (cause) {
    throw new LibraryFormatError(`${name} has a damaged header`, { cause });
  }
  if (header.formatVersion !== SHARD_FORMAT_VERSION || (header.pixelBytes !== 2 && header.pixelBytes !== 3)) {
    throw new LibraryFormatError(
      `${name} has format version ${header.formatVersion}; this version of cds reads ${SHARD_FORMAT_VERSION}: re-index the library`,
    );
  }
  const bodyStart = bytes.byteOffset + align4(12 + jsonLength);
  const last = header.items[header.items.length - 1];
  const bodyLength = last ? last.pixelsOffset + align4(header.pixelBytes * last.pixelCount) : 4 * header.paletteSize;
  if (bodyStart - bytes.byteOffset + bodyLength > bytes.length) {
    throw new LibraryFormatError(`${name} is truncated: ${bytes.length} bytes, ${bodyStart - bytes.byteOffset + bodyLength} expected`);
  }
  const buffer = bytes.buffer;
  return {
    header,
    bodyOffset: bodyStart - bytes.byteOffset,
    palette: new Uint32Array(buffer, bodyStart + header.paletteOffset, header.paletteSize),
    blocks: (k) => new Uint32Array(buffer, bodyStart + header.items[k].blocksOffset, 2 * Math.ceil(header.height / ROW_BLOCK)),
    tiles: (k) =>
      new Uint16Array(buffer, bodyStart + header.items[k].tilesOffset, 2 * Math.ceil(header.height / ROW_BLOCK) * tileColumns(header.width)),
    runs: (k) => new Uint8Array(buffer, bodyStart + header.items[k].runsOffset, header.items[k].runBytes),
    pixels: (k) =>
      header.pixelBytes === 2
        ? new Uint16Array(buffer, bodyStart + header.items[k].pixelsOffset, header.items[k].pixelCount)
        : new Uint8Array(buffer, bodyStart + header.items[k].pixelsOffset, 3 * header.items[k].pixelCount),
  };
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
