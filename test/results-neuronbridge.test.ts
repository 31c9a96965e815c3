import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Ajv } from "ajv";
import { beforeAll, describe, expect, it } from "vitest";
import type { ResultsDocument } from "@cds/core/results";
import { runCli } from "./support/run-cli.ts";
import { BJD, cdsearch, EM_12191, GMR, hasSharedCdm, repoRoot, SKIP_SHARED_NOTE, VT016795, VT033614 } from "@cds/testing/shared-data";
import { tempDir } from "@cds/testing/temp-dir";

const schemaPath = resolve(repoRoot, "../shared/data/neuronbridge-data/CustomMatches.schema.json");
const upstreamParams = ["--mask-threshold", "20", "--data-threshold", "20", "--pix-color-fluctuation", "1", "--xy-shift", "2", "--mirror", "--min-matching-pix-ratio", "0"];

// The real LM CDMs under NeuronBridge names, some behind a prefix (a lab's own numbering, a
// space-separated plate name), as a folder library collects them.
const NAMED = [
  { from: VT033614, to: "plate 3 VT033614-20171124_64_H6-GAL4-f-40x-brain-JRC2018_Unisex_20x_HR-CDM_2.tif", publishedName: "VT033614", matchingPixels: 439, mirrored: false },
  { from: BJD, to: "lab7-run2-R127B01-20171124_64_H6-GAL4-f-40x-brain-JRC2018_Unisex_20x_HR-CDM_2.tif", publishedName: "R127B01", matchingPixels: 414, mirrored: false },
  { from: VT016795, to: "VT016795-20200221_61_I2-m-40x-brain-JRC2018_Unisex_20x_HR-CDM_1.tif", publishedName: "VT016795", matchingPixels: 426, mirrored: true },
  // No pixel of the 12191 mask matches it at these parameters: in the library, not in the results.
  { from: GMR, to: "R31G04-20190813_66_F3-GAL4-f-40x-brain-JRC2018_Unisex_20x_HR-CDM_2.tif", publishedName: "R31G04" },
];

if (!hasSharedCdm) console.warn(SKIP_SHARED_NOTE);

