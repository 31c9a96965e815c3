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

/**
 * Parses the header and the first IFD. Only the tags decoding uses are bounds-checked, so
 * a damaged but irrelevant tag (a long description, XMP…) never stops an image loading.
 */
export function readTiffDirectory(bytes: Uint8Array, name: string | undefined): TiffDirectory {
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

  const dir: TiffDirectory = {
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

  for (let i = 0; i < entryCount; i++) {
    const entry = ifdOffset + 2 + i * 12;
    const tag = view.getUint16(entry, littleEndian);
    const type = view.getUint16(entry + 2, littleEndian);
    const count = view.getUint32(entry + 4, littleEndian);
    const size = (TYPE_SIZE[type] ?? 0) * count;
    if (size === 0) continue;
    const offset = size <= 4 ? entry + 8 : view.getUint32(entry + 8, littleEndian);
    const field: TiffField = { type, count, offset };
    switch (tag) {
      case 256:
        dir.width = scalar(dir, field, "ImageWidth", name);
        break;
      case 257:
        dir.height = scalar(dir, field, "ImageLength", name);
        break;
      case 258:
        dir.bitsPerSample = checked(bytes, field, size, "BitsPerSample", name);
        break;
      case 259:
        dir.compression = scalar(dir, field, "Compression", name);
        break;
      case 262:
        dir.photometric = scalar(dir, field, "PhotometricInterpretation", name);
        break;
      case 266:
        dir.fillOrder = scalar(dir, field, "FillOrder", name);
        break;
      case 273:
        dir.stripOffsets = checked(bytes, field, size, "StripOffsets", name);
        break;
      case 277:
        dir.samplesPerPixel = scalar(dir, field, "SamplesPerPixel", name);
        break;
      case 278:
        dir.rowsPerStrip = scalar(dir, field, "RowsPerStrip", name);
        break;
      case 279:
        dir.stripByteCounts = checked(bytes, field, size, "StripByteCounts", name);
        break;
      case 284:
        dir.planarConfiguration = scalar(dir, field, "PlanarConfiguration", name);
        break;
      case 317:
        dir.predictor = scalar(dir, field, "Predictor", name);
        break;
      case 320:
        dir.colorMap = checked(bytes, field, size, "ColorMap", name);
        break;
      case 322:
      case 323:
      case 324:
      case 325:
        dir.tiled = true;
        break;
      case 339:
        dir.sampleFormat = checked(bytes, field, size, "SampleFormat", name);
        break;
      default:
        break;
    }
  }
  if (dir.width <= 0 || dir.height <= 0) {
    const missing = dir.width < 0 ? "ImageWidth" : dir.height < 0 ? "ImageLength" : undefined;
    throw decodeFailure(
      "corrupt",
      name,
      missing === undefined
        ? `the TIFF gives an empty size of ${dir.width}×${dir.height} pixels`
        : `the TIFF's image directory has no ${missing} tag`,
    );
  }
  return dir;
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
