import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./support/run-cli.ts";
import { BJD, cdsearch, EM_12191, EM_12191_FL, hasSharedCdm, sharedCdmDir, SKIP_SHARED_NOTE, VT016795, VT033614 } from "@cds/testing/shared-data";

if (!hasSharedCdm) console.warn(SKIP_SHARED_NOTE);

const upstreamParams = ["--mask-threshold", "20", "--data-threshold", "20", "--pix-color-fluctuation", "1", "--xy-shift", "2", "--mirror"];
const lut = join(sharedCdmDir, "lut/PsychedelicRainBow2.lut");
const gradientOf = (target: string) => cdsearch(`grad/${target.slice("lms/".length).replace(/\.tif$/, ".png")}`);
const zgapOf = (target: string) => cdsearch(`zgap/${target.slice("lms/".length)}`);

/** `Shape2DMatchColorDepthSearchAlgorithmTest`'s seven rows; without a zgap file upstream uses radius 10. */
const rows = [
  { mask: EM_12191, target: VT033614, gradient: VT033614, zgap: false, expected: [21365, 731, 21608, false] },
  { mask: EM_12191, target: BJD, gradient: BJD, zgap: true, expected: [33884, 523, 34058, false] },
  { mask: EM_12191, target: BJD, gradient: BJD, zgap: false, expected: [23359, 523, 23533, false] },
  { mask: EM_12191, target: BJD, gradient: VT033614, zgap: false, expected: [23367, 523, 23541, false] },
  { mask: EM_12191, target: VT016795, gradient: VT016795, zgap: false, expected: [40696, 17253, 46447, true] },
  { mask: EM_12191_FL, target: VT033614, gradient: VT033614, zgap: false, expected: [65381, 677, 65606, false] },
  { mask: EM_12191_FL, target: VT016795, gradient: VT016795, zgap: false, expected: [104449, 16803, 110050, true] },
];

describe.skipIf(!hasSharedCdm)("cds score --shape on the upstream cases", () => {
  for (const row of rows) {
    it(`${row.mask} vs ${row.target.slice(4, 12)} (gradient ${row.gradient.slice(4, 12)}, zgap ${row.zgap ? "file" : "r10"}) → ${row.expected.join(" / ")}`, async () => {
      const variants = ["--gradient", gradientOf(row.gradient), ...(row.zgap ? ["--zgap", zgapOf(row.target)] : ["--zgap-radius", "10"])];
      const { code, stdout, stderr } = await runCli(["score", cdsearch(row.mask), cdsearch(row.target), ...upstreamParams, "--shape", ...variants, "--lut", lut, "--json"]);
      expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
      const [result] = JSON.parse(stdout);
      expect([result.gradientAreaGap, result.highExpressionArea, result.shapeScore, result.shapeMirrored]).toEqual(row.expected);
      // The pixel-match fields are still there, beside the shape ones.
      expect(result.matchingPixels).toBeGreaterThan(0);
      expect(result.normalizedScore).toBe(100);
    });
  }

  it("normalises across the targets of one run: the best pixels over the worst shape", async () => {
    const targets = [VT033614, BJD, VT016795];
    const { code, stdout } = await runCli([
      "score", cdsearch(EM_12191), ...targets.map(cdsearch), ...upstreamParams, "--shape", "--gradient", cdsearch("grad"), "--zgap-radius", "10", "--lut", lut, "--json",
    ]);
    expect(code).toBe(0);
    const byTarget = new Map((JSON.parse(stdout) as { target: string; normalizedScore: number; shapeScore: number }[]).map((r) => [r.target, r]));
    // 439 px / 21608 is the best pair; 414 / 23533 and 426 / 46447 (mirrored) follow, as in upstream's worked formula.
    expect(byTarget.get(cdsearch(VT033614))!.normalizedScore).toBeCloseTo(((439 / 439) / Math.max(0.002, Math.min(1, (2.5 * 21608) / 46447))) * 100, 9);
    expect(byTarget.get(cdsearch(VT016795))!.normalizedScore).toBeCloseTo((426 / 439) * 100, 9);
  });

  it("without --lut says that it uses the built-in approximation", async () => {
    const { code, stderr } = await runCli(["score", cdsearch(EM_12191), cdsearch(VT033614), ...upstreamParams, "--shape", "--zgap-radius", "10", "--json"], undefined);
    expect(code).toBe(0);
    expect(stderr).toMatch(/built-in approximation of the PsychedelicRainBow2 LUT/);
  });

  it("rejects --gradient without --shape, and one --gradient file for several targets", async () => {
    const a = await runCli(["score", cdsearch(EM_12191), cdsearch(VT033614), "--gradient", gradientOf(VT033614)]);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--gradient needs --shape/);
    const b = await runCli(["score", cdsearch(EM_12191), cdsearch(VT033614), cdsearch(BJD), "--shape", "--gradient", gradientOf(VT033614), "--lut", lut]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--gradient names one file but there are 2 targets/);
  });
});
