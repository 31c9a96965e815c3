import { describe, expect, it } from "vitest";
import { ImageDecodeError, ParameterError } from "../src/errors.ts";
import { decodeImage } from "../src/image/decode-image.ts";
import { readImageHeader } from "../src/image/image-header.ts";
import { decodeTiff, decodeTiffInto } from "../src/image/tiff-decoder.ts";
import { buildTiff, firstThreeSamples, greyToRgb, testPattern, thrownBy } from "./fixtures-image.ts";

const COMPRESSIONS = [
  { compression: 1, label: "uncompressed" },
  { compression: 32773, label: "PackBits" },
  { compression: 5, label: "LZW" },
  { compression: 8, label: "Deflate (8)" },
  { compression: 32946, label: "Deflate (32946)" },
];

const BYTE_ORDERS = [
  { littleEndian: true, label: "little-endian" },
  { littleEndian: false, label: "big-endian" },
];

const CASES = COMPRESSIONS.flatMap((c) => BYTE_ORDERS.map((o) => ({ ...c, ...o })));

describe("decodeTiff on synthesized RGB TIFFs", () => {
  // 37 rows in strips of 8: the last strip is short, as in real CDMs (566 = 70 × 8 + 6).
  const width = 53;
  const height = 37;
  const samples = testPattern(width, height, 3);

  it.each(CASES)("decodes $label $label RGB in several strips", ({ compression, littleEndian }) => {
    const bytes = buildTiff({ width, height, samples, samplesPerPixel: 3, photometric: 2, compression, littleEndian, rowsPerStrip: 8 });

    const image = decodeTiff(bytes);

    expect(image).toEqual({ width, height, rgb: samples });
  });

  it.each(CASES.filter((c) => c.compression === 5 || c.compression === 8))(
    "undoes the horizontal predictor with $label $label",
    ({ compression, littleEndian }) => {
      const bytes = buildTiff({ width, height, samples, samplesPerPixel: 3, photometric: 2, compression, littleEndian, predictor: 2, rowsPerStrip: 5 });

      expect(decodeTiff(bytes).rgb).toEqual(samples);
    },
  );

  it("decodes the layout of the real CDM targets: big-endian, IFD first, PackBits, 8-row strips", () => {
    const cdm = testPattern(121, 57, 3);
    const bytes = buildTiff({
      width: 121,
      height: 57,
      samples: cdm,
      samplesPerPixel: 3,
      photometric: 2,
      compression: 32773,
      rowsPerStrip: 8,
      littleEndian: false,
      ifdFirst: true,
    });

    expect(decodeTiff(bytes)).toEqual({ width: 121, height: 57, rgb: cdm });
  });

  it("decodes a single strip when RowsPerStrip is absent", () => {
    const bytes = buildTiff({ width, height, samples, samplesPerPixel: 3, photometric: 2, compression: 32773, omitTags: [278] });

    expect(decodeTiff(bytes).rgb).toEqual(samples);
  });

  it("reads an uncompressed strip without StripByteCounts up to the end of the file", () => {
    const bytes = buildTiff({ width, height, samples, samplesPerPixel: 3, photometric: 2, omitTags: [279] });

    expect(decodeTiff(bytes).rgb).toEqual(samples);
  });

  it("infers RGB when PhotometricInterpretation is missing and there are 3 samples", () => {
    const bytes = buildTiff({ width, height, samples, samplesPerPixel: 3, photometric: 2, omitTags: [262] });

    expect(decodeTiff(bytes).rgb).toEqual(samples);
  });

  it("decodes a large LZW strip whose table fills and is cleared", () => {
    // 300×200 of varied data makes far more than 4094 LZW codes in one strip.
    const big = testPattern(300, 200, 3);
    const bytes = buildTiff({ width: 300, height: 200, samples: big, samplesPerPixel: 3, photometric: 2, compression: 5 });

    expect(decodeTiff(bytes).rgb).toEqual(big);
  });
});

