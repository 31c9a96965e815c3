import { describe, expect, it } from "vitest";
import { Jimp } from "jimp";
import { join } from "node:path";
import { ImageDecodeError } from "../src/errors.ts";
import { decodeImage, decodeImageFile } from "../src/image/decode-image.ts";
import { readImageHeader } from "../src/image/image-header.ts";
import { decodeGray16Png } from "../src/image/png-decoder.ts";
import { decodeTiff, decodeTiffInto } from "../src/image/tiff-decoder.ts";
import { hasSharedCdm, readShared, rgbDigest, sharedCdmDir, SKIP_SHARED_NOTE } from "./fixtures-image.ts";

if (!hasSharedCdm) console.warn(SKIP_SHARED_NOTE);

const BJD = "BJD_127B01_AE_01-20171124_64_H6-40x-Brain-JRC2018_Unisex_20x_HR-2483089192251293794-CH2-01_CDM";
const GMR = "GMR_31G04_AE_01-20190813_66_F3-40x-Brain-JRC2018_Unisex_20x_HR-2704505419467849826-CH2-07_CDM";
const VT016795 = "VT016795_115C08_AE_01-20200221_61_I2-m-CH1_01";
const VT033614 = "VT033614_127B01_AE_01-20171124_64_H6-f-CH2_01";

/** The "Decoder oracle" table of ../shared/data/cdm/README.md (ImageMagick 6), all 17 images. */
const ORACLE: { file: string; width: number; height: number; sums: [number, number, number]; sha256: string }[] = [
  { file: "colormipsearch/cdsearch/ems/12191_JRC2018U.tif", width: 1210, height: 566, sums: [670893, 2579811, 1993525], sha256: "bbd5f02530313583" },
  { file: "colormipsearch/cdsearch/ems/12191_JRC2018U_FL.tif", width: 1210, height: 566, sums: [1244040, 4371348, 3378722], sha256: "3a62c0f049507493" },
  { file: "colormipsearch/cdsearch/ems/1752016801-LPLC2-RT_18U.tif", width: 1210, height: 566, sums: [1724697, 1862067, 1516551], sha256: "96735420fcfe9dcb" },
  { file: `colormipsearch/cdsearch/lms/${BJD}.tif`, width: 1210, height: 566, sums: [2798581, 4130735, 3583254], sha256: "0977a5d2f4df1ae8" },
  { file: `colormipsearch/cdsearch/lms/${GMR}.tif`, width: 1210, height: 566, sums: [2297934, 2321071, 2263682], sha256: "d4f17f6ace0217d4" },
  { file: `colormipsearch/cdsearch/lms/${VT016795}.tif`, width: 1210, height: 566, sums: [5361907, 8234905, 6258317], sha256: "6bc97bea858e29cf" },
  { file: `colormipsearch/cdsearch/lms/${VT033614}.tif`, width: 1210, height: 566, sums: [2604042, 4647456, 3760295], sha256: "13a139ed00f2cad3" },
  { file: `colormipsearch/cdsearch/zgap/${BJD}.tif`, width: 1210, height: 566, sums: [7773606, 14288798, 11695065], sha256: "96ac3741f4645dbe" },
  { file: "colormipsearch/imageprocessing/1281324958-DNp11-RT_18U_FL.tif", width: 1210, height: 566, sums: [6333537, 5791063, 4145451], sha256: "d8c1a58b65bb4f47" },
  { file: "colormipsearch/imageprocessing/compressed_lzw1.tif", width: 256, height: 256, sums: [712047, 459942, 300290], sha256: "d2c5bd262d9b6f91" },
  { file: "colormipsearch/imageprocessing/compressed_lzw2.tif", width: 384, height: 384, sums: [1863600, 1069565, 768089], sha256: "626c2a518ad7ce6e" },
  { file: "colormipsearch/imageprocessing/compressed_pack1.tif", width: 256, height: 256, sums: [712047, 459942, 300290], sha256: "d2c5bd262d9b6f91" },
  { file: "colormipsearch/imageprocessing/compressed_pack2.tif", width: 384, height: 384, sums: [1863600, 1069565, 768089], sha256: "626c2a518ad7ce6e" },
  { file: "colormipsearch/imageprocessing/minmaxTest1.tif", width: 256, height: 256, sums: [712047, 459942, 300290], sha256: "d2c5bd262d9b6f91" },
  { file: "colormipsearch/imageprocessing/minmaxTest2.tif", width: 384, height: 384, sums: [1863600, 1069565, 768089], sha256: "626c2a518ad7ce6e" },
  { file: "neuronbridge-services/mips/testMIP.png", width: 1210, height: 566, sums: [816984, 1132394, 558609], sha256: "4a9d4eecd990d258" },
  { file: "neuronbridge-services/mips/testMIP.tif", width: 1210, height: 566, sums: [1964455, 2236479, 1740678], sha256: "7c52c08d4ebf8e21" },
];

/**
 * The README gives these gradient sums as 17,665,033,365 / 13,983,832,306 / 18,808,355,997
 * with a maximum of 65,281 — but those are the sums of the *byte-swapped* samples (read
 * little-endian). PNG stores 16-bit samples big-endian; read that way (as pngjs, jimp and
 * this decoder do) the values are city-block distances 0…605, which is what the gradient
 * recipe in cdm-reference.md §2.3 produces. Both readings are asserted below.
 */
