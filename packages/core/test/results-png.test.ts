import { describe, expect, it } from "vitest";
import { inflateSync } from "node:zlib";
import { ParameterError } from "../src/errors.ts";
import { decodeImage } from "../src/image/decode-image.ts";
import { decodePng } from "../src/image/png-decoder.ts";
import { downscale2x } from "../src/results/downscale-2x.ts";
import { encodePng } from "../src/results/png-encoder.ts";
import { generateCdm } from "@cds/synthetic";
import { pngjs, testPattern } from "./fixtures-image.ts";

function rgbImage(width: number, height: number) {
  return { width, height, rgb: testPattern(width, height, 3) };
}

/** The filter-type byte leading each row of the IDAT stream. */
function rowFilters(png: Uint8Array, width: number, height: number): number[] {
  const view = new DataView(png.buffer, png.byteOffset);
  const parts: Uint8Array[] = [];
  for (let at = 8; at < png.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    if (type === "IDAT") parts.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(parts));
  return Array.from({ length: height }, (_, y) => raw[y * (1 + 3 * width)]);
}

describe("encodePng", () => {
  it("round-trips through the project's decoder byte for byte, with adaptive and no filtering", () => {
    for (const [width, height] of [[1, 1], [2, 3], [37, 19], [64, 1], [1, 40]]) {
      const image = rgbImage(width, height);
      for (const filter of ["adaptive", "none"] as const) {
        expect(decodePng(encodePng(image, { filter })), `${width}×${height} ${filter}`).toEqual(image);
      }
    }
  });

  it("round-trips a synthetic CDM, and pngjs reads the same pixels", async () => {
    const cdm = generateCdm({ seed: "png", width: 160, height: 75 });

    const png = encodePng(cdm);

    expect(await decodeImage(png)).toEqual(cdm);
    const other = pngjs.PNG.sync.read(Buffer.from(png));
    expect(other.width).toBe(160);
    const rgb = new Uint8Array(3 * 160 * 75);
    for (let p = 0; p < 160 * 75; p++) rgb.set(other.data.subarray(4 * p, 4 * p + 3), 3 * p);
    expect(rgb).toEqual(cdm.rgb);
  });

  it("writes only filter 0 rows when asked for no filtering", () => {
    const png = encodePng(rgbImage(20, 10), { filter: "none" });

    expect(rowFilters(png, 20, 10)).toEqual(Array(10).fill(0));
  });

  it("chooses Sub for a horizontal ramp and Up for rows that repeat the row above", () => {
    const width = 50;
    const rgb = new Uint8Array(3 * width * 4);
    for (let y = 0; y < 4; y++) for (let x = 0; x < width; x++) rgb.fill(5 * x, 3 * (y * width + x), 3 * (y * width + x) + 3);

    const filters = rowFilters(encodePng({ width, height: 4, rgb }), width, 4);

    expect(filters[0]).toBe(1);
    expect(filters.slice(1)).toEqual([2, 2, 2]);
  });

  it("compresses a mostly black CDM-like image far below its raw size", () => {
    const cdm = generateCdm({ seed: "small", width: 200, height: 94, noise: false });

    expect(encodePng(cdm).length).toBeLessThan(cdm.rgb.length / 4);
  });

  it("rejects an image whose byte count does not match its size", () => {
    expect(() => encodePng({ width: 4, height: 4, rgb: new Uint8Array(47) })).toThrow(ParameterError);
    expect(() => encodePng({ width: 0, height: 4, rgb: new Uint8Array(0) })).toThrow(ParameterError);
  });
});

describe("downscale2x", () => {
  it("averages each 2×2 block, rounding half up", () => {
    const rgb = Uint8Array.of(0, 10, 255, 1, 10, 255, 0, 11, 0, 0, 10, 0);

    expect(downscale2x({ width: 2, height: 2, rgb })).toEqual({ width: 1, height: 1, rgb: Uint8Array.of(0, 10, 128) });
  });

  it("keeps an odd last column and row, averaging the pixels they have", () => {
    // 3×3 grey levels 0..8, one per pixel.
    const rgb = new Uint8Array(27);
    for (let p = 0; p < 9; p++) rgb.fill(10 * p, 3 * p, 3 * p + 3);

    const small = downscale2x({ width: 3, height: 3, rgb });

    expect([small.width, small.height]).toEqual([2, 2]);
    // Blocks: {0,1,3,4} → 20; {2,5} → 35; {6,7} → 65; {8} → 80.
    expect(Array.from(small.rgb.filter((_, i) => i % 3 === 0))).toEqual([20, 35, 65, 80]);
  });

  it("halves a full-size CDM to 605×283", () => {
    const small = downscale2x({ width: 1210, height: 566, rgb: new Uint8Array(3 * 1210 * 566) });

    expect([small.width, small.height, small.rgb.length]).toEqual([605, 283, 3 * 605 * 283]);
  });
});
