import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SearchItem } from "@cds/core/entities";
import type { SearchJob } from "@cds/core/pipeline";
import type { DispatcherPayload } from "@cds/core/planning";
import { EventValidationError, readFixture, searchCompleted, searchFailed, searchStarted } from "@cds/events";
import { admission, functionNames, searchAcceptedEntry, type AdmissionHandlerDeps } from "@cds/functions";
import { FolderBlobStore, localEvent } from "@cds/local";
import { handlerPartsOnDynalite } from "@cds/testing/handler-parts-on-dynalite";
import { tempDir } from "@cds/testing/temp-dir";

// The admission handler on real parts: core's state store on dynalite, a 40-target library in a
// folder (4 shards, so 4 batches), and a bus and an invoker that record what they were given.

const parts = handlerPartsOnDynalite({ library: true });

function deps(overrides: Partial<AdmissionHandlerDeps> = {}): AdmissionHandlerDeps {
  return { state: parts.state, libraries: parts.libraries, bus: parts.bus, invoker: parts.invoker, ...overrides };
}

/** Accepted searches on the library, oldest first. */
async function acceptSearches(count: number): Promise<SearchItem[]> {
  const searches: SearchItem[] = [];
  for (let i = 0; i < count; i++) searches.push(await parts.acceptMask());
  return searches;
}

/** The `Search Accepted` event intake publishes for a search. */
function acceptedEvent(search: SearchItem) {
  return localEvent(searchAcceptedEntry(search));
}

/** The search's end event, after the state says it ended as the event says. */
async function endEvent(search: SearchItem, how: "Search Completed" | "Search Failed") {
  if (how === "Search Completed") {
    await parts.state.markSearchCompleted(search.searchId, { resultsKey: `${search.searchId}.json`, matchCount: 0 });
    const event = readFixture(searchCompleted);
    event.detail.searchId = search.searchId;
    return event;
  }
  await parts.state.markSearchFailed(search.searchId, { reason: "no worker came back", stage: "worker" });
  const event = readFixture(searchFailed);
  event.detail.searchId = search.searchId;
  return event;
}

const statusOf = async (search: SearchItem) => (await parts.state.getSearch(search.searchId))?.status;

describe("the admission handler, on Search Accepted", () => {
  it("starts the waiting search: marks it running, announces Search Started and invokes its dispatch tree's root", async () => {
    const [search] = await acceptSearches(1);

    await admission(acceptedEvent(search), deps());

    expect(await statusOf(search)).toBe("running");
    expect(await parts.state.listSlotGrants()).toEqual({ [search.searchId]: 4 });
    expect(parts.bus.detailTypes()).toEqual(["Search Started"]);
    expect(parts.bus.detailsOf("Search Started")).toEqual([{ searchId: search.searchId, batchCount: 4, batchSize: 10 }]);
    expect(parts.bus.delivered()).toHaveLength(1); // the catalog takes it
    expect(parts.invoker.invocations.map((call) => call.functionName)).toEqual([functionNames.dispatchNode]);
    const root = parts.invoker.invocations[0].payload as DispatcherPayload<SearchJob>;
    expect(root.node).toEqual({ level: 0, firstBatch: 0, batchCount: 4 });
    expect(root.tree).toEqual({ batchCount: 4, levels: 1, branchingFactor: 4 });
    expect(root.sources.map((source) => [source.library, source.count, source.rule.batchCount])).toEqual([["tiny", 40, 4]]);
    expect(root.job).toMatchObject({ searchId: search.searchId, maskKey: search.maskKey, library: { name: "tiny", width: 64, height: 32, count: 40 } });
    expect(root.lanes).toBeUndefined();
  });

  it("starts no more than maxRunning searches, the oldest first; the others wait without a slot", async () => {
    const searches = await acceptSearches(3);

    await admission(acceptedEvent(searches[2]), deps({ maxRunning: 2 }));

    expect(await Promise.all(searches.map(statusOf))).toEqual(["running", "running", "accepted"]);
    expect((await parts.state.listSlotHolders()).sort()).toEqual([searches[0].searchId, searches[1].searchId].sort());
    expect(parts.bus.detailsOf("Search Started").map((detail) => detail.searchId)).toEqual([searches[0].searchId, searches[1].searchId]);
    expect(parts.invoker.payloadsOf(functionNames.dispatchNode)).toHaveLength(2);
  });

  it("grants each search its workers within the budget; one that would get less than its first leaf waits", async () => {
    const [first, second] = await acceptSearches(2);

    // A budget of 6: the first search takes 4, and 2 free workers are fewer than the second's 4.
    await admission(acceptedEvent(second), deps({ workerBudget: 6 }));

    expect(await parts.state.listSlotGrants()).toEqual({ [first.searchId]: 4 });
    expect(await Promise.all([first, second].map(statusOf))).toEqual(["running", "accepted"]);
    expect(parts.invoker.payloadsOf(functionNames.dispatchNode)).toHaveLength(1);
  });

  it("plans the search's dispatch tree with the options it is given", async () => {
    const [search] = await acceptSearches(1);

    await admission(acceptedEvent(search), deps({ dispatchTree: { levels: 2 } }));

    const root = parts.invoker.payloadsOf(functionNames.dispatchNode)[0] as DispatcherPayload<SearchJob>;
    expect(root.tree).toEqual({ batchCount: 4, levels: 2, branchingFactor: 2 });
    expect(root.node).toEqual({ level: 0, firstBatch: 0, batchCount: 4 });
  });

  it("starts a redelivered event's search once", async () => {
    const [search] = await acceptSearches(1);

    await admission(acceptedEvent(search), deps());
    await admission(acceptedEvent(search), deps());

    expect(parts.bus.detailTypes()).toEqual(["Search Started"]);
    expect(parts.invoker.invocations).toHaveLength(1);
    expect(await parts.state.listSlotHolders()).toEqual([search.searchId]);
  });
});

