import { describe, expect, it } from "vitest";
import { deflateSync } from "node:zlib";
import { ImageDecodeError, ParameterError } from "../src/errors.ts";
import { decodeImage } from "../src/image/decode-image.ts";
import { readImageHeader } from "../src/image/image-header.ts";
import { decodePng } from "../src/image/png-decoder.ts";
import { decodeTiff } from "../src/image/tiff-decoder.ts";
import { buildPng, buildTiff, concatBytes, pngChunk, pngIhdr, PNG_SIGNATURE, testPattern, thrownBy } from "./fixtures-image.ts";

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Decodes and returns the ImageDecodeError it must throw. */
async function decodeError(bytes: Uint8Array, name?: string): Promise<ImageDecodeError> {
  const error = await thrownBy(() => decodeImage(bytes, name === undefined ? undefined : { name }));
  expect(error).toBeInstanceOf(ImageDecodeError);
  return error as ImageDecodeError;
}

describe("inputs that are not images", () => {
  it("says a text file is not an image, without quoting it, and lists the supported formats", async () => {
    const error = await decodeError(text("Hello, this is not a picture at all\n"), "notes.txt");

    expect(error).toMatchObject({
      problem: "not-an-image",
      // Never quoted: a "mask" may be a symlink to a secret file, and messages reach events and webhooks.
      message: 'Cannot decode "notes.txt": it is not an image (it looks like text); only PNG, TIFF and JPEG images can be read',
    });
  });

  it("says binary junk matches no image signature, without showing its bytes", async () => {
    const error = await decodeError(Uint8Array.of(0, 1, 2, 3, 250, 251, 252, 253, 9));

    expect(error).toMatchObject({
      problem: "not-an-image",
      message: "Cannot decode image: it is not an image (its first bytes match no image format's signature); only PNG, TIFF and JPEG images can be read",
    });
  });

  it("says an empty input is empty", async () => {
    const error = await decodeError(new Uint8Array(0), "upload.png");

    expect(error).toMatchObject({
      problem: "not-an-image",
      message: 'Cannot decode "upload.png": it is empty (0 bytes); only PNG, TIFF and JPEG images can be read',
    });
  });

  it("names a GIF as an unsupported image format", async () => {
    const error = await decodeError(text("GIF89a\x01\x00\x01\x00"));

    expect(error).toMatchObject({
      problem: "unsupported",
      message: "Cannot decode image: it is a GIF image, which is not supported; only PNG, TIFF and JPEG images can be read",
    });
  });

  it("refuses the same inputs when only the header is read", async () => {
    const error = await thrownBy(() => readImageHeader(text("just text"), { name: "notes.txt" }));

    expect(error).toBeInstanceOf(ImageDecodeError);
    expect(error).toMatchObject({ problem: "not-an-image" });
  });
});

/** A 40×30 RGB test pattern, the pixels of the truncated files below. */
const rgb = testPattern(40, 30, 3);

describe("truncated PNG files", () => {
  it("reports a PNG cut in half as truncated, naming the chunk it ends in", async () => {
    const png = buildPng({ width: 40, height: 30, bitDepth: 8, colorType: 2, rows: rgb });

    const error = await decodeError(png.subarray(0, png.length >> 1), "cut.png");

    expect(error).toMatchObject({
      problem: "truncated",
      message: expect.stringMatching(/^Cannot decode "cut.png": the PNG ends inside its IDAT chunk: the chunk needs [\d,]+ bytes but the file has only [\d,]+; the file is truncated$/),
    });
  });

  it("reports a PNG cut inside its header as truncated", async () => {
    const error = await decodeError(buildPng({ width: 4, height: 4, bitDepth: 8, colorType: 2, rows: rgb }).subarray(0, 20));

    expect(error).toMatchObject({
      problem: "truncated",
      message: "Cannot decode image: the PNG ends after 20 bytes, before the end of its header (IHDR); the file is truncated",
    });
  });

  it("reports a PNG whose image data stops early without IEND as truncated", async () => {
    const full = deflateSync(new Uint8Array(30 * (1 + 40 * 3)));
    const bytes = concatBytes(PNG_SIGNATURE, pngIhdr(40, 30, 8, 2), pngChunk("IDAT", new Uint8Array(full.subarray(0, full.length - 6))));

    const error = await decodeError(bytes);

    expect(error.problem).toBe("truncated");
    expect(error.message).toMatch(/the file is truncated$/);
  });
});

