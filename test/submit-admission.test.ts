import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { defaultSearchParams } from "@cds/core/search";
import { startLocalRuntime, startLocalState, type LocalRuntime } from "@cds/local";
import { uploadSprinkledMask } from "@cds/testing/accepted-masks";
import { acceptedSearchId, isSearchEvent, waitFor, waitForEvent } from "@cds/testing/runtime-events";
import { indexSprinkledLibrary } from "@cds/testing/sprinkled-library";
import { runningAtOnce } from "./support/submission-log.ts";
import { tempDir } from "@cds/testing/temp-dir";

// Issue 6, admission control in the running pipeline: a search that fails frees its slot for the
// next one waiting, and a slot left held by a search that ended while nothing ran is reclaimed
// when the runtime starts (not only at the next sweep).

let runtime: LocalRuntime | undefined;

afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
});

/** A root with a one-batch library "tiny" (100 targets of 64×32). */
async function rootWithLibrary(prefix: string): Promise<string> {
  const root = await tempDir(prefix);
  await indexSprinkledLibrary({ root, name: "tiny", count: 100, shardSize: 100 });
  return root;
}

describe("admission in the local runtime", () => {
  it("frees the slot of a search that fails, and starts the search waiting for it", async () => {
    // Prepare: one slot; the first search's only batch always fails, so the sweeper fails it at its deadline
    const root = await rootWithLibrary("cds-admission-fail-");
    runtime = await startLocalRuntime({ root, pollMs: 50, maxRunning: 1, retryDelaysMs: [10], searchDeadlineMs: 1500, retryMissingAfterMs: 60_000, sweepIntervalMs: 200, onError: () => undefined });
    const state = runtime.state;
    const record = state.recordBatchResult;
    state.recordBatchResult = async (input) => {
      if ((await state.getSearch(input.searchId))?.maskKey === "tiny/doomed.tif") throw new Error("injected: this batch never stores");
      return record(input);
    };

    // Act
    await uploadSprinkledMask({ root, library: "tiny", file: "doomed.tif", seed: 1 });
    const doomed = await acceptedSearchId(runtime, "tiny/doomed.tif");
    await uploadSprinkledMask({ root, library: "tiny", file: "next.tif", seed: 2 });
    const next = await acceptedSearchId(runtime, "tiny/next.tif");
    await waitForEvent(runtime, (e) => isSearchEvent(e, "Search Completed", next), 20_000);

    // Assess: the next search waited for the failure, then ran
    const log = await runtime.bus.readLog();
    const at = (type: Parameters<typeof isSearchEvent>[1], searchId: string) => log.findIndex((e) => isSearchEvent(e, type, searchId));
    expect(at("Search Failed", doomed)).toBeGreaterThan(-1);
    expect(at("Search Started", next)).toBeGreaterThan(at("Search Failed", doomed));
    expect(await state.getSearch(doomed)).toMatchObject({ status: "failed", failure: { stage: "sweeper" } });
    expect(runningAtOnce(log).max).toBe(1);
    expect(await state.listSlotHolders()).toEqual([]);
  });

  it("reclaims at start the slot of a search that ended while the runtime was down", async () => {
    // Prepare: the state as a crash can leave it — the only slot held by a search that has failed
    const root = await rootWithLibrary("cds-admission-reclaim-");
    const local = await startLocalState({ folder: join(root, "state") });
    const { search } = await local.state.createSearchFromUpload({ uploadKey: "uploads/tiny/old.tif#1", library: "tiny", maskKey: "tiny/old.tif", spec: { params: defaultSearchParams, top: 400 }, batchCount: 1, batchSize: 100, targetCount: 100 });
    expect(await local.state.acquireRunningSlot(search.searchId, 1)).toBe("acquired");
    await local.state.markSearchRunning(search.searchId);
    await local.state.markSearchFailed(search.searchId, { reason: "its Search Failed event was lost", stage: "worker" });
    await local.stop();
    await uploadSprinkledMask({ root, library: "tiny", file: "m.tif", seed: 3 });

    // Act: a restart, with no sweep due for ten minutes
    runtime = await startLocalRuntime({ root, pollMs: 50, maxRunning: 1, sweepIntervalMs: 600_000, onError: () => undefined });
    const searchId = await acceptedSearchId(runtime, "tiny/m.tif");
    await waitForEvent(runtime, (e) => isSearchEvent(e, "Search Completed", searchId), 15_000);

    // Assess: the slot is released by a handler of Search Completed, which may still be running
    await waitFor(async () => ((await runtime!.state.listSlotHolders()).length === 0 ? true : undefined), 15_000).catch(() => undefined);
    expect(await runtime.state.listSlotHolders()).toEqual([]);
  });
});
