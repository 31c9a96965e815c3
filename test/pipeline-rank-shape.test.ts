import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResultsDocument } from "@cds/core/results";
import type { CatalogEvent } from "@cds/events";
import { startLocalRuntime, type LocalRuntime } from "@cds/local";
import type { SearchResultsDocument } from "../packages/cli/src/commands/search/index.ts";
import { runCli } from "./support/run-cli.ts";
import { waitFor } from "@cds/testing/runtime-events";
import { DENSE_DECOYS, PLANTED_TARGETS, writeShapeDecoyTargets } from "./support/shape-decoys.ts";
import { tempDir } from "@cds/testing/temp-dir";

// Issue 14, the pipeline's second stage: a sidecar `rank: "shape"` makes the search keep every
// pixel match per batch, and the combiner shortlist the best lines, shape-score them and sort by
// normalizedScore — the same ranking, score for score, as `cds search --rank shape`.

describe("the pipeline ranks by shape when the sidecar says rank: \"shape\"", () => {
  let dir: string;
  let root: string;
  let mask: Uint8Array;
  let runtime: LocalRuntime;
  const events: CatalogEvent[] = [];
  const planted: string[] = [...PLANTED_TARGETS];
  const dense: string[] = [...DENSE_DECOYS];

  beforeAll(async () => {
    dir = await tempDir("cds-pipeline-shape-");
    root = join(dir, "cds-data");
    mask = await writeShapeDecoyTargets(dir, "pipeline-shape-test");
    for (const [name, extra] of [["shapes", ["--with-shape"]], ["plain", []]] as const) {
      const indexed = await runCli(["library", "index", join(dir, "targets"), "--name", name, "--root", root, "--workers", "2", "--shard-size", "5", ...extra]);
      expect(indexed.code, indexed.stderr).toBe(0);
    }
    runtime = await startLocalRuntime({ root, pollMs: 50, uploadSettleMs: 0, scorerThreads: 2, batchPlan: { batchSize: 5 }, onEvent: (e) => void events.push(e), onError: () => undefined });
  }, 240_000);

  afterAll(async () => {
    await runtime?.stop();
  });

  async function drop(library: string, name: string, sidecar: object): Promise<CatalogEvent> {
    await writeFile(join(root, "uploads", library, `${name}.json`), JSON.stringify(sidecar));
    await writeFile(join(root, "uploads", library, name), mask);
    return waitFor(
      () => events.find((e) => (e["detail-type"] === "Search Completed" || e["detail-type"] === "Search Failed") && (e.detail as { maskName?: string; library?: string }).maskName === name && (e.detail as { library?: string }).library === library),
      120_000,
    );
  }

  it("puts the planted matches above the dense decoys, with the same scores as cds search --rank shape", async () => {
    const ended = await drop("shapes", "by-shape.tif", { rank: "shape" });
    expect(ended["detail-type"]).toBe("Search Completed");
    const searchId = (ended.detail as { searchId: string }).searchId;
    const document = JSON.parse(await readFile(join(root, "results", `${searchId}.json`), "utf8")) as ResultsDocument;
    expect(document.shape).toMatchObject({ topLines: 300, shortlisted: 6, lut: "built-in" });
    expect(document.results.slice(0, 3).map((r) => r.name).sort()).toEqual(planted);
    expect(document.results.slice(3, 6).map((r) => r.name).sort()).toEqual(dense);

    const out = join(dir, "cli.json");
    const cli = await runCli(["search", join(dir, "mask.tif"), "--library", "shapes", "--root", root, "--rank", "shape", "--out", out, "--no-page", "--workers", "2"]);
    expect(cli.code, cli.stderr).toBe(0);
    const local = JSON.parse(await readFile(out, "utf8")) as SearchResultsDocument;
    const scores = (d: { results: ResultsDocument["results"] }) =>
      d.results.map((r) => [r.name, r.matchingPixels, r.mirrored, r.shapeScore, r.gradientAreaGap, r.highExpressionArea, r.shapeMirrored, r.normalizedScore]);
    expect(scores(document)).toEqual(scores(local));

    // Both scores reach the CSV and the page.
    const csv = (await readFile(join(root, "results", `${searchId}.csv`), "utf8")).split("\r\n");
    expect(csv[0]).toMatch(/,matchingPixels,matchingRatio,mirrored,sourcePath,library,shapeScore,gradientAreaGap,highExpressionArea,normalizedScore$/);
    expect(csv[1]!.split(",").at(-1)).toBe(String(document.results[0]!.normalizedScore));
    const page = await readFile(join(root, "results", `${searchId}.html`), "utf8");
    expect(page).toContain('<option value="shape">normalized score</option>');
    expect(page).toContain(`"shapeScore":${document.results[0]!.shapeScore}`);
  }, 180_000);

  it("ranks by pixels without the key: the dense decoys first, no shape scores", async () => {
    const ended = await drop("shapes", "by-pixels.tif", {});
    const document = JSON.parse(await readFile(join(root, "results", `${(ended.detail as { searchId: string }).searchId}.json`), "utf8")) as ResultsDocument;
    expect(document.shape).toBeUndefined();
    expect(document.results.slice(0, 3).map((r) => r.name).sort()).toEqual(dense);
    expect(document.results.every((r) => r.shapeScore === undefined)).toBe(true);
  }, 120_000);

  it("fails at intake, saying how to fix it, when the library has no shape data or the key is wrong", async () => {
    const noData = await drop("plain", "no-data.tif", { rank: "shape" });
    expect(noData["detail-type"]).toBe("Search Failed");
    expect(noData.detail).toMatchObject({ stage: "intake" });
    expect((noData.detail as { reason: string }).reason).toMatch(/library "plain" was indexed without it: re-index it with `cds library index … --with-shape`/);
    const wrong = await drop("shapes", "wrong.tif", { rank: "best" });
    expect((wrong.detail as { reason: string }).reason).toContain('rank must be "pixels" or "shape", got "best"');
    const stray = await drop("shapes", "stray.tif", { shapeTop: 10 });
    expect((stray.detail as { reason: string }).reason).toContain('shapeTop needs rank "shape"');
  }, 120_000);
});