describe("truncated TIFF files", () => {
  it("reports a PackBits TIFF laid out like a real CDM and cut in half as truncated, naming the strip", async () => {
    const tiff = buildTiff({
      width: 40,
      height: 30,
      samples: rgb,
      samplesPerPixel: 3,
      photometric: 2,
      compression: 32773,
      rowsPerStrip: 8,
      littleEndian: false,
      ifdFirst: true,
    });

    const error = await decodeError(tiff.subarray(0, tiff.length >> 1), "target.tif");

    expect(error).toMatchObject({
      problem: "truncated",
      message: expect.stringMatching(/^Cannot decode "target.tif": strip \d of 4 needs bytes [\d,]+–[\d,]+ but the file has only [\d,]+ bytes; the file is truncated$/),
    });
  });

  it("reports a TIFF cut before its image directory as truncated", async () => {
    const tiff = buildTiff({ width: 40, height: 30, samples: rgb, samplesPerPixel: 3, photometric: 2, compression: 32773 });

    const error = await decodeError(tiff.subarray(0, tiff.length >> 1));

    expect(error).toMatchObject({
      problem: "truncated",
      message: expect.stringMatching(/^Cannot decode image: its first image directory should start at byte [\d,]+ but the file has [\d,]+ bytes; the file is truncated$/),
    });
  });

  it("reports a PackBits literal run that runs off the end of its strip as truncated", async () => {
    // 4 distinct pixels pack into one 12-byte literal; the strip claims only 8 bytes of it.
    const samples = Uint8Array.from({ length: 12 }, (_, i) => i * 20);
    const tiff = buildTiff({
      width: 4,
      height: 1,
      samples,
      samplesPerPixel: 3,
      photometric: 2,
      compression: 32773,
      extraTags: [{ tag: 279, type: 4, values: [8] }],
    });

    const error = await decodeError(tiff, "short.tif");

    expect(error).toMatchObject({
      problem: "truncated",
      message: 'Cannot decode "short.tif": strip 1 of 1: a PackBits literal run of 12 bytes at byte 8 runs past the end of the data (byte 16)',
    });
  });

  it("reports PackBits data that ends before its strip is full as truncated", async () => {
    // Row 1 is zeros and row 2 ones: two repeat runs of 2 bytes each; the strip claims only the first.
    const samples = new Uint8Array(48).fill(1, 24);
    const tiff = buildTiff({
      width: 8,
      height: 2,
      samples,
      samplesPerPixel: 3,
      photometric: 2,
      compression: 32773,
      extraTags: [{ tag: 279, type: 4, values: [2] }],
    });

    const error = await decodeError(tiff);

    expect(error).toMatchObject({
      problem: "truncated",
      message: "Cannot decode image: strip 1 of 1 decodes to 24 of the 48 bytes its 2 rows need; its compressed data is cut short",
    });
  });
});

