/**
 * Builders for image-decoding tests: where the shared real data lives, digests that match
 * the shared README's "Decoder oracle", and small independent encoders (TIFF with each
 * compression, raw PNG chunks) so synthetic inputs never depend on the decoder under test.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { sharedCdmDir } from "@cds/testing/shared-data";
import { pngChunk } from "../src/results/png-encoder.ts";

export { hasSharedCdm, sharedCdmDir, SKIP_SHARED_NOTE } from "@cds/testing/shared-data";

export function readShared(relativePath: string): Uint8Array {
  return new Uint8Array(readFileSync(join(sharedCdmDir, relativePath)));
}

/** The oracle's digest: per-channel sums and the first 16 hex digits of SHA-256 of interleaved RGB. */
export function rgbDigest(rgb: Uint8Array): { sums: [number, number, number]; sha256: string } {
  const sums: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < rgb.length; i += 3) {
    sums[0] += rgb[i];
    sums[1] += rgb[i + 1];
    sums[2] += rgb[i + 2];
  }
  return { sums, sha256: createHash("sha256").update(rgb).digest("hex").slice(0, 16) };
}

/** A deterministic, busy test picture (so every codec path and predictor sees varied data). */
export function testPattern(width: number, height: number, samplesPerPixel: number): Uint8Array {
  const data = new Uint8Array(width * height * samplesPerPixel);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < samplesPerPixel; c++) {
        // Flat areas (runs for PackBits), gradients (predictor) and noise-like texture.
        const flat = x < width / 3 ? 0 : x < width / 2 ? 200 : -1;
        data[(y * width + x) * samplesPerPixel + c] = flat >= 0 ? flat : (x * 7 + y * 13 + c * 61 + ((x * y) % 17)) & 255;
      }
    }
  }
  return data;
}

/** Strips extra samples (alpha…) to get the RGB a decoder should return for RGB(A) samples. */
export function firstThreeSamples(data: Uint8Array, samplesPerPixel: number): Uint8Array {
  const pixels = data.length / samplesPerPixel;
  const rgb = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    for (let c = 0; c < 3; c++) rgb[i * 3 + c] = data[i * samplesPerPixel + c];
  }
  return rgb;
}

export function greyToRgb(grey: Uint8Array, samplesPerPixel = 1): Uint8Array {
  const pixels = grey.length / samplesPerPixel;
  const rgb = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) rgb.fill(grey[i * samplesPerPixel], i * 3, i * 3 + 3);
  return rgb;
}

// ---------------------------------------------------------------- TIFF

/** PackBits, written the straightforward way: repeats of 2+ bytes, literals otherwise. */
export function encodePackBits(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < data.length) {
    let run = 1;
    while (i + run < data.length && run < 128 && data[i + run] === data[i]) run++;
    if (run >= 2) {
      out.push(257 - run, data[i]);
      i += run;
      continue;
    }
    const start = i;
    while (i < data.length && i - start < 128 && !(i + 1 < data.length && data[i + 1] === data[i])) i++;
    if (i === start) i++;
    out.push(i - start - 1, ...data.subarray(start, i));
  }
  return Uint8Array.from(out);
}

/** TIFF LZW: MSB-first codes, 9–12 bits, early change, Clear at 4094 entries, as libtiff writes it. */
export function encodeLzw(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let bitBuffer = 0;
  let bitCount = 0;
  const put = (code: number, width: number): void => {
    bitBuffer = (bitBuffer << width) | code;
    bitCount += width;
    while (bitCount >= 8) {
      bitCount -= 8;
      out.push((bitBuffer >>> bitCount) & 255);
    }
    bitBuffer &= (1 << bitCount) - 1;
  };
  let table = new Map<number, number>();
  let width = 9;
  let next = 258;
  put(256, width);
  const advance = (): void => {
    next++;
    if (next === 4094) {
      put(256, width);
      table = new Map();
      next = 258;
      width = 9;
    } else if (next > (1 << width) - 1) {
      width++;
    }
  };
  if (data.length > 0) {
    let prefix = data[0];
    for (let i = 1; i < data.length; i++) {
      const key = prefix * 256 + data[i];
      const known = table.get(key);
      if (known !== undefined) {
        prefix = known;
        continue;
      }
      put(prefix, width);
      table.set(key, next);
      advance();
      prefix = data[i];
    }
    put(prefix, width);
    advance();
  }
  put(257, width);
  if (bitCount > 0) out.push((bitBuffer << (8 - bitCount)) & 255);
  return Uint8Array.from(out);
}

