import { describe, expect, it } from "vitest";
import { ImageDecodeError } from "../src/errors.ts";
import { decodeImage } from "../src/image/decode-image.ts";
import { readImageHeader } from "../src/image/image-header.ts";
import { decodeGray16Png, decodePng } from "../src/image/png-decoder.ts";
import {
  buildPng,
  concatBytes,
  firstThreeSamples,
  greyToRgb,
  encodeWithPngjs,
  pngChunk,
  pngjs,
  testPattern,
  thrownBy,
} from "./fixtures-image.ts";

const width = 21;
const height = 13;

/** pngjs's own 16 → 8-bit rule, written out independently of the decoder. */
const to8 = (v: number): number => Math.floor((v * 255) / 65535 + 0.5);

/** 16-bit samples covering the whole range, including the rounding boundaries. */
function samples16(count: number): Uint16Array {
  const data = new Uint16Array(count);
  for (let i = 0; i < count; i++) data[i] = (i * 2671 + (i % 7) * 128) % 65536;
  data[0] = 0;
  data[1] = 65535;
  data[2] = 128; // rounds down to 0 … (128 / 257 < 0.5)
  data[3] = 129; // … and 129 rounds up to 1
  return data;
}

function pngjsRgb(bytes: Uint8Array): Uint8Array {
  const decoded = pngjs.PNG.sync.read(Buffer.from(bytes));
  return firstThreeSamples(decoded.data as Uint8Array, 4);
}

describe("decodePng on PNGs encoded by pngjs", () => {
  it("decodes 8-bit RGB", () => {
    const rgb = testPattern(width, height, 3);

    const image = decodePng(encodeWithPngjs(width, height, rgb, 2));

    expect(image).toEqual({ width, height, rgb });
  });

  it("drops 8-bit alpha without compositing, even where a pixel is fully transparent", () => {
    const rgba = testPattern(width, height, 4);
    for (let i = 3; i < rgba.length; i += 12) rgba[i] = 0;

    const image = decodePng(encodeWithPngjs(width, height, rgba, 6));

    expect(image.rgb).toEqual(firstThreeSamples(rgba, 4));
  });

  it("spreads 8-bit grey to R = G = B", () => {
    const grey = testPattern(width, height, 1);

    expect(decodePng(encodeWithPngjs(width, height, grey, 0)).rgb).toEqual(greyToRgb(grey));
  });

  it("drops the alpha of 8-bit grey+alpha", () => {
    const greyAlpha = testPattern(width, height, 2);

    expect(decodePng(encodeWithPngjs(width, height, greyAlpha, 4)).rgb).toEqual(greyToRgb(greyAlpha, 2));
  });

  it.each([
    { colorType: 0, channels: 1, label: "grey" },
    { colorType: 2, channels: 3, label: "RGB" },
    { colorType: 4, channels: 2, label: "grey+alpha" },
    { colorType: 6, channels: 4, label: "RGBA" },
  ])("rounds 16-bit $label to 8 bits as round(v × 255 / 65535), the same bytes pngjs gives", ({ colorType, channels }) => {
    const samples = samples16(width * height * channels);
    const bytes = encodeWithPngjs(width, height, samples, colorType, 16);

    const image = decodePng(bytes);

    const expected = new Uint8Array(width * height * 3);
    for (let p = 0; p < width * height; p++) {
      for (let c = 0; c < 3; c++) expected[p * 3 + c] = to8(samples[p * channels + (channels >= 3 ? c : 0)]);
    }
    expect(image.rgb).toEqual(expected);
    expect(image.rgb).toEqual(pngjsRgb(bytes));
  });

  it("decodes through decodeImage and reports its header", async () => {
    const rgb = testPattern(width, height, 3);
    const bytes = encodeWithPngjs(width, height, rgb, 2);

    expect(await decodeImage(bytes)).toEqual({ width, height, rgb });
    expect(readImageHeader(bytes)).toEqual({ format: "png", width, height });
  });
});

