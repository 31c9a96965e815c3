import { CdsError } from "../errors.ts";
import type { EncodedTarget } from "./encoded-target.ts";
import type { ItemMetadata } from "./item-metadata.ts";
import { ValuePalette } from "./value-palette.ts";

/**
 * One library object: many encoded targets and their metadata. Binary, little-endian:
 *
 *   "CDSHARD1" | u32 header length | header JSON (padded to 4 bytes)
 *   | palette: u32[paletteSize] (code | brightest << 18)
 *   | per item: runs u32[2·runCount], ids u16|u32[pixelCount] (each padded to 4 bytes)
 *
 * Pixels store a palette id instead of their value: a shard's targets share a few tens of
 * thousands of distinct colours, so ids take 2 bytes a pixel instead of 4, and a search maps
 * the palette through its data threshold once per shard instead of once per pixel.
 */
export const SHARD_MAGIC = "CDSHARD1";
export const SHARD_FORMAT_VERSION = 1;

/** An item's metadata and where its pixels are. Its library index is the shard's start + its position. */
export interface ShardItemHeader extends ItemMetadata {
  runsOffset: number;
  runCount: number;
  idsOffset: number;
  pixelCount: number;
}

export interface ShardHeader {
  formatVersion: number;
  width: number;
  height: number;
  paletteOffset: number;
  paletteSize: number;
  idBytes: 2 | 4;
  items: ShardItemHeader[];
}

/** A parsed shard: typed-array views into its bytes. */
export interface Shard {
  header: ShardHeader;
  palette: Uint32Array;
  runs(item: number): Uint32Array;
  ids(item: number): Uint16Array | Uint32Array;
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
  const palette = new ValuePalette();
  const idLists = items.map(({ encoded }) => {
    const ids = new Uint32Array(encoded.values.length);
    for (let i = 0; i < ids.length; i++) ids[i] = palette.idOf(encoded.values[i]);
    return ids;
  });
  const idBytes: 2 | 4 = palette.size <= 0x10000 ? 2 : 4;

  // Offsets are relative to the start of the body (after the header), fixed up below.
  let offset = 0;
  const paletteOffset = offset;
  offset += 4 * palette.size;
  const headers: ShardItemHeader[] = items.map(({ metadata, encoded }) => {
    const runsOffset = offset;
    offset += 4 * encoded.runs.length;
    const idsOffset = offset;
    offset += align4(idBytes * encoded.values.length);
    return { ...metadata, runsOffset, runCount: encoded.runs.length / 2, idsOffset, pixelCount: encoded.values.length };
  });
  const header: ShardHeader = {
    formatVersion: SHARD_FORMAT_VERSION,
    width,
    height,
    paletteOffset,
    paletteSize: palette.size,
    idBytes,
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
  u32.set(palette.values, paletteOffset / 4);
  items.forEach(({ encoded }, k) => {
    const h = headers[k];
    u32.set(encoded.runs, h.runsOffset / 4);
    if (idBytes === 2) new Uint16Array(out.buffer, bodyStart + h.idsOffset, h.pixelCount).set(idLists[k]);
    else u32.set(idLists[k], h.idsOffset / 4);
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
  if (header.formatVersion !== SHARD_FORMAT_VERSION) {
    throw new LibraryFormatError(
      `${name} has format version ${header.formatVersion}; this version of cds reads ${SHARD_FORMAT_VERSION}: re-index the library`,
    );
  }
  const bodyStart = bytes.byteOffset + align4(12 + jsonLength);
  const last = header.items[header.items.length - 1];
  const bodyLength = last ? last.idsOffset + align4(header.idBytes * last.pixelCount) : 4 * header.paletteSize;
  if (bodyStart - bytes.byteOffset + bodyLength > bytes.length) {
    throw new LibraryFormatError(`${name} is truncated: ${bytes.length} bytes, ${bodyStart - bytes.byteOffset + bodyLength} expected`);
  }
  const buffer = bytes.buffer;
  return {
    header,
    palette: new Uint32Array(buffer, bodyStart + header.paletteOffset, header.paletteSize),
    runs: (k) => new Uint32Array(buffer, bodyStart + header.items[k].runsOffset, 2 * header.items[k].runCount),
    ids: (k) =>
      header.idBytes === 2
        ? new Uint16Array(buffer, bodyStart + header.items[k].idsOffset, header.items[k].pixelCount)
        : new Uint32Array(buffer, bodyStart + header.items[k].idsOffset, header.items[k].pixelCount),
  };
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
