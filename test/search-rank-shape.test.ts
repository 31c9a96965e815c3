import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { SearchResultsDocument } from "../packages/cli/src/commands/search/index.ts";
import { runCli } from "./support/run-cli.ts";
import { DENSE_DECOYS, PLANTED_TARGETS, writeShapeDecoyTargets } from "./support/shape-decoys.ts";
import { tempDir } from "@cds/testing/temp-dir";

describe("cds search --rank shape on planted matches and dense decoys", () => {
  let root: string;
  let mask: string;
  const planted: string[] = [...PLANTED_TARGETS];
  const dense: string[] = [...DENSE_DECOYS];

  beforeAll(async () => {
    const dir = await tempDir("cds-shape-");
    root = join(dir, "cds-data");
    await writeShapeDecoyTargets(dir, "shape-rank-test");
    mask = join(dir, "mask.tif");
    const indexed = await runCli(["library", "index", join(dir, "targets"), "--name", "shapes", "--root", root, "--with-shape", "--workers", "2", "--shard-size", "5"]);
    expect(indexed.code).toBe(0);
    expect(indexed.stdout).toMatch(/shape data for 16 targets: \d+ KiB per target/);
  });

  async function search(...extra: string[]): Promise<SearchResultsDocument> {
    const out = join(root, `results-${extra.join("_")}.json`);
    const { code, stderr } = await runCli(["search", mask, "--library", "shapes", "--root", root, "--out", out, "--workers", "2", ...extra]);
    expect(code, stderr).toBe(0);
    return JSON.parse(await readFile(out, "utf8")) as SearchResultsDocument;
  }

  it("pixel matching alone ranks every dense decoy above every planted match", async () => {
    const doc = await search("--rank", "pixels");
    const rankOf = new Map(doc.results.map((m) => [m.name, m.rank]));
    for (const d of dense) for (const p of planted) expect(rankOf.get(d)!, `${d} vs ${p}`).toBeLessThan(rankOf.get(p)!);
  });

  it("--rank shape puts every planted match above every dense decoy, sorted by normalizedScore", async () => {
    const doc = await search("--rank", "shape");
    expect(doc.shape).toMatchObject({ topLines: 300, shortlisted: 6 });
    expect(doc.results.slice(0, 3).map((m) => m.name).sort()).toEqual(planted);
    expect(doc.results.slice(3).map((m) => m.name).sort()).toEqual(dense);
    const scores = doc.results.map((m) => m.normalizedScore!);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // Both scores are reported: the dense decoys keep their higher pixel scores.
    const byName = new Map(doc.results.map((m) => [m.name, m]));
    expect(byName.get("dense-80")!.matchingPixels).toBeGreaterThan(byName.get("planted-0")!.matchingPixels);
    expect(byName.get("dense-80")!.shapeScore).toBeGreaterThan(byName.get("planted-0")!.shapeScore!);
  });

  it("--shape-top 2 shape-scores only the two best lines by pixels", async () => {
    const doc = await search("--rank", "shape", "--shape-top", "2");
    expect(doc.shape!.shortlisted).toBe(2);
    expect(doc.results.map((m) => m.name).every((n) => dense.includes(n))).toBe(true);
  });

  it("--rank shape on a library indexed without --with-shape says how to fix it", async () => {
    const again = await runCli(["library", "index", join(root, "..", "targets"), "--name", "plain", "--root", root]);
    expect(again.code).toBe(0);
    const { code, stderr } = await runCli(["search", mask, "--library", "plain", "--root", root, "--rank", "shape"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/has no shape data.*--with-shape/);
  });
});