describe.skipIf(!hasSharedCdm)("cds results --format neuronbridge on real CDMs with NeuronBridge names", () => {
  let dir: string;
  let root: string;
  let out: string;

  beforeAll(async () => {
    dir = await tempDir("cds-nb-");
    root = join(dir, "cds-data");
    await mkdir(join(dir, "lm"));
    for (const n of NAMED) await copyFile(cdsearch(n.from), join(dir, "lm", n.to));
    const indexed = await runCli(["library", "index", join(dir, "lm"), "--name", "lm", "--root", root, "--workers", "1"]);
    expect(indexed.code, indexed.stderr).toBe(0);
    out = join(dir, "results.json");
    const searched = await runCli(["search", cdsearch(EM_12191), "--library", "lm", "--root", root, "--workers", "1", "--out", out, ...upstreamParams]);
    expect(searched.code, searched.stderr).toBe(0);
  }, 120_000);

  it("validates against NeuronBridge's CustomMatches schema, with the exact upstream scores", async () => {
    const { code, stdout, stderr } = await runCli(["results", out, "--format", "neuronbridge"]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    const exported = JSON.parse(stdout);
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(JSON.parse(await readFile(schemaPath, "utf8")));
    expect(validate(exported), JSON.stringify(validate.errors)).toBe(true);
    // Assess: NeuronBridge's fields, from the names (after the prefixes too), and the scores as upstream asserts them.
    expect(exported.inputImage).toMatchObject({ filename: "12191_JRC2018U.tif", alignmentSpace: "JRC2018_Unisex_20x_HR", anatomicalArea: "brain" });
    const byLine = new Map<string, { matchingPixels: number; normalizedScore: number; mirrored: boolean; image: Record<string, unknown> }>(
      exported.results.map((r: { image: { publishedName: string } }) => [r.image.publishedName, r]),
    );
    expect([...byLine.keys()].sort()).toEqual(["R127B01", "VT016795", "VT033614"]);
    for (const n of NAMED.filter((n) => n.matchingPixels !== undefined)) {
      const r = byLine.get(n.publishedName)!;
      expect({ matchingPixels: r.matchingPixels, normalizedScore: r.normalizedScore, mirrored: r.mirrored }).toEqual({ matchingPixels: n.matchingPixels, normalizedScore: n.matchingPixels, mirrored: n.mirrored });
    }
    expect(byLine.get("VT016795")!.image).toMatchObject({ type: "LMImage", libraryName: "lm", slideCode: "20200221_61_I2", gender: "m", objective: "40x", channel: 1 });
  });

  it("names the missing field and the targets when the library's names carry no metadata, and --metadata at indexing fills them", async () => {
    // Prepare: the same images under plain names.
    const plain = join(dir, "plain");
    await mkdir(plain);
    for (const [i, n] of NAMED.entries()) await copyFile(cdsearch(n.from), join(plain, `target-${i}.tif`));
    expect((await runCli(["library", "index", plain, "--name", "plain", "--root", root, "--workers", "1"])).code).toBe(0);
    const plainOut = join(dir, "plain.json");
    expect((await runCli(["search", cdsearch(EM_12191), "--library", "plain", "--root", root, "--out", plainOut, "--no-page", ...upstreamParams])).code).toBe(0);
    // Act / Assess: the export refuses, naming fields and targets.
    const refused = await runCli(["results", plainOut, "--format", "neuronbridge"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/EMImage\.publishedName for 3 targets \(target-\d, target-\d, target-\d\)/);
    expect(refused.stdout).toBe("");
    // A metadata CSV at indexing gives the fields.
    const csv = ["name,publishedName,slideCode,gender,objective,anatomicalArea,alignmentSpace,channel", ...NAMED.map((n, i) => `target-${i},${n.publishedName},20200101_1_A1,f,40x,brain,JRC2018_Unisex_20x_HR,1`)].join("\n");
    await writeFile(join(dir, "meta.csv"), csv);
    expect((await runCli(["library", "index", plain, "--name", "plain", "--root", root, "--workers", "1", "--metadata", join(dir, "meta.csv"), "--force"])).code).toBe(0);
    expect((await runCli(["search", cdsearch(EM_12191), "--library", "plain", "--root", root, "--out", plainOut, "--no-page", ...upstreamParams])).code).toBe(0);
    const accepted = await runCli(["results", plainOut, "--format", "neuronbridge"]);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(JSON.parse(accepted.stdout).results.map((r: { image: { publishedName: string } }) => r.image.publishedName).sort()).toEqual(["R127B01", "VT016795", "VT033614"]);
  });

  it("the results document validates against the repository's schema, and cds results reads it as table, JSON and CSV", async () => {
    const document = JSON.parse(await readFile(out, "utf8")) as ResultsDocument;
    const ajv = new Ajv({ strict: true, allErrors: true });
    const validate = ajv.compile(JSON.parse(await readFile(join(repoRoot, "packages/core/src/results/results-document.schema.json"), "utf8")));
    expect(validate(document), JSON.stringify(validate.errors)).toBe(true);

    const table = await runCli(["results", out]);
    expect(table.stdout.split("\n")[0]).toBe("3 matches for 12191_JRC2018U.tif in lm (4 targets scored)");
    expect(table.stdout).toMatch(/^\s*1\s+plate 3 VT033614-\S+\s+439\s/m);
    const json = await runCli(["results", out, "--json"]);
    expect(JSON.parse(json.stdout)).toEqual(document);
    const csv = await runCli(["results", out, "--format", "csv"]);
    const rows = csv.stdout.trimEnd().split("\n");
    expect(rows[0]).toBe("rank,name,publishedName,slideCode,gender,objective,anatomicalArea,alignmentSpace,channel,matchingPixels,matchingRatio,mirrored,sourcePath,library");
    expect(rows).toHaveLength(4);
    expect(rows[1]).toMatch(/^1,plate 3 VT033614-.*,VT033614,20171124_64_H6,f,40x,brain,JRC2018_Unisex_20x_HR,2,439,/);
  });
});