const GRADIENTS: { base: string; sum: number; max: number; byteSwappedSum: number }[] = [
  { base: BJD, sum: 116_292_915, max: 605, byteSwappedSum: 17_665_033_365 },
  { base: VT016795, sum: 96_628_696, max: 581, byteSwappedSum: 13_983_832_306 },
  { base: VT033614, sum: 131_770_947, max: 633, byteSwappedSum: 18_808_355_997 },
];

describe.skipIf(!hasSharedCdm)("decoding the real CDMs in ../shared/data/cdm", () => {
  it.each(ORACLE)("reproduces the decoder oracle for $file", async ({ file, width, height, sums, sha256 }) => {
    const image = await decodeImage(readShared(file), { name: file });

    expect({ width: image.width, height: image.height }).toEqual({ width, height });
    expect(image.rgb.length).toBe(width * height * 3);
    expect(rgbDigest(image.rgb)).toEqual({ sums, sha256 });
  });

  it.each(ORACLE)("reads the size of $file from its header alone", ({ file, width, height }) => {
    const header = readImageHeader(readShared(file));

    expect(header).toEqual({ format: file.endsWith(".png") ? "png" : "tiff", width, height });
  });

  it.each(GRADIENTS)("decodes the 16-bit gradient of $base without losing bits", ({ base, sum, max, byteSwappedSum }) => {
    const grad = decodeGray16Png(readShared(`colormipsearch/cdsearch/grad/${base}.png`));

    let total = 0;
    let largest = 0;
    let swappedTotal = 0;
    for (const v of grad.data) {
      total += v;
      largest = Math.max(largest, v);
      swappedTotal += ((v & 0xff) << 8) | (v >> 8);
    }
    expect({ width: grad.width, height: grad.height, samples: grad.data.length }).toEqual({ width: 1210, height: 566, samples: 684_860 });
    expect({ total, largest }).toEqual({ total: sum, largest: max });
    expect(swappedTotal).toBe(byteSwappedSum);
  });

  it.each([1, 2])("decodes PackBits, LZW and uncompressed set %i to identical pixels", (set) => {
    const dir = "colormipsearch/imageprocessing";
    const packBits = decodeTiff(readShared(`${dir}/compressed_pack${set}.tif`));
    const lzw = decodeTiff(readShared(`${dir}/compressed_lzw${set}.tif`));
    const uncompressed = decodeTiff(readShared(`${dir}/minmaxTest${set}.tif`));

    expect(lzw).toEqual(packBits);
    expect(uncompressed).toEqual(packBits);
  });

  // jimp (utif2) agrees on every TIFF here; its output is RGBA, so alpha is dropped to compare.
  it.each(ORACLE.filter((o) => o.file.endsWith(".tif")))("matches jimp's pixels on $file", async ({ file }) => {
    const bytes = readShared(file);

    const ours = decodeTiff(bytes);
    const jimp = (await Jimp.fromBuffer(Buffer.from(bytes))).bitmap;

    const jimpRgb = new Uint8Array(jimp.width * jimp.height * 3);
    for (let i = 0, o = 0; o < jimpRgb.length; i += 4, o += 3) jimpRgb.set(jimp.data.subarray(i, i + 3), o);
    expect({ width: ours.width, height: ours.height }).toEqual({ width: jimp.width, height: jimp.height });
    expect(Buffer.from(ours.rgb).equals(Buffer.from(jimpRgb))).toBe(true);
  });

  it("decodes one target after another into the same buffer", () => {
    const out = new Uint8Array(1210 * 566 * 3);
    for (const { file, sums, sha256 } of ORACLE.filter((o) => o.width === 1210 && o.file.endsWith(".tif"))) {
      const size = decodeTiffInto(readShared(file), out);

      expect(size).toEqual({ width: 1210, height: 566 });
      expect(rgbDigest(out)).toEqual({ sums, sha256 });
    }
  });

  it("reads a file by path and names it in errors", async () => {
    const path = join(sharedCdmDir, "colormipsearch/cdsearch/ems/12191_JRC2018U.tif");

    const image = await decodeImageFile(path);
    const failure = decodeImageFile(join(sharedCdmDir, "README.md"));

    expect(rgbDigest(image.rgb).sha256).toBe("bbd5f02530313583");
    await expect(failure).rejects.toThrow(ImageDecodeError);
    await expect(failure).rejects.toThrow(`Cannot decode "${join(sharedCdmDir, "README.md")}": it is not an image`);
  });

  it("reports a real PackBits target cut in half as truncated, naming the strip", () => {
    const bytes = readShared(`colormipsearch/cdsearch/lms/${VT033614}.tif`);
    const half = bytes.subarray(0, bytes.length >> 1);

    const decode = (): unknown => decodeTiff(half, { name: `${VT033614}.tif` });

    expect(decode).toThrow(ImageDecodeError);
    expect(decode).toThrow(
      expect.objectContaining({
        problem: "truncated",
        message: expect.stringMatching(/^Cannot decode "VT033614.*\.tif": strip \d+ of 71 needs bytes .* but the file has only 61,546 bytes; the file is truncated$/),
      }),
    );
  });

  it("reports the real testMIP.png cut in half as truncated", async () => {
    const bytes = readShared("neuronbridge-services/mips/testMIP.png");

    const decoding = decodeImage(bytes.subarray(0, bytes.length >> 1), { name: "testMIP.png" });

    await expect(decoding).rejects.toThrow(
      expect.objectContaining({ problem: "truncated", message: expect.stringMatching(/^Cannot decode "testMIP.png": the PNG ends inside its IDAT chunk/) }),
    );
  });
});