function applyHorizontalPredictor(data: Uint8Array, rowBytes: number, samplesPerPixel: number): Uint8Array {
  const out = data.slice();
  for (let row = 0; row < data.length; row += rowBytes) {
    for (let i = row + rowBytes - 1; i >= row + samplesPerPixel; i--) out[i] = (data[i] - data[i - samplesPerPixel]) & 255;
  }
  return out;
}

export interface TiffSpec {
  width: number;
  height: number;
  /** Interleaved 8-bit samples, `samplesPerPixel` per pixel. */
  samples: Uint8Array;
  samplesPerPixel: number;
  photometric: number;
  compression?: number;
  predictor?: number;
  rowsPerStrip?: number;
  littleEndian?: boolean;
  /** 768 16-bit entries: all reds, then greens, then blues. */
  colorMap?: Uint16Array;
  /** Tags written as given (type SHORT unless `type` says otherwise), replacing computed ones. */
  extraTags?: { tag: number; type?: number; values: number[] }[];
  /** Drop computed tags, e.g. to test a missing StripByteCounts. */
  omitTags?: number[];
  /** Put the IFD before the strips, as the real 1210×566 CDMs do. */
  ifdFirst?: boolean;
}

/** Writes a strip-based baseline TIFF: header, strips, then the IFD and its out-of-line values. */
export function buildTiff(spec: TiffSpec): Uint8Array {
  const {
    width,
    height,
    samplesPerPixel,
    photometric,
    compression = 1,
    predictor = 1,
    littleEndian = true,
    rowsPerStrip = height,
  } = spec;
  const rowBytes = width * samplesPerPixel;
  const strips: Uint8Array[] = [];
  for (let firstRow = 0; firstRow < height; firstRow += rowsPerStrip) {
    let raw = spec.samples.subarray(firstRow * rowBytes, Math.min(height, firstRow + rowsPerStrip) * rowBytes);
    if (predictor === 2) raw = applyHorizontalPredictor(raw, rowBytes, samplesPerPixel);
    strips.push(
      compression === 1
        ? raw
        : compression === 32773
          ? encodePackBits(raw)
          : compression === 5
            ? encodeLzw(raw)
            : compression === 8 || compression === 32946
              ? new Uint8Array(deflateSync(raw))
              : raw,
    );
  }
  // Filled in (in place, so the StripOffsets tag sees them) once the layout is known.
  const stripOffsets: number[] = strips.map(() => 0);
  const tags = new Map<number, { type: number; values: number[] }>();
  const SHORT = 3;
  const LONG = 4;
  tags.set(256, { type: LONG, values: [width] });
  tags.set(257, { type: LONG, values: [height] });
  tags.set(258, { type: SHORT, values: new Array<number>(samplesPerPixel).fill(8) });
  tags.set(259, { type: SHORT, values: [compression] });
  tags.set(262, { type: SHORT, values: [photometric] });
  tags.set(273, { type: LONG, values: stripOffsets });
  tags.set(277, { type: SHORT, values: [samplesPerPixel] });
  tags.set(278, { type: LONG, values: [rowsPerStrip] });
  tags.set(279, { type: LONG, values: strips.map((s) => s.length) });
  tags.set(284, { type: SHORT, values: [1] });
  if (predictor !== 1) tags.set(317, { type: SHORT, values: [predictor] });
  if (spec.colorMap) tags.set(320, { type: SHORT, values: Array.from(spec.colorMap) });
  if (samplesPerPixel === 4 && photometric === 2) tags.set(338, { type: SHORT, values: [2] });
  for (const tag of spec.omitTags ?? []) tags.delete(tag);
  for (const extra of spec.extraTags ?? []) tags.set(extra.tag, { type: extra.type ?? SHORT, values: extra.values });

  const entries = [...tags.entries()].sort((a, b) => a[0] - b[0]);
  const typeSize = (type: number): number => (type === SHORT ? 2 : type === 1 ? 1 : 4);
  let overflowSize = 0;
  for (const [, { type, values }] of entries) {
    const size = typeSize(type) * values.length;
    if (size > 4) overflowSize += size + (size % 2);
  }
  const ifdSize = 2 + entries.length * 12 + 4 + overflowSize;
  const stripsSize = strips.reduce((n, strip) => n + strip.length, 0);
  // Real CDMs put the IFD first (so a cut file loses strips); libtiff-style writers put it last.
  const ifdOffset = spec.ifdFirst ? 8 : 8 + stripsSize + (stripsSize % 2);
  let stripPos = spec.ifdFirst ? 8 + ifdSize : 8;
  for (const [i, strip] of strips.entries()) {
    stripOffsets[i] = stripPos;
    stripPos += strip.length;
  }
  const overflowStart = ifdOffset + 2 + entries.length * 12 + 4;
  const bytes = new Uint8Array(spec.ifdFirst ? stripPos : ifdOffset + ifdSize);
  const view = new DataView(bytes.buffer);
  bytes.set(littleEndian ? [0x49, 0x49, 42, 0] : [0x4d, 0x4d, 0, 42]);
  view.setUint32(4, ifdOffset, littleEndian);
  for (const [i, strip] of strips.entries()) bytes.set(strip, stripOffsets[i]);
  view.setUint16(ifdOffset, entries.length, littleEndian);
  let extraPos = overflowStart;
  const writeValues = (at: number, type: number, values: number[]): void => {
    for (const [i, v] of values.entries()) {
      if (type === SHORT) view.setUint16(at + 2 * i, v, littleEndian);
      else if (type === 1) view.setUint8(at + i, v);
      else view.setUint32(at + 4 * i, v, littleEndian);
    }
  };
  for (const [i, [tag, { type, values }]] of entries.entries()) {
    const entry = ifdOffset + 2 + i * 12;
    view.setUint16(entry, tag, littleEndian);
    view.setUint16(entry + 2, type, littleEndian);
    view.setUint32(entry + 4, values.length, littleEndian);
    const size = typeSize(type) * values.length;
    if (size <= 4) {
      writeValues(entry + 8, type, values);
    } else {
      view.setUint32(entry + 8, extraPos, littleEndian);
      writeValues(extraPos, type, values);
      extraPos += size + (size % 2);
    }
  }
  return bytes;
}

