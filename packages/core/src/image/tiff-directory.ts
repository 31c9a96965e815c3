import { decodeFailure, formatCount } from "./image-errors.ts";

/** Where a tag's values live: `count` values of TIFF field `type` from byte `offset`. */
export interface TiffField {
  type: number;
  count: number;
  offset: number;
}

/**
 * The tags of a TIFF's first image file directory (IFD) that decoding needs. Scalars hold
 * the TIFF 6.0 default when the tag is absent; arrays stay as {@link TiffField}s so the
 * decoder reads them in place instead of copying.
 */
export interface TiffDirectory {
  littleEndian: boolean;
  view: DataView;
  width: number;
  height: number;
  compression: number;
  /** -1 when absent: the decoder then infers it from SamplesPerPixel. */
  photometric: number;
  samplesPerPixel: number;
  rowsPerStrip: number;
  planarConfiguration: number;
  predictor: number;
  fillOrder: number;
  sampleFormat: TiffField | undefined;
  bitsPerSample: TiffField | undefined;
  stripOffsets: TiffField | undefined;
  stripByteCounts: TiffField | undefined;
  colorMap: TiffField | undefined;
  tiled: boolean;
}

/** Byte size of each TIFF field type; unknown types are skipped, as TIFF 6.0 asks. */
const TYPE_SIZE = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4];

type ScalarTag = "width" | "height" | "compression" | "photometric" | "samplesPerPixel" | "rowsPerStrip" | "planarConfiguration" | "predictor" | "fillOrder";
type ArrayTag = "bitsPerSample" | "stripOffsets" | "stripByteCounts" | "colorMap" | "sampleFormat";

/** The single-valued tags decoding reads, by tag number: where each goes and its TIFF name. */
const SCALAR_TAGS: ReadonlyMap<number, readonly [ScalarTag, string]> = new Map([
  [256, ["width", "ImageWidth"]],
  [257, ["height", "ImageLength"]],
  [259, ["compression", "Compression"]],
  [262, ["photometric", "PhotometricInterpretation"]],
  [266, ["fillOrder", "FillOrder"]],
  [277, ["samplesPerPixel", "SamplesPerPixel"]],
  [278, ["rowsPerStrip", "RowsPerStrip"]],
  [284, ["planarConfiguration", "PlanarConfiguration"]],
  [317, ["predictor", "Predictor"]],
]);

/** The array tags decoding reads in place, by tag number. */
const ARRAY_TAGS: ReadonlyMap<number, readonly [ArrayTag, string]> = new Map([
  [258, ["bitsPerSample", "BitsPerSample"]],
  [273, ["stripOffsets", "StripOffsets"]],
  [279, ["stripByteCounts", "StripByteCounts"]],
  [320, ["colorMap", "ColorMap"]],
  [339, ["sampleFormat", "SampleFormat"]],
]);

/** TileWidth, TileLength, TileOffsets, TileByteCounts: any of them marks a tiled image. */
const TILE_TAGS: ReadonlySet<number> = new Set([322, 323, 324, 325]);

/**
 * Parses the header and the first IFD. Only the tags decoding uses are bounds-checked, so
 * a damaged but irrelevant tag (a long description, XMP…) never stops an image loading.
 */
export function readTiffDirectory(bytes: Uint8Array, name: string | undefined): TiffDirectory {
  const { littleEndian, view, ifdOffset, entryCount } = readTiffHeader(bytes, name);
  const dir = defaultDirectory(littleEndian, view);
  for (let i = 0; i < entryCount; i++) readEntry(bytes, dir, ifdOffset + 2 + i * 12, name);
  checkImageSize(dir, name);
  return dir;
}

/** Checks the 8-byte header and that the first IFD's entries lie inside the file. */
function readTiffHeader(bytes: Uint8Array, name: string | undefined) {
  if (bytes.length < 8) {
    throw decodeFailure("truncated", name, `the TIFF ends after ${bytes.length} bytes, inside its 8-byte header; the file is truncated`);
  }
  const littleEndian = bytes[0] === 0x49;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint16(2, littleEndian);
  if (magic === 43) {
    throw decodeFailure("unsupported", name, "it is a BigTIFF (64-bit offsets), which is not supported; save it as a classic TIFF");
  }
  const ifdOffset = view.getUint32(4, littleEndian);
  if (ifdOffset < 8 || ifdOffset + 2 > bytes.length) {
    const problem = ifdOffset >= bytes.length ? "truncated" : "corrupt";
    throw decodeFailure(
      problem,
      name,
      `its first image directory should start at byte ${formatCount(ifdOffset)} but the file has ${formatCount(bytes.length)} bytes` +
        (problem === "truncated" ? "; the file is truncated" : ""),
    );
  }
  const entryCount = view.getUint16(ifdOffset, littleEndian);
  if (ifdOffset + 2 + entryCount * 12 > bytes.length) {
    throw decodeFailure("truncated", name, `the TIFF ends inside its image directory at byte ${formatCount(ifdOffset)}; the file is truncated`);
  }
  return { littleEndian, view, ifdOffset, entryCount };
}

