import { decodeFailure, formatCount } from "./image-errors.ts";

/** What the frame header (SOFn) of a JPEG says. */
export interface JpegHeader {
  width: number;
  height: number;
  /** The SOFn marker byte (0xC0 baseline, 0xC2 progressive, …): it names the coding process. */
  frameMarker: number;
  /** Byte just after the frame header, where a search for the first scan can resume. */
  afterFrame: number;
}

const STANDALONE_MARKERS = new Set([0x01, 0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8]);

function isFrameMarker(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/**
 * Walks the marker segments up to the frame header to read the size without decoding.
 * EXIF thumbnails live inside APP1 segments, which are skipped whole, so their own frame
 * headers are never mistaken for the image's.
 */
export function readJpegHeader(bytes: Uint8Array, name: string | undefined): JpegHeader {
  let pos = 2;
  for (;;) {
    const segment = nextSegment(bytes, pos, name);
    if (segment.marker === 0xda || segment.marker === 0xd9) {
      throw decodeFailure("corrupt", name, `the JPEG has no frame header before byte ${formatCount(segment.start)}`);
    }
    if (isFrameMarker(segment.marker)) {
      if (segment.start + 7 > bytes.length) {
        throw decodeFailure("truncated", name, "the JPEG ends inside its frame header; the file is truncated");
      }
      const height = (bytes[segment.start + 3] << 8) | bytes[segment.start + 4];
      const width = (bytes[segment.start + 5] << 8) | bytes[segment.start + 6];
      if (width === 0) throw decodeFailure("corrupt", name, "the JPEG frame header gives a width of 0");
      if (height === 0) {
        throw decodeFailure("unsupported", name, "the JPEG defines its height after the first scan (DNL marker), which is not supported");
      }
      return { width, height, frameMarker: segment.marker, afterFrame: segment.end };
    }
    pos = segment.end;
  }
}

/**
 * Position of the first scan (SOS) after `from`, or -1 if the file ends first. Used to
 * tell a truncated JPEG from a complete one: entropy-coded data can never contain an
 * EOI marker, so a scan with no EOI after it was cut short.
 */
export function findJpegScan(bytes: Uint8Array, from: number, name: string | undefined): number {
  let pos = from;
  while (pos < bytes.length) {
    const segment = nextSegment(bytes, pos, name);
    if (segment.marker === 0xda) return segment.start;
    if (segment.marker === 0xd9) return -1;
    pos = segment.end;
  }
  return -1;
}

/** `start` is the first byte after the marker (its length field, if it has one). */
function nextSegment(bytes: Uint8Array, from: number, name: string | undefined): { marker: number; start: number; end: number } {
  let pos = from;
  if (pos >= bytes.length) {
    throw decodeFailure("truncated", name, `the JPEG ends at byte ${formatCount(bytes.length)}, before its image data; the file is truncated`);
  }
  if (bytes[pos] !== 0xff) {
    throw decodeFailure("corrupt", name, `the JPEG has no marker where one should start, at byte ${formatCount(pos)}`);
  }
  while (pos < bytes.length && bytes[pos] === 0xff) pos++;
  if (pos >= bytes.length) {
    throw decodeFailure("truncated", name, "the JPEG ends inside a marker; the file is truncated");
  }
  const marker = bytes[pos++];
  if (STANDALONE_MARKERS.has(marker) || marker === 0xd9) return { marker, start: pos, end: pos };
  if (pos + 2 > bytes.length) {
    throw decodeFailure("truncated", name, "the JPEG ends inside a segment header; the file is truncated");
  }
  const length = (bytes[pos] << 8) | bytes[pos + 1];
  if (length < 2) {
    throw decodeFailure("corrupt", name, `the JPEG segment at byte ${formatCount(pos - 2)} has an invalid length of ${length}`);
  }
  return { marker, start: pos, end: pos + length };
}