describe("decodePng on hand-built PNGs (what pngjs cannot write)", () => {
  it.each([8, 4, 2, 1])("looks up %i-bit palette indices", (bitDepth) => {
    const palette = new Uint8Array(256 * 3);
    for (let i = 0; i < 256; i++) palette.set([i, (i * 5) & 255, 255 - i], i * 3);
    const levels = 1 << bitDepth;
    const indices = testPattern(width, height, 1).map((v) => v % levels);
    const bytes = buildPng({ width, height, bitDepth, colorType: 3, rows: packRows(indices, width, bitDepth), palette: palette.subarray(0, levels * 3) });

    const expected = new Uint8Array(width * height * 3);
    for (const [p, index] of indices.entries()) expected.set(palette.subarray(index * 3, index * 3 + 3), p * 3);
    expect(decodePng(bytes).rgb).toEqual(expected);
    expect(decodePng(bytes).rgb).toEqual(pngjsRgb(bytes));
  });

  it("reads palette indices past the end of PLTE as black", () => {
    const indices = new Uint8Array(width * height).fill(5);
    const bytes = buildPng({ width, height, bitDepth: 8, colorType: 3, rows: indices, palette: Uint8Array.of(9, 9, 9) });

    expect(decodePng(bytes).rgb).toEqual(new Uint8Array(width * height * 3));
  });

  it.each([4, 2, 1])("scales %i-bit grey so that its maximum is 255", (bitDepth) => {
    const max = (1 << bitDepth) - 1;
    const grey = testPattern(width, height, 1).map((v) => v % (max + 1));
    const bytes = buildPng({ width, height, bitDepth, colorType: 0, rows: packRows(grey, width, bitDepth) });

    expect(decodePng(bytes).rgb).toEqual(greyToRgb(grey.map((v) => (v * 255) / max)));
    expect(decodePng(bytes).rgb).toEqual(pngjsRgb(bytes));
  });

  it.each([
    { label: "8-bit RGB", bitDepth: 8, colorType: 2, channels: 3 },
    { label: "8-bit RGBA", bitDepth: 8, colorType: 6, channels: 4 },
    { label: "2-bit grey", bitDepth: 2, colorType: 0, channels: 1 },
  ])("decodes Adam7-interlaced $label exactly like the same image not interlaced", ({ bitDepth, colorType, channels }) => {
    // 11×10 leaves some Adam7 passes with columns or rows that do not fill a full cell.
    const samples = testPattern(11, 10, channels).map((v) => v % (1 << bitDepth));
    const rows = bitDepth === 8 ? samples : packRows(samples, 11, bitDepth);

    const interlaced = decodePng(buildPng({ width: 11, height: 10, bitDepth, colorType, rows, interlace: true }));
    const plain = decodePng(buildPng({ width: 11, height: 10, bitDepth, colorType, rows }));

    expect(interlaced).toEqual(plain);
    expect(interlaced.rgb).toEqual(pngjsRgb(buildPng({ width: 11, height: 10, bitDepth, colorType, rows, interlace: true })));
  });

  it("ignores a tRNS transparent colour instead of blacking those pixels out (pngjs zeroes them)", () => {
    const rgb = testPattern(width, height, 3);
    const transparent = pngChunk("tRNS", Uint8Array.of(0, rgb[0], 0, rgb[1], 0, rgb[2]));
    const bytes = buildPng({ width, height, bitDepth: 8, colorType: 2, rows: rgb, chunksBeforeData: [transparent] });

    expect(decodePng(bytes).rgb).toEqual(rgb);
    expect(pngjsRgb(bytes).subarray(0, 3)).toEqual(Uint8Array.of(0, 0, 0));
  });

  it("joins image data split over several IDAT chunks and skips unknown ancillary chunks", () => {
    const rgb = testPattern(width, height, 3);
    const whole = buildPng({ width, height, bitDepth: 8, colorType: 2, rows: rgb });
    const { head, idat, tail } = splitAtIdat(whole);
    const third = Math.floor(idat.length / 3);

    const bytes = concatBytes(
      head,
      pngChunk("IDAT", idat.subarray(0, third)),
      pngChunk("teXt", new TextEncoder().encode("Comment\0made by a test")),
      pngChunk("IDAT", idat.subarray(third)),
      tail,
    );

    expect(decodePng(bytes).rgb).toEqual(rgb);
  });

  it("accepts bytes after IEND, which some writers append", () => {
    const rgb = testPattern(width, height, 3);
    const bytes = concatBytes(buildPng({ width, height, bitDepth: 8, colorType: 2, rows: rgb }), new TextEncoder().encode("trailing"));

    expect(decodePng(bytes).rgb).toEqual(rgb);
  });
});