describe("decodeTiff on other pixel layouts", () => {
  const width = 19;
  const height = 11;

  it.each(COMPRESSIONS)("drops the alpha of a $label RGBA TIFF without compositing it", ({ compression }) => {
    const samples = testPattern(width, height, 4);
    for (let i = 3; i < samples.length; i += 8) samples[i] = 0; // fully transparent pixels keep their colour
    const bytes = buildTiff({ width, height, samples, samplesPerPixel: 4, photometric: 2, compression, rowsPerStrip: 4 });

    expect(decodeTiff(bytes).rgb).toEqual(firstThreeSamples(samples, 4));
  });

  it.each(COMPRESSIONS)("spreads $label BlackIsZero grey to R = G = B", ({ compression }) => {
    const grey = testPattern(width, height, 1);
    const bytes = buildTiff({ width, height, samples: grey, samplesPerPixel: 1, photometric: 1, compression, rowsPerStrip: 3 });

    expect(decodeTiff(bytes).rgb).toEqual(greyToRgb(grey));
  });

  it("inverts WhiteIsZero grey", () => {
    const grey = testPattern(width, height, 1);
    const bytes = buildTiff({ width, height, samples: grey, samplesPerPixel: 1, photometric: 0, littleEndian: false });

    expect(decodeTiff(bytes).rgb).toEqual(greyToRgb(grey.map((v) => 255 - v)));
  });

  it("drops the alpha of grey+alpha", () => {
    const samples = testPattern(width, height, 2);
    const bytes = buildTiff({ width, height, samples, samplesPerPixel: 2, photometric: 1, compression: 5, predictor: 2 });

    expect(decodeTiff(bytes).rgb).toEqual(greyToRgb(samples, 2));
  });

  it.each(BYTE_ORDERS)("looks up $label palette indices in the ColorMap, rounding 16-bit entries to 8 bits", ({ littleEndian }) => {
    const indices = testPattern(width, height, 1);
    const colorMap = new Uint16Array(768);
    for (let i = 0; i < 256; i++) {
      colorMap[i] = i * 257; // the usual 8-bit → 16-bit widening
      colorMap[256 + i] = (255 - i) * 257 + (i === 0 ? -128 : 128); // ±128/257 rounds back to 255 - i
      colorMap[512 + i] = ((i * 3) % 256) * 257 + (i === 0 ? 128 : -128); // ±128/257 rounds back to 3i mod 256
    }
    const bytes = buildTiff({ width, height, samples: indices, samplesPerPixel: 1, photometric: 3, colorMap, littleEndian, compression: 32773 });

    const expected = new Uint8Array(indices.length * 3);
    for (const [p, index] of indices.entries()) expected.set([index, 255 - index, (index * 3) % 256], p * 3);
    expect(decodeTiff(bytes).rgb).toEqual(expected);
  });

  it("decodes through decodeImage and reports its header", async () => {
    const samples = testPattern(width, height, 3);
    const bytes = buildTiff({ width, height, samples, samplesPerPixel: 3, photometric: 2, littleEndian: false });

    expect(await decodeImage(bytes)).toEqual({ width, height, rgb: samples });
    expect(readImageHeader(bytes)).toEqual({ format: "tiff", width, height });
  });
});

describe("decodeTiffInto", () => {
  const width = 23;
  const height = 9;
  const samples = testPattern(width, height, 3);
  const bytes = buildTiff({ width, height, samples, samplesPerPixel: 3, photometric: 2, compression: 32773, rowsPerStrip: 2 });

  it("writes into the caller's buffer and leaves bytes past the image alone", () => {
    const out = new Uint8Array(width * height * 3 + 4).fill(7);

    const size = decodeTiffInto(bytes, out);

    expect(size).toEqual({ width, height });
    expect(out.subarray(0, width * height * 3)).toEqual(samples);
    expect(Array.from(out.subarray(width * height * 3))).toEqual([7, 7, 7, 7]);
  });

  it("refuses a buffer too small for the image, naming the parameter", async () => {
    const error = await thrownBy(() => decodeTiffInto(bytes, new Uint8Array(10)));

    expect(error).toBeInstanceOf(ParameterError);
    expect(error).toMatchObject({ parameter: "out", message: `the output buffer holds 10 bytes but ${width}×${height} RGB needs 621` });
  });
});

describe("decodeTiff refuses what it does not support, saying what", () => {
  const width = 8;
  const height = 4;
  const samples = testPattern(width, height, 3);
  const rgbTiff = (extra: Parameters<typeof buildTiff>[0]["extraTags"]): Uint8Array =>
    buildTiff({ width, height, samples, samplesPerPixel: 3, photometric: 2, extraTags: extra });

  it.each([
    { what: "JPEG compression", tags: [{ tag: 259, values: [7] }], message: /it uses TIFF compression 7 \(JPEG\), which is not supported; supported compressions are 1 \(none\), 5 \(LZW\), 8 or 32946 \(Deflate\) and 32773 \(PackBits\)$/ },
    { what: "an unknown compression", tags: [{ tag: 259, values: [12345] }], message: /it uses TIFF compression 12345, which is not supported/ },
    { what: "tiles", tags: [{ tag: 322, values: [16] }], message: /stored in tiles \(only strip-based TIFFs can be read\)/ },
    { what: "separate planes", tags: [{ tag: 284, values: [2] }], message: /PlanarConfiguration 2/ },
    { what: "16-bit samples", tags: [{ tag: 258, values: [16, 16, 16] }], message: /16 bits per sample \(only 8-bit TIFFs can be read\)/ },
    { what: "CMYK", tags: [{ tag: 262, values: [5] }], message: /PhotometricInterpretation 5 \(CMYK \(separated\)\)/ },
    { what: "floating-point samples", tags: [{ tag: 339, values: [3, 3, 3] }], message: /floating-point samples/ },
    { what: "the floating-point predictor", tags: [{ tag: 317, values: [3] }], message: /predictor 3 \(floating point\)/ },
  ])("refuses $what as unsupported", async ({ tags, message }) => {
    const error = await thrownBy(() => decodeTiff(rgbTiff(tags), { name: "odd.tif" }));

    expect(error).toBeInstanceOf(ImageDecodeError);
    expect(error).toMatchObject({ problem: "unsupported", message: expect.stringMatching(/^Cannot decode "odd.tif": /) });
    expect((error as Error).message).toMatch(message);
  });

  it("refuses BigTIFF by name", async () => {
    const bytes = Uint8Array.of(0x49, 0x49, 0x2b, 0, 8, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0);

    const error = await thrownBy(() => decodeTiff(bytes));

    expect(error).toMatchObject({ problem: "unsupported", message: expect.stringContaining("BigTIFF") });
  });

  it("refuses a PNG handed to decodeTiff", async () => {
    const error = await thrownBy(() => decodeTiff(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)));

    expect(error).toMatchObject({ problem: "not-an-image", message: "Cannot decode image: it is a PNG image, not a TIFF" });
  });
});