// ---------------------------------------------------------------- PNG

// The chunk framing is shared with the encoder; what the decoder tests vary is inside the chunks.
export { pngChunk };

export function pngIhdr(width: number, height: number, bitDepth: number, colorType: number, interlace = 0): Uint8Array {
  const data = new Uint8Array(13);
  const view = new DataView(data.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  data.set([bitDepth, colorType, 0, 0, interlace], 8);
  return pngChunk("IHDR", data);
}

export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const part of parts) {
    out.set(part, pos);
    pos += part.length;
  }
  return out;
}

export interface RawPngSpec {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  /** Packed rows without filter bytes, `ceil(width × bitsPerPixel / 8)` bytes each. */
  rows: Uint8Array;
  palette?: Uint8Array;
  /** Extra chunks placed before IDAT (e.g. tRNS). */
  chunksBeforeData?: Uint8Array[];
  /** Write with Adam7 interlacing (rows are then still given for the full image). */
  interlace?: boolean;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * Writes a PNG with filter type 0 on every row — independent of pngjs, so it can produce
 * what pngjs cannot: palette images, low bit depths, Adam7 interlacing, extra chunks.
 */
export function buildPng(spec: RawPngSpec): Uint8Array {
  const { width, height, bitDepth, colorType } = spec;
  const bitsPerPixel = CHANNELS[colorType] * bitDepth;
  const rowBytes = Math.ceil((width * bitsPerPixel) / 8);
  const readPixelBits = (x: number, y: number): number[] => {
    const bits: number[] = [];
    for (let b = 0; b < bitsPerPixel; b++) {
      const bit = x * bitsPerPixel + b;
      bits.push((spec.rows[y * rowBytes + (bit >> 3)] >> (7 - (bit & 7))) & 1);
    }
    return bits;
  };
  // Adam7 written out from the PNG specification again, not imported from the decoder: the
  // interlaced tests then check the decoder's table against an independent copy.
  const passes = spec.interlace
    ? [
        [0, 0, 8, 8],
        [4, 0, 8, 8],
        [0, 4, 4, 8],
        [2, 0, 4, 4],
        [0, 2, 2, 4],
        [1, 0, 2, 2],
        [0, 1, 1, 2],
      ]
    : [[0, 0, 1, 1]];
  const raw: number[] = [];
  for (const [x0, y0, dx, dy] of passes) {
    const xs: number[] = [];
    for (let x = x0; x < width; x += dx) xs.push(x);
    if (xs.length === 0) continue;
    for (let y = y0; y < height; y += dy) {
      raw.push(0);
      const bits = xs.flatMap((x) => readPixelBits(x, y));
      for (let i = 0; i < bits.length; i += 8) {
        let byte = 0;
        for (let b = 0; b < 8; b++) byte = (byte << 1) | (bits[i + b] ?? 0);
        raw.push(byte);
      }
    }
  }
  return concatBytes(
    PNG_SIGNATURE,
    pngIhdr(width, height, bitDepth, colorType, spec.interlace ? 1 : 0),
    ...(spec.palette ? [pngChunk("PLTE", spec.palette)] : []),
    ...(spec.chunksBeforeData ?? []),
    pngChunk("IDAT", new Uint8Array(deflateSync(Uint8Array.from(raw)))),
    pngChunk("IEND", new Uint8Array(0)),
  );
}

/** The slice of pngjs the tests use; pngjs ships no types and core has no @types/pngjs. */
interface PngjsModule {
  PNG: {
    new (options: { width: number; height: number }): {
      data: Uint8Array;
    };
    sync: {
      write(png: { data: Uint8Array }, options: { colorType: number; bitDepth?: number; inputColorType?: number; inputHasAlpha?: boolean }): Uint8Array;
      read(bytes: Uint8Array, options?: { skipRescale?: boolean }): { width: number; height: number; data: Uint8Array | Uint16Array };
    };
  };
}

export const pngjs = createRequire(import.meta.url)("pngjs") as PngjsModule;

/**
 * Encodes with pngjs (the library jimp uses). `samples` are already in the output layout
 * (`colorType`'s channels; native-endian Uint16Array when `bitDepth` is 16), so pngjs only
 * packs and filters them and never composites alpha or converts colour.
 */
export function encodeWithPngjs(
  width: number,
  height: number,
  samples: Uint8Array | Uint16Array,
  colorType: number,
  bitDepth = 8,
): Uint8Array {
  const png = new pngjs.PNG({ width, height });
  png.data = samples instanceof Uint16Array ? new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength) : samples;
  const inputHasAlpha = (colorType & 4) !== 0;
  return new Uint8Array(pngjs.PNG.sync.write(png, { colorType, bitDepth, inputColorType: colorType, inputHasAlpha }));
}

// ---------------------------------------------------------------- errors

/** Runs `act` and returns what it threw, so a test can assert class, `problem` and message separately. */
export async function thrownBy(act: () => unknown): Promise<unknown> {
  try {
    await act();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to throw, but it returned normally");
}
