import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { LibraryManifest } from "@cds/core/library";
import { defaultSearchParams } from "@cds/core/search";
import { libraryName, renderMask, syntheticLibrary, type SyntheticLibrarySpec } from "@cds/synthetic";
import { FolderBlobStore, indexSyntheticLibrary, runLocalSearch } from "@cds/local";
import { tempDir } from "@cds/testing/temp-dir";

/** Library size (CDS_TEST_RECALL_COUNT overrides it): 2,000 synthetic CDMs take ~12 s to generate and index on two cores. */
const COUNT = Number(process.env.CDS_TEST_RECALL_COUNT ?? 2000);
const spec: SyntheticLibrarySpec = { seed: "recall", count: COUNT, masks: 2, plantedPerMask: 3 };

describe(`recall on a synthetic library of ${COUNT} targets at the custom-search defaults`, () => {
  const { plan, neurons } = syntheticLibrary(spec);
  let root: string;
  let manifest: LibraryManifest;

  beforeAll(async () => {
    root = join(await tempDir("cds-recall-"), "library");
    manifest = await indexSyntheticLibrary({ name: "recall", store: new FolderBlobStore(root), spec });
  });

  it("indexes every target", () => {
    expect(manifest.count).toBe(COUNT);
    expect(manifest.skipped).toEqual([]);
    expect(plan.plantedIndices).toHaveLength(6);
  });

  it.each([0, 1])("mask %i: its 3 planted targets are exactly the top 3, with the side they were planted on", async (maskIndex) => {
    // Prepare
    const planted = plan.plantedIndices.filter((i) => plan.planted(i)!.maskIndex === maskIndex);
    // Act
    const { matches } = await runLocalSearch({ mask: renderMask(neurons[maskIndex]), params: defaultSearchParams, library: { kind: "indexed", root, manifest } });
    // Assess
    expect(matches.slice(0, 3).map((m) => m.index).sort((a, b) => a - b)).toEqual(planted);
    for (const m of matches.slice(0, 3)) {
      expect(m.item.name).toBe(libraryName(spec.seed, m.index));
      expect(m.mirrored).toBe(plan.planted(m.index)!.mirrored);
    }
    // Nothing else comes close: the best decoy is below the worst planted target.
    if (matches.length > 3) expect(matches[3].matchingPixels).toBeLessThan(matches[2].matchingPixels);
  });
});
