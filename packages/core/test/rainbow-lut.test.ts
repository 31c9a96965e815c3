import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadLutFile, LUT_SIZE, parseLut, rainbowLut } from "../src/image/rainbow-lut.ts";

// The real LUT is licensed Janelia data kept beside the repository, never inside it.
const REAL_LUT = fileURLToPath(new URL("../../../../shared/data/cdm/lut/PsychedelicRainBow2.lut", import.meta.url));
const SKIP_NOTE = `real LUT not found at ${REAL_LUT} (../shared/data/cdm is absent); procedural-vs-real check skipped`;

/** The pixel-match hue sector (cdm-reference 1.5): strictly largest channel, then second. */
function sector(r: number, g: number, b: number): string {
  if (b > r && b > g) return r > g ? "BR" : "BG";
  if (g > b && g > r) return b > r ? "GB" : "GR";
  if (r > b && r > g) return g > b ? "RG" : "RB";
  return "none";
}

function entry(lut: Uint8Array, i: number): [number, number, number] {
  return [lut[3 * i], lut[3 * i + 1], lut[3 * i + 2]];
}

describe("procedural PsychedelicRainBow2 LUT", () => {
  it("has the documented end points and landmarks", () => {
    const lut = rainbowLut();
    expect(lut).toHaveLength(3 * LUT_SIZE);
    expect(entry(lut, 0)).toEqual([127, 0, 255]);
    expect(entry(lut, 85)).toEqual([0, 254, 255]);
    expect(entry(lut, 170)).toEqual([254, 255, 0]);
    expect(entry(lut, 255)).toEqual([255, 0, 200]);
  });

  it("puts every entry in a hue sector, in LUT order BR, BG, GB, GR, RG, RB", () => {
    const lut = rainbowLut();
    const sectors = Array.from({ length: LUT_SIZE }, (_, i) => sector(...entry(lut, i)));
    const runs = sectors.filter((s, i) => i === 0 || s !== sectors[i - 1]);
    expect(runs).toEqual(["BR", "BG", "GB", "GR", "RG", "RB"]);
  });

  it("returns a fresh copy, so a caller's edits cannot leak into later images", () => {
    const a = rainbowLut();
    a[0] = 1;
    expect(rainbowLut()[0]).toBe(127);
  });

  it("stays within 3 per channel of the real table, in the same hue sector at every index", async (ctx) => {
    if (!existsSync(REAL_LUT)) ctx.skip(SKIP_NOTE);
    const real = await loadLutFile(REAL_LUT);
    const procedural = rainbowLut();
    for (let i = 0; i < LUT_SIZE; i++) {
      const p = entry(procedural, i);
      const q = entry(real, i);
      const worst = Math.max(...p.map((v, c) => Math.abs(v - q[c])));
      expect(worst, `index ${i}: procedural ${p} vs real ${q}`).toBeLessThanOrEqual(3);
      expect(sector(...p), `index ${i}: procedural ${p} vs real ${q}`).toBe(sector(...q));
    }
  });
});

describe("LUT file parsing", () => {
  const rows = (n: number, eol: string) => Array.from({ length: n }, (_, i) => `${i}\t${255 - i}\t7`).join(eol);

  it("reads 256 tab-separated rows with CRLF or LF line ends", () => {
    for (const eol of ["\r\n", "\n"]) {
      const lut = parseLut(rows(256, eol) + eol);
      expect(entry(lut, 0)).toEqual([0, 255, 7]);
      expect(entry(lut, 255)).toEqual([255, 0, 7]);
    }
  });

  it("rejects a table with the wrong number of rows or bad values, saying why", () => {
    expect(() => parseLut(rows(255, "\n"))).toThrow(/256 rows, this one has 255/);
    expect(() => parseLut(rows(255, "\n") + "\n1\t2\t256")).toThrow(/row 256 .*0–255/);
    expect(() => parseLut(rows(255, "\n") + "\n1\t2")).toThrow(/row 256/);
  });

  it("reports a missing file with its path", async () => {
    await expect(loadLutFile("/nonexistent/x.lut")).rejects.toThrow(/cannot read the LUT file \/nonexistent\/x\.lut/);
  });
});
