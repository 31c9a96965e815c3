import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodePackBitsTiff } from "@cds/core/image";
import { runCli, runCliProcess } from "./support/run-cli.ts";
import { cdsearch, hasSharedCdm, SKIP_SHARED_NOTE, upstreamPixelMatchCases } from "@cds/testing/shared-data";
import { tempDir } from "@cds/testing/temp-dir";

if (!hasSharedCdm) console.warn(SKIP_SHARED_NOTE);

const upstreamParams = ["--mask-threshold", "20", "--data-threshold", "20", "--pix-color-fluctuation", "1", "--xy-shift", "2", "--mirror"];

describe.skipIf(!hasSharedCdm)("cds score on the upstream cases", () => {
  it("prints, as JSON, each target's upstream score with the path as given", async () => {
    for (const mask of [...new Set(upstreamPixelMatchCases.map((c) => c.mask))]) {
      const cases = upstreamPixelMatchCases.filter((c) => c.mask === mask);
      const { code, stdout } = await runCli(["score", cdsearch(mask), ...cases.map((c) => cdsearch(c.target)), ...upstreamParams, "--json"]);
      expect(code).toBe(0);
      const rows = JSON.parse(stdout) as { target: string; matchingPixels: number; mirrored: boolean; maskSize: number; matchingRatio: number }[];
      expect(rows.map((r) => [r.target, r.matchingPixels, r.mirrored])).toEqual(cases.map((c) => [cdsearch(c.target), c.matchingPixels, c.mirrored]));
      for (const r of rows) expect(r.matchingRatio).toBe(r.matchingPixels / r.maskSize);
    }
  });

  it("prints a table by default, one row per target, through the real bin", async () => {
    const c = upstreamPixelMatchCases[5];
    const { code, stdout } = await runCliProcess(["score", cdsearch(c.mask), cdsearch(c.target), ...upstreamParams]);
    expect(code).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^target\s+matchingPixels\s+matchingRatio\s+mirrored\s+maskSize/);
    expect(lines[2]).toMatch(new RegExp(`VT016795.*\\s${c.matchingPixels}\\s+0\\.04136\\d+\\s+yes\\s+10299`));
  });

  it("--no-mirror turns mirroring off (the mirrored best of 426 is then not reported)", async () => {
    const c = upstreamPixelMatchCases[5];
    const { stdout } = await runCli(["score", cdsearch(c.mask), cdsearch(c.target), ...upstreamParams, "--no-mirror", "--json"]);
    const [row] = JSON.parse(stdout);
    expect(row.mirrored).toBe(false);
    expect(row.matchingPixels).toBeLessThan(426);
  });
});

describe("cds score on bad input", () => {
  it("rejects an odd --xy-shift with exit code 2 and says which values are allowed", async () => {
    const { code, stderr } = await runCliProcess(["score", "a.png", "b.png", "--xy-shift", "3"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/xy-shift.*3.*(0, 2, 4|"0", "2", "4")/s);
  });

  it("rejects a malformed label region with exit code 2", async () => {
    const { code, stderr } = await runCli(["score", "a.png", "b.png", "--exclude-top-right", "270by90"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/excludeTopRight must be written as WIDTHxHEIGHT/);
  });

  it("fails with exit code 1 and a clear message when the mask is a text file", async () => {
    const dir = await tempDir();
    const text = join(dir, "notes.tif");
    await writeFile(text, "these are my notes, not an image\n");
    const { code, stderr } = await runCli(["score", text, text]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/notes\.tif/);
    expect(stderr).toMatch(/not a (PNG, TIFF or JPEG|supported)|not an image/i);
  });

  it("scores the readable targets and exits 1 when one target is missing", async () => {
    const dir = await tempDir();
    const image = { width: 40, height: 20, rgb: new Uint8Array(2400).fill(0) };
    image.rgb.set([0, 200, 255], 3 * (10 * 40 + 20));
    const good = join(dir, "good.tif");
    await writeFile(good, encodePackBitsTiff(image));
    const { code, stdout, stderr } = await runCli(["score", good, good, join(dir, "missing.tif"), "--json", "--exclude-top-left", "0x0", "--exclude-top-right", "0x0"]);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toHaveLength(1);
    expect(stderr).toMatch(/missing\.tif/);
  });

  it("gives a zero score and a warning for an all-black mask", async () => {
    const dir = await tempDir();
    const black = join(dir, "black.tif");
    await writeFile(black, encodePackBitsTiff({ width: 50, height: 30, rgb: new Uint8Array(4500) }));
    const { code, stdout, stderr } = await runCli(["score", black, black, "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)[0]).toMatchObject({ matchingPixels: 0, matchingRatio: 0, maskSize: 0, isMatch: false });
    expect(stderr).toMatch(/no pixels above the mask threshold 100/);
  });

  it("refuses a target of another size than the mask, naming both sizes", async () => {
    const dir = await tempDir();
    const a = join(dir, "a.tif");
    const b = join(dir, "b.tif");
    await writeFile(a, encodePackBitsTiff({ width: 50, height: 30, rgb: new Uint8Array(4500).fill(200) }));
    await writeFile(b, encodePackBitsTiff({ width: 30, height: 50, rgb: new Uint8Array(4500) }));
    const { code, stderr } = await runCli(["score", a, b]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/b\.tif is 30×50 but 50×30 was expected/);
  });
});
