import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodePackBitsTiff } from "@cds/core/image";
import type { ResultsDocument } from "@cds/core/results";
import { renderMask, syntheticLibrary, type SyntheticLibrarySpec } from "@cds/synthetic";
import type { CatalogEvent } from "@cds/events";
import { FolderBlobStore, indexSyntheticLibrary, startLocalRuntime, type LocalRuntime } from "@cds/local";
import { tempDir } from "@cds/testing/temp-dir";
import { waitFor, waitForEvent } from "@cds/testing/runtime-events";

/** How long a wait may take before the test fails. */
const WAIT_MS = 20_000;

const spec: SyntheticLibrarySpec = { seed: "pipeline-restart", count: 200, masks: 1, plantedPerMask: 2 };

describe("the local runtime across a restart", () => {
  it("finishes a search that was stopped mid-way, scoring every target once", async () => {
    // Prepare: a search stopped after its first batches
    const root = await tempDir("cds-restart-");
    await indexSyntheticLibrary({ name: "lib", store: new FolderBlobStore(join(root, "libraries", "lib")), spec, shardSize: 20 });
    const options = { root, pollMs: 50, batchPlan: { batchSize: 5 }, concurrency: 1, onError: () => undefined };
    const first = await startLocalRuntime(options);
    await writeFile(join(root, "uploads", "lib", "m.tif"), encodePackBitsTiff(renderMask(syntheticLibrary(spec).neurons[0])));
    const searchId = await waitFor(async () => {
      const started = (await first.bus.readLog()).find((e) => e["detail-type"] === "Search Started");
      return started && "searchId" in started.detail ? started.detail.searchId : undefined;
    }, WAIT_MS);
    await first.stop();
    const stopped = await readSearchAfterStop(root, searchId);
    expect(stopped.status).toBe("running");
    expect(stopped.completedBatches).toBeLessThan(stopped.batchCount);

    // Act
    const second = await startLocalRuntime(options);
    try {
      await waitForEvent(second, (e) => e["detail-type"] === "Search Completed" && e.detail.searchId === searchId, WAIT_MS);
      // Assess
      const document = JSON.parse(await readFile(join(root, "results", `${searchId}.json`), "utf8")) as ResultsDocument;
      expect(document.scored).toBe(spec.count);
      expect(document.partial).toBe(false);
      expect(await second.state.getSearch(searchId)).toMatchObject({ status: "completed", completedBatches: 40, batchCount: 40 });
    } finally {
      await second.stop();
    }
  });
});

async function readSearchAfterStop(root: string, searchId: string) {
  const { openStateFolder } = await import("@cds/local");
  const opened = await openStateFolder(join(root, "state"));
  try {
    return (await opened.state.getSearch(searchId))!;
  } finally {
    await opened.close();
  }
}

