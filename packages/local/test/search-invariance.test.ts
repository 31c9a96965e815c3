import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { LibraryManifest } from "@cds/core/library";
import { isMatch } from "@cds/core/scoring";
import { compareMatches, defaultSearchParams, parseSearchParams, type TargetMatch } from "@cds/core/search";
import { renderMask, syntheticLibrary } from "@cds/synthetic";
import { FolderBlobStore, indexSyntheticLibrary, runLocalSearch, type SearchTarget } from "@cds/local";
import { shardRuns } from "../src/search-runner.ts";
import { tempDir } from "@cds/testing/temp-dir";

const spec = { seed: "invariance", count: 200, masks: 2, plantedPerMask: 2 };
const { neurons } = syntheticLibrary(spec);
const mask = renderMask(neurons[0]);

/** Every split of the work: 1–3 workers × batches of 7 (crossing shard ends), 64, and runs of whole shards (the default). */
const splits = [1, 2, 3].flatMap((workers) => [7, 64, undefined].map((batchSize) => ({ workers, batchSize, label: `${workers} worker(s), batch ${batchSize ?? "of whole shards"}` })));

describe("a search's ranking does not depend on how the work is split", () => {
  let library: SearchTarget;
  let manifest: LibraryManifest;
  let baseline: TargetMatch[];

  beforeAll(async () => {
    // Prepare: 200 targets in shards of 23, so batches of 7 and 64 straddle shard ends.
    const root = join(await tempDir("cds-invariance-"), "library");
    manifest = await indexSyntheticLibrary({ name: "invariance", store: new FolderBlobStore(root), spec, shardSize: 23 });
    library = { kind: "indexed", root, manifest };
    baseline = (await runLocalSearch({ mask, params: defaultSearchParams, library, keepAll: true, workers: 1 })).matches;
  });

  it("the baseline (keepAll) holds every target once, ranked by matching pixels then library index, ties included", () => {
    expect(manifest.shards).toHaveLength(9);
    expect(baseline.map((m) => m.index).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect([...baseline].sort(compareMatches)).toEqual(baseline);
    // Ties exist, so the tie-break is exercised.
    expect(new Set(baseline.map((m) => m.matchingPixels)).size).toBeLessThan(200);
  });

  it.each(splits)("$label: keepAll gives the identical list", async ({ workers, batchSize }) => {
    const result = await runLocalSearch({ mask, params: defaultSearchParams, library, keepAll: true, workers, batchSize });
    expect(result.scored).toBe(200);
    expect(result.workers).toBe(workers);
    expect(result.matches).toEqual(baseline);
  });

  it("3 workers, batch 7, filtered and cut to the top 5: the head of the baseline's matches that pass the filter", async () => {
    // A low ratio bar, so that decoys pass the filter too and the top 5 is cut from a longer list.
    const params = parseSearchParams({ minMatchingPixRatio: 0.3 });
    const { matches } = await runLocalSearch({ mask, params, library, top: 5, workers: 3, batchSize: 7 });
    const passing = baseline.filter((m) => isMatch(m, params.minMatchingPixRatio));
    expect(passing.length).toBeGreaterThan(5);
    expect(matches).toEqual(passing.slice(0, 5));
  });

  it("by default, batches are runs of whole consecutive shards: each shard once, up to 8 per run, at least 8 runs per worker where there are shards enough", () => {
    const shards = (n: number) => Array.from({ length: n }, (_, i) => ({ start: 100 * i, count: i === n - 1 ? 37 : 100 }));
    for (const [count, workers, runs, perRun] of [[500, 2, 63, 8], [500, 16, 167, 3], [9, 3, 9, 1], [1, 2, 1, 1]] as const) {
      const planned = shardRuns(shards(count), workers);
      expect(planned).toHaveLength(runs);
      expect(planned[0]).toEqual({ start: 0, end: count === 1 ? 37 : 100 * perRun });
      // Consecutive and complete: each run starts where the last ended, the last ends with the library.
      planned.forEach((run, i) => expect(run.start).toBe(i === 0 ? 0 : planned[i - 1].end));
      expect(planned[planned.length - 1].end).toBe(100 * (count - 1) + 37);
    }
  });
});
