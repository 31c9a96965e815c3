import { describe, expect, it } from "vitest";
import { Jimp } from "jimp";
import { ImageDecodeError } from "../src/errors.ts";
import { decodeImage } from "../src/image/decode-image.ts";
import { readImageHeader } from "../src/image/image-header.ts";
import { decodeJpeg } from "../src/image/jpeg-decoder.ts";
import { thrownBy } from "./fixtures-image.ts";

async function orangeJpeg(width: number, height: number): Promise<Uint8Array> {
  const image = new Jimp({ width, height, color: 0xff8040ff });
  return new Uint8Array(await image.getBuffer("image/jpeg", { quality: 90 }));
}

/** Position of the frame header's length field (just after the SOF0 marker). */
function sofStart(jpeg: Uint8Array): number {
  let pos = 2;
  while (jpeg[pos + 1] !== 0xc0) pos += 2 + ((jpeg[pos + 2] << 8) | jpeg[pos + 3]);
  return pos + 2;
}

describe("decodeImage on JPEGs", () => {
  it("decodes a JPEG written by jimp to its size and approximately its colour", async () => {
    const bytes = await orangeJpeg(40, 30);

    const image = await decodeImage(bytes);

    expect({ width: image.width, height: image.height, length: image.rgb.length }).toEqual({ width: 40, height: 30, length: 3600 });
    const [r, g, b] = image.rgb;
    expect(Math.abs(r - 0xff)).toBeLessThanOrEqual(4);
    expect(Math.abs(g - 0x80)).toBeLessThanOrEqual(4);
    expect(Math.abs(b - 0x40)).toBeLessThanOrEqual(4);
  });

  it("reads the size from the frame header", async () => {
    expect(readImageHeader(await orangeJpeg(40, 30))).toEqual({ format: "jpeg", width: 40, height: 30 });
  });

  it("refuses an arithmetic-coded JPEG as unsupported before handing it to jimp", async () => {
    const bytes = await orangeJpeg(8, 8);
    bytes[sofStart(bytes) - 1] = 0xc9;

    const error = await thrownBy(() => decodeJpeg(bytes, { name: "a.jpg" }));

    expect(error).toBeInstanceOf(ImageDecodeError);
    expect(error).toMatchObject({
      problem: "unsupported",
      message: 'Cannot decode "a.jpg": it is a arithmetic-coded sequential JPEG, which is not supported; only baseline and progressive JPEGs can be read',
    });
  });

  it("reports a JPEG cut in half as truncated", async () => {
    const bytes = await orangeJpeg(64, 64);

    const error = await thrownBy(() => decodeImage(bytes.subarray(0, bytes.length >> 1), { name: "half.jpg" }));

    expect(error).toMatchObject({
      problem: "truncated",
      message: 'Cannot decode "half.jpg": the JPEG\'s image data has no end marker (EOI); the file is truncated',
    });
  });

  it("refuses a JPEG whose header claims 60,000×60,000 pixels without decoding it", async () => {
    const bytes = await orangeJpeg(8, 8);
    const sof = sofStart(bytes);
    bytes.set([0xea, 0x60, 0xea, 0x60], sof + 3);

    const error = await thrownBy(() => decodeImage(bytes));

    expect(error).toMatchObject({
      problem: "too-large",
      message: "Cannot decode image: it is a JPEG of 60,000×60,000 pixels (3,600,000,000 pixels), more than the limit of 50,000,000 pixels",
    });
  });

  it("wraps jimp's own TypeError on damaged Huffman tables as corrupt, keeping it as the cause", async () => {
    const bytes = await orangeJpeg(8, 8);
    bytes[bytes.indexOf(0xc4, 2) + 3] = 0x77; // a Huffman table id jpeg-js cannot index

    const error = await thrownBy(() => decodeImage(bytes, { name: "bad.jpg" }));

    expect(error).toBeInstanceOf(ImageDecodeError);
    expect(error).toMatchObject({ problem: "corrupt", message: expect.stringMatching(/^Cannot decode "bad.jpg": the JPEG decoder failed: /) });
    expect((error as Error).cause).toBeInstanceOf(TypeError);
  });
});
