import { describe, expect, it } from "vitest";
import { defaultSearchParams } from "@cds/core/search";
import type { StateStore } from "@cds/core/state";
import { runningSearches } from "@cds/functions";
import { dynaliteStateForFile } from "@cds/testing/dynalite-state";

// Issue 11: in-flight searches are found from the slot holders and the main records, not only
// from the status index — a GSI is eventually consistent, so a search just marked running may be
// missing from it (the lag is played here by a state whose index answers empty).

let state: StateStore;

dynaliteStateForFile((local) => (state = local.state), { onDisk: true });

describe("the sweep's running searches", () => {
  it("include a running slot holder that the status index does not list yet, once", async () => {
    const { search } = await state.createSearchFromUpload({
      uploadKey: "uploads/lm/m.png",
      library: "lm",
      maskKey: "lm/m.png",
      spec: { params: defaultSearchParams, top: 10 },
      batchCount: 1,
      batchSize: 1,
      targetCount: 1,
    });
    expect(await state.acquireRunningSlot(search.searchId, 4)).toBe("acquired");
    await state.markSearchRunning(search.searchId);

    expect((await runningSearches({ state })).map((s) => s.searchId)).toEqual([search.searchId]);
    const lagging: StateStore = { ...state, listSearchesByStatus: async () => ({ items: [], cursor: null }) };
    expect((await runningSearches({ state: lagging })).map((s) => s.searchId)).toEqual([search.searchId]);
  });
});