describe("images too large to decode", () => {
  it("refuses a PNG whose header claims 100,000×100,000 pixels, reading only the header", async () => {
    const bomb = concatBytes(PNG_SIGNATURE, pngIhdr(100_000, 100_000, 8, 2), pngChunk("IDAT", new Uint8Array(deflateSync(new Uint8Array(1000)))));

    const error = await decodeError(bomb, "bomb.png");

    expect(error).toMatchObject({
      problem: "too-large",
      message: 'Cannot decode "bomb.png": it is a PNG of 100,000×100,000 pixels (10,000,000,000 pixels), more than the limit of 50,000,000 pixels',
    });
    expect(readImageHeader(bomb)).toEqual({ format: "png", width: 100_000, height: 100_000 });
  });

  it("refuses a TIFF whose header claims 100,000×100,000 pixels", async () => {
    const bomb = buildTiff({
      width: 1,
      height: 1,
      samples: Uint8Array.of(1, 2, 3),
      samplesPerPixel: 3,
      photometric: 2,
      compression: 32773,
      extraTags: [
        { tag: 256, type: 4, values: [100_000] },
        { tag: 257, type: 4, values: [100_000] },
      ],
    });

    const error = await decodeError(bomb, "bomb.tif");

    expect(error).toMatchObject({
      problem: "too-large",
      message: 'Cannot decode "bomb.tif": it is a TIFF of 100,000×100,000 pixels (10,000,000,000 pixels), more than the limit of 50,000,000 pixels',
    });
  });

  it("applies a caller's smaller limit", async () => {
    const png = buildPng({ width: 40, height: 30, bitDepth: 8, colorType: 2, rows: new Uint8Array(3600) });

    const error = await thrownBy(() => decodePng(png, { maxPixels: 1000 }));

    expect(error).toMatchObject({ problem: "too-large", message: expect.stringContaining("40×30 pixels (1,200 pixels), more than the limit of 1,000 pixels") });
  });

  it("rejects a nonsensical limit as a parameter error", async () => {
    const error = await thrownBy(() => decodeTiff(new Uint8Array(8), { maxPixels: -1 }));

    expect(error).toBeInstanceOf(ParameterError);
    expect(error).toMatchObject({ parameter: "maxPixels" });
  });
});

describe("unsupported and corrupt files", () => {
  it("names an unsupported TIFF compression and lists the supported ones", async () => {
    const tiff = buildTiff({ width: 2, height: 2, samples: new Uint8Array(12), samplesPerPixel: 3, photometric: 2, extraTags: [{ tag: 259, values: [7] }] });

    const error = await decodeError(tiff, "jpeg-in.tif");

    expect(error).toMatchObject({
      problem: "unsupported",
      message:
        'Cannot decode "jpeg-in.tif": it uses TIFF compression 7 (JPEG), which is not supported; ' +
        "supported compressions are 1 (none), 5 (LZW), 8 or 32946 (Deflate) and 32773 (PackBits)",
    });
  });

  it("reports a PNG whose header fails its checksum as corrupt", async () => {
    const png = buildPng({ width: 4, height: 4, bitDepth: 8, colorType: 2, rows: new Uint8Array(48) });
    png[17] ^= 1; // width byte inside IHDR

    const error = await decodeError(png);

    expect(error).toMatchObject({ problem: "corrupt", message: "Cannot decode image: the PNG header (IHDR) fails its CRC check; the file is damaged" });
  });

  it("reports a TIFF without ImageWidth as corrupt", async () => {
    const tiff = buildTiff({ width: 2, height: 2, samples: new Uint8Array(12), samplesPerPixel: 3, photometric: 2, omitTags: [256] });

    const error = await decodeError(tiff);

    expect(error).toMatchObject({ problem: "corrupt", message: "Cannot decode image: the TIFF's image directory has no ImageWidth tag" });
  });

  it("reports an invalid LZW code as corrupt, naming the strip", async () => {
    const tiff = buildTiff({
      width: 2,
      height: 1,
      samples: new Uint8Array(6),
      samplesPerPixel: 3,
      photometric: 2,
      extraTags: [
        { tag: 259, values: [5] },
        { tag: 279, type: 4, values: [3] },
      ],
    });
    // The strip's first bytes become: Clear (256), then code 300, which nothing has defined yet.
    tiff.set([0x80, 0x4b, 0x00], 8);

    const error = await decodeError(tiff);

    expect(error).toMatchObject({ problem: "corrupt", message: "Cannot decode image: strip 1 of 1: invalid LZW code 300 (only 258 codes are defined) at byte 11" });
  });
});
