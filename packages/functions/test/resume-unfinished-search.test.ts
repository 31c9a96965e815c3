import { describe, expect, it } from "vitest";
import type { SearchItem } from "@cds/core/entities";
import type { SearchJob } from "@cds/core/pipeline";
import type { DispatcherPayload } from "@cds/core/planning";
import { functionNames, resume } from "@cds/functions";
import { handlerPartsOnDynalite } from "@cds/testing/handler-parts-on-dynalite";
import { scoredSearch } from "./started-search.ts";

// What a restarting runtime does with each search it finds unfinished, on real parts: searches
// part-scored by the pipeline's own handlers on a 40-target library (4 batches), core's state
// store on dynalite, and a bus and an invoker that record what they were given.

const parts = handlerPartsOnDynalite({ library: true });

const deps = () => ({ state: parts.state, libraries: parts.libraries, bus: parts.bus, invoker: parts.invoker });
const current = async (search: SearchItem) => (await parts.state.getSearch(search.searchId))!;
const redispatched = () => (parts.invoker.payloadsOf(functionNames.dispatchNode) as DispatcherPayload<SearchJob>[]).map((payload) => [payload.node, payload.only]);

describe("resuming an unfinished search", () => {
  it("dispatches the leaf of a running search again for its missing batches only", async () => {
    const { search } = await scoredSearch(parts, { skip: [1, 3] });

    await resume(await current(search), deps());

    expect(redispatched()).toEqual([[{ level: 0, firstBatch: 0, batchCount: 4 }, [1, 3]]]);
    expect((parts.invoker.payloadsOf(functionNames.dispatchNode)[0] as DispatcherPayload<SearchJob>).lanes).toBeUndefined();
    expect(parts.bus.published).toEqual([]);
  });

  it("dispatches each leaf that misses batches, one payload per leaf", async () => {
    const { search } = await scoredSearch(parts, { skip: [1, 2], dispatchTree: { levels: 2 } });

    await resume(await current(search), { ...deps(), dispatchTree: { levels: 2 } });

    expect(redispatched()).toEqual([
      [{ level: 1, firstBatch: 0, batchCount: 2 }, [1]],
      [{ level: 1, firstBatch: 2, batchCount: 2 }, [2]],
    ]);
  });

  it("hands a running search whose batches are all in to the combiner, with Search Batches Completed", async () => {
    const { search } = await scoredSearch(parts);

    await resume(await current(search), deps());

    expect(parts.bus.detailsOf("Search Batches Completed")).toEqual([{ searchId: search.searchId, batchCount: 4 }]);
    expect(parts.bus.delivered()).toHaveLength(1); // the catalog takes it
    expect(parts.invoker.invocations).toEqual([]);
  });

  it("leaves a search that waits for a slot to admission, and a finished one alone", async () => {
    const { search: finished } = await scoredSearch(parts);
    const waiting = await parts.acceptMask();
    await parts.state.markSearchFailed(finished.searchId, { reason: "stopped", stage: "sweeper" });

    await resume(await current(waiting), deps());
    await resume(await current(finished), deps());

    expect(parts.invoker.invocations).toEqual([]);
    expect(parts.bus.published).toEqual([]);
    expect((await current(waiting)).status).toBe("accepted");
  });
});
