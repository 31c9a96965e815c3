import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeImageFile, encodePackBitsTiff } from "@cds/core/image";
import { scorePixelMatchPlain } from "@cds/core/scoring";
import { defaultSearchParams } from "@cds/core/search";
import type { SearchResultsDocument } from "../packages/cli/src/commands/search/index.ts";
import { runCli, runCliProcess } from "./support/run-cli.ts";
import { sprinkledImage, writeSyntheticTargets, type WrittenTarget } from "@cds/testing/synthetic-targets";
import { tempDir } from "@cds/testing/temp-dir";

describe("cds library index, library list and search, end to end", () => {
  let dir: string;
  let root: string;
  let mask: string;
  let targets: WrittenTarget[];
  let planted: WrittenTarget;

  beforeAll(async () => {
    // Prepare: 30 synthetic CDM TIFFs, one of which carries the mask's neuron, and the mask as a TIFF.
    dir = await tempDir("cds-cli-");
    root = join(dir, "cds-data");
    const written = await writeSyntheticTargets(join(dir, "targets"), { seed: "cli", count: 30, masks: 1, plantedPerMask: 1 });
    targets = written.targets;
    planted = targets.find((t) => t.planted)!;
    mask = join(dir, "mask.tif");
    await writeFile(mask, encodePackBitsTiff(written.masks[0]));
  });

  it("library list says there are none yet, and how to make one", async () => {
    const { code, stdout } = await runCli(["library", "list", "--root", root]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/no libraries under .*libraries.*cds library index <source> --name <name>/);
  });

  it("library index writes the library under <root>/libraries/<name> and says what it did", async () => {
    const { code, stdout, stderr } = await runCli(["library", "index", join(dir, "targets"), "--name", "syn", "--root", root, "--shard-size", "8", "--workers", "2"]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toMatch(new RegExp(`^indexed 30 images of 1210×566 into ${join(root, "libraries", "syn")} \\(4 shards, `));
    const manifest = JSON.parse(await readFile(join(root, "libraries", "syn", "manifest.json"), "utf8"));
    expect({ name: manifest.name, count: manifest.count, shards: manifest.shardCount }).toEqual({ name: "syn", count: 30, shards: 4 });
  });

  it("library list shows the library with its target count and size", async () => {
    const { code, stdout } = await runCli(["library", "list", "--root", root]);
    expect(code).toBe(0);
    const lines = stdout.split("\n");
    expect(lines[0]).toMatch(/^library\s+version\s+targets\s+image\s+size\s+skipped\s+created$/);
    expect(lines.slice(2)).toHaveLength(1);
    expect(lines[2]).toMatch(/^syn\s+1\s+30\s+1210x566\s+\d+(\.\d)? (KiB|MB)\s+0\s+\d{4}-\d\d-\d\dT/);
  });

  it("search prints a ranked table with the planted target first and writes --out JSON ranked by matching pixels", async () => {
    // Act
    const out = join(dir, "results.json");
    const { code, stdout, stderr } = await runCli(["search", mask, "--library", "syn", "--root", root, "--out", out, "--min-matching-pix-ratio", "0.5"]);
    // Assess: the table
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    const lines = stdout.split("\n");
    expect(lines[0]).toMatch(/^\d+ match(es)? for mask\.tif in syn: 30 targets scored in /);
    expect(lines[1]).toMatch(/^rank\s+target\s+matchingPixels\s+matchingRatio\s+mirrored$/);
    expect(lines[3]).toMatch(new RegExp(`^\\s*1\\s+${planted.name}\\s+\\d+\\s+0\\.9\\d{3}\\s+(yes|no)$`));
    expect(lines.at(-1)).toBe(`results written to ${out}; page ${join(dir, "results.html")}`);
    // Assess: the document
    const doc = JSON.parse(await readFile(out, "utf8")) as SearchResultsDocument;
    expect(doc.library).toEqual({ name: "syn", count: 30, location: join(dir, "targets"), indexed: true });
    expect(doc.parameters).toEqual({ ...defaultSearchParams, minMatchingPixRatio: 0.5 });
    expect(doc.scored).toBe(30);
    expect(doc.results.length).toBeGreaterThan(1);
    expect(doc.results.map((m) => m.rank)).toEqual(doc.results.map((_, i) => i + 1));
    for (let i = 1; i < doc.results.length; i++) expect(doc.results[i].matchingPixels).toBeLessThanOrEqual(doc.results[i - 1].matchingPixels);
    expect(lines.slice(3, 3 + doc.results.length).map((l) => l.trim().split(/\s+/)[1])).toEqual(doc.results.map((m) => m.name));
    const [best] = doc.results;
    expect(best).toMatchObject({ rank: 1, name: planted.name, sourcePath: planted.sourcePath, publishedName: expect.stringMatching(/^SYN_/) });
    // The scores are the plain reference's for that file.
    const reference = scorePixelMatchPlain(await decodeImageFile(mask), await decodeImageFile(planted.file), doc.parameters);
    expect({ matchingPixels: best.matchingPixels, matchingRatio: best.matchingRatio, mirrored: best.mirrored, maskSize: doc.mask.maskSize }).toEqual(reference);
    expect(best.mirrored).toBe(planted.planted!.mirrored);
  });

  it("--top limits table and file; --all keeps every match in the file while the table shows --top", async () => {
    const topOut = join(dir, "top.json");
    const allOut = join(dir, "all.json");
    const params = ["--min-matching-pix-ratio", "0", "--data-threshold", "20", "--mask-threshold", "20"];
    const top = await runCli(["search", mask, "--library", "syn", "--root", root, "--top", "2", "--out", topOut, ...params]);
    const all = await runCli(["search", mask, "--library", "syn", "--root", root, "--top", "2", "--all", "--out", allOut, ...params]);
    expect([top.code, all.code]).toEqual([0, 0]);
    const topDoc = JSON.parse(await readFile(topOut, "utf8")) as SearchResultsDocument;
    const allDoc = JSON.parse(await readFile(allOut, "utf8")) as SearchResultsDocument;
    expect(topDoc.results).toHaveLength(2);
    expect(allDoc.results.length).toBeGreaterThan(2);
    expect(allDoc.results.slice(0, 2)).toEqual(topDoc.results);
    for (const stdout of [top.stdout, all.stdout]) expect(stdout.split("\n").filter((l) => /^\s*\d+\s+SYN_/.test(l))).toHaveLength(2);
  });

  it("--library with an unknown name fails with exit code 1 and says how to index one", async () => {
    const { code, stdout, stderr } = await runCliProcess(["search", mask, "--library", "nope", "--root", root]);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/cds: no library "nope": not an indexed library under .*libraries and not a folder/);
    expect(stderr).toMatch(/Index one with `cds library index <source> --name nope`/);
  });

  it("a mask of another size than the library fails with exit code 1, naming both sizes", async () => {
    const small = join(dir, "small-mask.tif");
    await writeFile(small, encodePackBitsTiff(sprinkledImage(600, 300, 1)));
    const { code, stderr } = await runCli(["search", small, "--library", "syn", "--root", root]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/small-mask\.tif is 600×300 but 1210×566 was expected/);
  });
});