describe("decodeGray16Png", () => {
  it("keeps every bit of 16-bit grey", () => {
    const grey = samples16(width * height);

    const image = decodeGray16Png(encodeWithPngjs(width, height, grey, 0, 16));

    expect(image).toEqual({ width, height, data: grey });
  });

  it("drops the alpha of 16-bit grey+alpha", () => {
    const greyAlpha = samples16(width * height * 2);

    const image = decodeGray16Png(encodeWithPngjs(width, height, greyAlpha, 4, 16));

    expect(image.data).toEqual(greyAlpha.filter((_, i) => i % 2 === 0));
  });

  it("keeps every bit of an interlaced 16-bit grey PNG", () => {
    const grey = samples16(11 * 10);
    const rows = new Uint8Array(grey.length * 2);
    for (const [i, v] of grey.entries()) rows.set([v >> 8, v & 255], i * 2);

    const image = decodeGray16Png(buildPng({ width: 11, height: 10, bitDepth: 16, colorType: 0, rows, interlace: true }));

    expect(image.data).toEqual(grey);
  });

  it("refuses an 8-bit RGB PNG instead of guessing a scale", async () => {
    const bytes = encodeWithPngjs(width, height, testPattern(width, height, 3), 2);

    const error = await thrownBy(() => decodeGray16Png(bytes, { name: "grad.png" }));

    expect(error).toBeInstanceOf(ImageDecodeError);
    expect(error).toMatchObject({
      problem: "unsupported",
      message: 'Cannot decode "grad.png": it is a 8-bit RGB PNG, but a 16-bit greyscale PNG (a gradient image) was expected',
    });
  });
});

describe("decodePng on damaged PNGs", () => {
  const rgb = testPattern(width, height, 3);
  const good = buildPng({ width, height, bitDepth: 8, colorType: 2, rows: rgb });

  it("reports a damaged IDAT checksum as corrupt", async () => {
    const bytes = good.slice();
    const { idatStart } = splitAtIdat(bytes);
    bytes[idatStart + 10] ^= 0xff;

    const error = await thrownBy(() => decodePng(bytes, { name: "x.png" }));

    expect(error).toMatchObject({ problem: "corrupt", message: expect.stringMatching(/^Cannot decode "x.png": the PNG's IDAT chunk at byte \d+ fails its CRC check/) });
  });

  it("reports an unknown row filter as corrupt", async () => {
    const raw = new Uint8Array(height * (1 + width * 3));
    for (let y = 0; y < height; y++) raw[y * (1 + width * 3)] = y === 3 ? 9 : 0;
    const { head, tail } = splitAtIdat(good);
    const { deflateSync } = await import("node:zlib");
    const bytes = concatBytes(head, pngChunk("IDAT", new Uint8Array(deflateSync(raw))), tail);

    const error = await thrownBy(() => decodePng(bytes));

    expect(error).toMatchObject({ problem: "corrupt", message: "Cannot decode image: the PNG uses an unknown row filter type 9; the image data is damaged" });
  });

  it("reports a palette PNG without PLTE as corrupt", async () => {
    const bytes = buildPng({ width, height, bitDepth: 8, colorType: 3, rows: new Uint8Array(width * height) });

    const error = await thrownBy(() => decodePng(bytes));

    expect(error).toMatchObject({ problem: "corrupt", message: "Cannot decode image: the PNG uses a palette but has no PLTE chunk" });
  });

  it("reports image data shorter than the header implies as corrupt", async () => {
    const short = buildPng({ width, height: height - 2, bitDepth: 8, colorType: 2, rows: rgb });
    const { idat } = splitAtIdat(short);
    const { head, tail } = splitAtIdat(good);
    const bytes = concatBytes(head, pngChunk("IDAT", idat), tail);

    const error = await thrownBy(() => decodePng(bytes));

    expect(error).toMatchObject({ problem: "corrupt", message: expect.stringMatching(/its image data holds 704 of the 832 bytes its header implies$/) });
  });
});

/** Packs one sample per pixel at `bitDepth` bits, MSB first, each row padded to a byte. */
function packRows(values: Uint8Array, rowWidth: number, bitDepth: number): Uint8Array {
  const rowBytes = Math.ceil((rowWidth * bitDepth) / 8);
  const rows = values.length / rowWidth;
  const out = new Uint8Array(rowBytes * rows);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < rowWidth; x++) {
      const bit = x * bitDepth;
      out[y * rowBytes + (bit >> 3)] |= values[y * rowWidth + x] << (8 - bitDepth - (bit & 7));
    }
  }
  return out;
}

/** Splits a single-IDAT PNG built by buildPng into what precedes IDAT, the IDAT payload and IEND. */
function splitAtIdat(png: Uint8Array): { head: Uint8Array; idat: Uint8Array; tail: Uint8Array; idatStart: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let pos = 8;
  for (;;) {
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...png.subarray(pos + 4, pos + 8));
    if (type === "IDAT") {
      return { head: png.subarray(0, pos), idat: png.subarray(pos + 8, pos + 8 + length), tail: png.subarray(pos + 12 + length), idatStart: pos };
    }
    pos += 12 + length;
  }
}
