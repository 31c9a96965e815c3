import { describe, expect, it } from "vitest";
import type { SearchItem } from "@cds/core/entities";
import type { FailingStage } from "@cds/core/pipeline";
import { defaultSearchParams } from "@cds/core/search";
import { stageFailed } from "@cds/functions";
import { handlerPartsOnDynalite } from "@cds/testing/handler-parts-on-dynalite";

// What a runtime calls when a stage's handler failed for good, on core's state store on dynalite
// (its clock fixed, so the failure time is known) and a bus that records what was announced.

const NOW = new Date("2030-06-01T12:00:00.000Z");

const parts = handlerPartsOnDynalite({ now: () => NOW });
let uploads = 0;

const deps = () => ({ state: parts.state, bus: parts.bus });

/** A search as intake creates it, then started unless it should still wait. */
async function aSearch(status: "accepted" | "running" = "running"): Promise<SearchItem> {
  const maskKey = `lib/mask-${uploads++}.png`;
  const { search } = await parts.state.createSearchFromUpload({ uploadKey: `uploads/${maskKey}`, library: "lib", maskKey, spec: { params: defaultSearchParams, top: 400 }, batchCount: 2, batchSize: 50, targetCount: 100 });
  return status === "running" ? parts.state.markSearchRunning(search.searchId) : search;
}

describe("stageFailed", () => {
  it("fails the search with the stage's reason and announces Search Failed with it", async () => {
    const search = await aSearch();

    await stageFailed(search.searchId, "combiner", new Error("No space left on device"), deps());

    const reason = "the search could not be combined into results: No space left on device";
    expect(await parts.state.getSearch(search.searchId)).toMatchObject({ status: "failed", failure: { stage: "combiner", reason }, completedAt: NOW.toISOString() });
    expect(parts.bus.detailsOf("Search Failed")).toEqual([
      { searchId: search.searchId, reason, stage: "combiner", failedAt: NOW.toISOString(), maskName: search.maskKey.slice("lib/".length), library: "lib" },
    ]);
    expect(parts.bus.delivered()).toHaveLength(1); // the catalog takes it
  });

  it.each([
    ["intake", "accepted"],
    ["dispatch", "dispatched"],
    ["worker", "scored"],
    ["sweeper", "finished"],
  ] as const)("says what the %s stage could not do", async (stage: FailingStage, what) => {
    const search = await aSearch();

    await stageFailed(search.searchId, stage, new Error("boom"), deps());

    expect(parts.bus.detailsOf("Search Failed")).toEqual([expect.objectContaining({ stage, reason: `the search could not be ${what}: boom` })]);
  });

  it("fails a search that still waits for a slot", async () => {
    const search = await aSearch("accepted");

    await stageFailed(search.searchId, "dispatch", new Error("the library changed"), deps());

    expect(await parts.state.getSearch(search.searchId)).toMatchObject({ status: "failed", failure: { stage: "dispatch" } });
    expect(parts.bus.detailTypes()).toEqual(["Search Failed"]);
  });

  it("gives the reason of something thrown that is not an Error", async () => {
    const search = await aSearch();

    await stageFailed(search.searchId, "worker", "ECONNRESET", deps());

    expect(parts.bus.detailsOf("Search Failed")[0].reason).toBe("the search could not be scored: ECONNRESET");
  });

  it("announces a search's failure once, keeping the first reason, however often it is called", async () => {
    const search = await aSearch();

    await stageFailed(search.searchId, "worker", new Error("first"), deps());
    await stageFailed(search.searchId, "sweeper", new Error("second"), deps());

    expect(parts.bus.detailsOf("Search Failed").map((detail) => detail.reason)).toEqual(["the search could not be scored: first"]);
    expect((await parts.state.getSearch(search.searchId))?.failure).toEqual({ stage: "worker", reason: "the search could not be scored: first" });
  });

  it("leaves a completed search completed, and announces nothing", async () => {
    const search = await aSearch();
    await parts.state.markSearchCompleted(search.searchId, { resultsKey: `${search.searchId}.json`, matchCount: 3 });

    await stageFailed(search.searchId, "combiner", new Error("late"), deps());

    expect(await parts.state.getSearch(search.searchId)).toMatchObject({ status: "completed", matchCount: 3 });
    expect(parts.bus.published).toEqual([]);
  });

  it("announces nothing for a search that does not exist", async () => {
    await expect(stageFailed("no-such-search", "intake", new Error("x"), deps())).resolves.toBeUndefined();
    expect(parts.bus.published).toEqual([]);
  });
});
