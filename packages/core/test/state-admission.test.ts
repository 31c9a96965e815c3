import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { admitNextSearch, checkRunningSlots } from "@cds/core/admission";
import { defaultSearchParams } from "@cds/core/search";
import type { SearchItem } from "@cds/core/entities";
import type { NewSearch, StateStore } from "@cds/core/state";
import type { LocalState } from "@cds/local";
import { startDynaliteState } from "@cds/testing/dynalite-state";

// Admission on dynalite: the running slots as one conditional-write item, the queue as the
// accepted searches oldest first. Each test has a fresh in-memory store (the gate is one item).

let local: LocalState;
let state: StateStore;
let clock = Date.parse("2030-01-01T00:00:00.000Z");

/** Creates `count` accepted searches, one millisecond apart, oldest first. */
async function acceptSearches(count: number): Promise<SearchItem[]> {
  const created: SearchItem[] = [];
  for (let i = 0; i < count; i++) {
    const submittedAt = new Date(clock++).toISOString();
    const input: NewSearch = { uploadKey: `uploads/lib/m${clock}.png`, library: "lib", maskKey: `lib/m${clock}.png`, spec: { params: defaultSearchParams, top: 400 }, batchCount: 1, batchSize: 10, targetCount: 10, submittedAt };
    created.push((await state.createSearchFromUpload(input)).search);
  }
  return created;
}

beforeEach(async () => {
  local = await startDynaliteState();
  state = local.state;
});

afterEach(async () => {
  await local?.stop();
});

describe("admission", () => {
  it("gives at most K slots however many admitters race, to the searches waiting longest", async () => {
    const searches = await acceptSearches(12);

    // Act: 20 admitters at once, each taking what it can
    const admitted = (await Promise.all(Array.from({ length: 20 }, () => admitNextSearch({ state, maxRunning: 3 })))).filter(Boolean);

    // Assess
    expect(admitted).toHaveLength(3);
    expect((await state.listSlotHolders()).sort()).toEqual(searches.slice(0, 3).map((s) => s.searchId).sort());
    expect(await admitNextSearch({ state, maxRunning: 3 })).toBeUndefined();
  });

  it("never gives one search a second slot", async () => {
    const [search] = await acceptSearches(1);
    expect(await state.acquireRunningSlot(search.searchId, 4)).toBe("acquired");
    expect(await state.acquireRunningSlot(search.searchId, 4)).toBe("held");
    expect(await state.listSlotHolders()).toEqual([search.searchId]);
  });

  it("runs never more than K while racing passes start searches that finish at random, and starts every one", async () => {
    const K = 3;
    const searches = await acceptSearches(20);
    let running = 0;
    let maxRunning = 0;
    const started: string[] = [];
    const inFlight = new Set<Promise<void>>();

    // As the pipeline does it: an admission pass starts what it can; a started search runs a
    // random while, finishes, frees its slot, and that triggers another pass (the dispatch
    // handler on Search Completed).
    const pass = async (): Promise<void> => {
      for (let search; (search = await admitNextSearch({ state, maxRunning: K })); ) track(run(search.searchId));
    };
    const run = async (searchId: string): Promise<void> => {
      await state.markSearchRunning(searchId);
      started.push(searchId);
      maxRunning = Math.max(maxRunning, ++running);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 15));
      running--;
      await state.markSearchCompleted(searchId, { resultsKey: `${searchId}.json`, matchCount: 0 });
      await state.releaseRunningSlot(searchId);
      await pass();
    };
    const track = (work: Promise<void>) => {
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    };
    // Five Search Accepted events arrive at once.
    for (let i = 0; i < 5; i++) track(pass());
    while (inFlight.size > 0) await Promise.all([...inFlight]);

    expect(maxRunning).toBeLessThanOrEqual(K);
    expect([...started].sort()).toEqual(searches.map((s) => s.searchId).sort());
    expect(await state.listSlotHolders()).toEqual([]);
    expect((await state.listSearchesByStatus("completed", { limit: 100 })).items).toHaveLength(20);
  });

  it("admits in arrival order when one admitter works alone", async () => {
    const searches = await acceptSearches(5);
    const order: string[] = [];
    for (let search; (search = await admitNextSearch({ state, maxRunning: 1 })); ) {
      order.push(search.searchId);
      await state.markSearchRunning(search.searchId);
      await state.markSearchFailed(search.searchId, { reason: "test", stage: "worker" });
      await state.releaseRunningSlot(search.searchId);
    }
    expect(order).toEqual(searches.map((s) => s.searchId));
  });

  it("frees the slots of searches that ended or vanished, and reports holders never started", async () => {
    const [ended, waiting, running] = await acceptSearches(3);
    for (const search of [ended, waiting, running]) expect(await state.acquireRunningSlot(search.searchId, 10)).toBe("acquired");
    expect(await state.acquireRunningSlot("no-such-search", 10)).toBe("acquired");
    await state.markSearchRunning(ended.searchId);
    await state.markSearchFailed(ended.searchId, { reason: "lost its Search Failed event", stage: "worker" });
    await state.markSearchRunning(running.searchId);

    const check = await checkRunningSlots({ state });

    expect(check.released.sort()).toEqual([ended.searchId, "no-such-search"].sort());
    expect(check.notStarted).toEqual([waiting.searchId]);
    expect((await state.listSlotHolders()).sort()).toEqual([waiting.searchId, running.searchId].sort());
  });
});