/** A directory holding the TIFF 6.0 defaults, before any tag is read. */
function defaultDirectory(littleEndian: boolean, view: DataView): TiffDirectory {
  return {
    littleEndian,
    view,
    width: -1,
    height: -1,
    compression: 1,
    photometric: -1,
    samplesPerPixel: 1,
    rowsPerStrip: 0xffffffff,
    planarConfiguration: 1,
    predictor: 1,
    fillOrder: 1,
    sampleFormat: undefined,
    bitsPerSample: undefined,
    stripOffsets: undefined,
    stripByteCounts: undefined,
    colorMap: undefined,
    tiled: false,
  };
}

/** Reads the 12-byte IFD entry at `entry` into `dir` when decoding uses its tag. */
function readEntry(bytes: Uint8Array, dir: TiffDirectory, entry: number, name: string | undefined): void {
  const { view, littleEndian } = dir;
  const tag = view.getUint16(entry, littleEndian);
  const type = view.getUint16(entry + 2, littleEndian);
  const count = view.getUint32(entry + 4, littleEndian);
  const size = (TYPE_SIZE[type] ?? 0) * count;
  if (size === 0) return;
  const offset = size <= 4 ? entry + 8 : view.getUint32(entry + 8, littleEndian);
  const field: TiffField = { type, count, offset };
  const scalarTag = SCALAR_TAGS.get(tag);
  const arrayTag = ARRAY_TAGS.get(tag);
  if (scalarTag) dir[scalarTag[0]] = scalar(dir, field, scalarTag[1], name);
  else if (arrayTag) dir[arrayTag[0]] = checked(bytes, field, size, arrayTag[1], name);
  else if (TILE_TAGS.has(tag)) dir.tiled = true;
}

function checkImageSize(dir: TiffDirectory, name: string | undefined): void {
  if (dir.width > 0 && dir.height > 0) return;
  const missing = dir.width < 0 ? "ImageWidth" : dir.height < 0 ? "ImageLength" : undefined;
  throw decodeFailure(
    "corrupt",
    name,
    missing === undefined
      ? `the TIFF gives an empty size of ${dir.width}×${dir.height} pixels`
      : `the TIFF's image directory has no ${missing} tag`,
  );
}

/**
 * Reads value `index` of an integer field. Returns NaN for non-integer types so callers
 * can report the tag by name instead of decoding garbage.
 */
export function fieldValue(dir: TiffDirectory, field: TiffField, index: number): number {
  switch (field.type) {
    case 1:
    case 7:
      return dir.view.getUint8(field.offset + index);
    case 3:
      return dir.view.getUint16(field.offset + index * 2, dir.littleEndian);
    case 4:
    case 13:
      return dir.view.getUint32(field.offset + index * 4, dir.littleEndian);
    default:
      return Number.NaN;
  }
}

function checked(bytes: Uint8Array, field: TiffField, size: number, tagName: string, name: string | undefined): TiffField {
  if (field.offset + size > bytes.length) {
    throw decodeFailure(
      "truncated",
      name,
      `the TIFF's ${tagName} values lie past the end of the file (bytes ${formatCount(field.offset)}–${formatCount(field.offset + size)} ` +
        `of ${formatCount(bytes.length)}); the file is truncated`,
    );
  }
  return field;
}

function scalar(dir: TiffDirectory, field: TiffField, tagName: string, name: string | undefined): number {
  const value = field.offset + TYPE_SIZE[field.type] <= dir.view.byteLength ? fieldValue(dir, field, 0) : Number.NaN;
  if (Number.isNaN(value)) {
    throw decodeFailure("corrupt", name, `the TIFF's ${tagName} tag has an unreadable value (field type ${field.type})`);
  }
  return value;
}