describe("the admission handler, on a search's end", () => {
  it.each(["Search Completed", "Search Failed"] as const)("on %s gives the search's slot back and starts the next waiting search", async (how) => {
    const [first, second] = await acceptSearches(2);
    await admission(acceptedEvent(second), deps({ maxRunning: 1 }));
    expect(await parts.state.listSlotHolders()).toEqual([first.searchId]);

    await admission(await endEvent(first, how), deps({ maxRunning: 1 }));

    expect(await parts.state.listSlotHolders()).toEqual([second.searchId]);
    expect(await statusOf(second)).toBe("running");
    expect(parts.bus.detailsOf("Search Started").map((detail) => detail.searchId)).toEqual([first.searchId, second.searchId]);
  });

  it("gives the slot back before the runtime's own admission pass runs", async () => {
    const [search] = await acceptSearches(1);
    await admission(acceptedEvent(search), deps());
    const holdersSeenByPass: string[][] = [];

    await admission(await endEvent(search, "Search Completed"), deps({ admitWaiting: async () => holdersSeenByPass.push(await parts.state.listSlotHolders()) }));

    expect(holdersSeenByPass).toEqual([[]]);
  });

  it("ignores the other events: nothing starts, no slot changes", async () => {
    const [running, waiting] = await acceptSearches(2);
    await admission(acceptedEvent(running), deps({ maxRunning: 1 }));
    const started = readFixture(searchStarted);
    started.detail.searchId = running.searchId;

    await admission(started, deps({ maxRunning: 2 }));

    expect(await parts.state.listSlotHolders()).toEqual([running.searchId]);
    expect(await statusOf(waiting)).toBe("accepted");
    expect(parts.bus.detailTypes()).toEqual(["Search Started"]);
  });
});

describe("the admission handler, when a search cannot start", () => {
  it("fails a search whose library is gone with the dispatch stage's reason, and frees its slot", async () => {
    const [search] = await acceptSearches(1);
    const empty = await tempDir("cds-no-libraries-");

    await admission(acceptedEvent(search), deps({ libraries: (name) => new FolderBlobStore(join(empty, name)) }));

    expect(await parts.state.getSearch(search.searchId)).toMatchObject({ status: "failed", failure: { stage: "dispatch" } });
    expect(parts.bus.detailTypes()).toEqual(["Search Failed"]);
    const [failed] = parts.bus.detailsOf("Search Failed");
    expect(failed).toMatchObject({ searchId: search.searchId, stage: "dispatch", library: "tiny", maskName: search.maskKey.split("/")[1] });
    expect(failed.reason).toMatch(/^the search could not be dispatched: /);
    expect(parts.invoker.invocations).toEqual([]);
    expect(await parts.state.listSlotHolders()).toEqual([]);
  });

  it("fails a search whose root node the invoker refused, after announcing it started", async () => {
    const [search] = await acceptSearches(1);
    parts.invoker.refuse(functionNames.dispatchNode, new Error("Rate exceeded"));

    await admission(acceptedEvent(search), deps());

    expect(parts.bus.detailTypes()).toEqual(["Search Started", "Search Failed"]);
    expect(parts.bus.detailsOf("Search Failed")[0]).toMatchObject({ stage: "dispatch", reason: "the search could not be dispatched: Rate exceeded" });
    expect(await statusOf(search)).toBe("failed");
    expect(await parts.state.listSlotHolders()).toEqual([]);
  });

  it("rejects a malformed event with the field at fault, and touches nothing", async () => {
    const [search] = await acceptSearches(1);
    const event = acceptedEvent(search) as { detail: Record<string, unknown> };
    delete event.detail.searchId;

    await expect(admission(event, deps())).rejects.toThrow(EventValidationError);
    await expect(admission(event, deps())).rejects.toThrow(/detail\.searchId/);
    await expect(admission({ ...acceptedEvent(search), "detail-type": "Search Admitted" }, deps())).rejects.toThrow(/not in the event catalog/);
    expect(await statusOf(search)).toBe("accepted");
    expect(await parts.state.listSlotHolders()).toEqual([]);
    expect(parts.bus.published).toEqual([]);
  });
});
