import { describe, expect, it } from "vitest";
import { ImageDecodeError } from "../src/errors.ts";
import { decodeLzw } from "../src/image/lzw.ts";
import { decodePackBits } from "../src/image/packbits.ts";
import { encodeLzw, encodePackBits, testPattern, thrownBy } from "./fixtures-image.ts";

describe("decodePackBits", () => {
  it("expands repeats and copies literals, skipping the 128 no-op header", () => {
    const src = Uint8Array.of(0xfd, 7, 128, 1, 1, 2);
    const out = new Uint8Array(8);

    const reached = decodePackBits(src, 0, src.length, out, 0, 8);

    expect(reached).toBe(6);
    expect(Array.from(out)).toEqual([7, 7, 7, 7, 1, 2, 0, 0]);
  });

  it("round-trips long runs of one byte, which it merges into one fill", () => {
    const data = new Uint8Array(5000).fill(9, 1000, 4000).fill(3, 4500);
    const packed = encodePackBits(data);
    const out = new Uint8Array(5000).fill(0xee);

    expect(decodePackBits(packed, 0, packed.length, out, 0, 5000)).toBe(5000);
    expect(out).toEqual(data);
  });

  it("round-trips varied data at an offset inside both buffers", () => {
    const data = testPattern(97, 13, 3);
    const packed = encodePackBits(data);
    const src = new Uint8Array(packed.length + 10);
    src.set(packed, 5);
    const out = new Uint8Array(data.length + 20);

    expect(decodePackBits(src, 5, 5 + packed.length, out, 10, 10 + data.length)).toBe(10 + data.length);
    expect(out.subarray(10, 10 + data.length)).toEqual(data);
    expect(out.subarray(0, 10)).toEqual(new Uint8Array(10));
  });

  it("discards output past the end of the strip instead of overrunning it", () => {
    const src = Uint8Array.of(0x81, 5, 3, 1, 2, 3, 4);
    const out = new Uint8Array(6);

    expect(decodePackBits(src, 0, src.length, out, 0, 4)).toBe(4);
    expect(Array.from(out)).toEqual([5, 5, 5, 5, 0, 0]);
  });

  it("throws truncated when a repeat run has no byte to repeat", async () => {
    const error = await thrownBy(() => decodePackBits(Uint8Array.of(0xfe), 0, 1, new Uint8Array(4), 0, 4));

    expect(error).toBeInstanceOf(ImageDecodeError);
    expect(error).toMatchObject({ problem: "truncated", message: "a PackBits repeat run at byte 0 has no byte to repeat before the end of the data" });
  });
});

describe("decodeLzw", () => {
  it.each([
    { label: "varied data", data: testPattern(120, 40, 3) },
    { label: "one repeated byte (the KwKwK case on every code)", data: new Uint8Array(20_000).fill(42) },
    { label: "all 256 byte values", data: Uint8Array.from({ length: 4096 }, (_, i) => (i * 131) & 255) },
    { label: "a single byte", data: Uint8Array.of(200) },
  ])("round-trips $label", ({ data }) => {
    const packed = encodeLzw(data);
    const out = new Uint8Array(data.length);

    expect(decodeLzw(packed, 0, packed.length, out, 0, out.length)).toBe(data.length);
    expect(out).toEqual(data);
  });

  it("stops at the end of the strip, discarding the rest", () => {
    const data = testPattern(50, 10, 3);
    const packed = encodeLzw(data);
    const out = new Uint8Array(data.length);

    expect(decodeLzw(packed, 0, packed.length, out, 0, 700)).toBe(700);
    expect(out.subarray(0, 700)).toEqual(data.subarray(0, 700));
    expect(out.subarray(700)).toEqual(new Uint8Array(data.length - 700));
  });

  it("returns where it stopped when the input ends early, leaving the verdict to the caller", () => {
    const data = testPattern(50, 10, 3);
    const packed = encodeLzw(data);
    const out = new Uint8Array(data.length);

    const reached = decodeLzw(packed, 0, packed.length >> 1, out, 0, out.length);

    expect(reached).toBeGreaterThan(0);
    expect(reached).toBeLessThan(data.length);
    expect(out.subarray(0, reached)).toEqual(data.subarray(0, reached));
  });

  it("refuses old-style (pre-TIFF 6.0) LZW as unsupported", async () => {
    const error = await thrownBy(() => decodeLzw(Uint8Array.of(0x00, 0x01, 0x02), 0, 3, new Uint8Array(4), 0, 4));

    expect(error).toMatchObject({ problem: "unsupported", message: "the strip uses old-style (pre-TIFF 6.0) LZW, which is not supported" });
  });
});
