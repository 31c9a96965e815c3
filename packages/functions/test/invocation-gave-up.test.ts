import { describe, expect, it } from "vitest";
import type { SearchItem } from "@cds/core/entities";
import { objectCreated, readFixture, searchBatchesCompleted, searchCompleted } from "@cds/events";
import { functionNames, invocationGaveUp, searchAcceptedEntry } from "@cds/functions";
import { localEvent } from "@cds/local";
import { handlerPartsOnDynalite } from "@cds/testing/handler-parts-on-dynalite";
import { startedSearch } from "./started-search.ts";

// What happens when an invocation's retries are spent, as Lambda's on-failure destination (or the
// local runtime) reports it: the payloads are real ones — a started search's root dispatcher and
// the worker payloads it produced, the catalog's events — on core's state store on dynalite.

const parts = handlerPartsOnDynalite({ library: true });

const deps = () => ({ state: parts.state, bus: parts.bus });

/** Lambda's destination record names the function only by ARN, the local runtime by name: both must work. */
const namedOrByPayload = (functionName: string) => [{ how: "named", functionName }, { how: "known by its payload", functionName: undefined }];

const statusOf = async (search: SearchItem) => (await parts.state.getSearch(search.searchId))?.status;

describe("a worker that gave up", () => {
  it.each(namedOrByPayload(functionNames.worker))("($how) becomes Batch Failed for its batch, and the search runs on", async ({ functionName }) => {
    const { search, workers } = await startedSearch(parts);

    const handled = await invocationGaveUp({ functionName, payload: workers[2], error: "Task timed out after 900.00 seconds", attempts: 3 }, deps());

    expect(handled).toBe(true);
    expect(parts.bus.detailTypes()).toEqual(["Batch Failed"]);
    expect(parts.bus.detailsOf("Batch Failed")).toEqual([{ searchId: search.searchId, batchId: 2, attempt: 3, error: "Task timed out after 900.00 seconds" }]);
    expect(parts.bus.delivered()).toHaveLength(1); // the catalog takes it
    expect(await statusOf(search)).toBe("running");
  });

  it("without an error message, says so", async () => {
    const { workers } = await startedSearch(parts);

    await invocationGaveUp({ payload: workers[0], error: "", attempts: 1 }, deps());

    expect(parts.bus.detailsOf("Batch Failed")[0].error).toBe("unknown error");
  });

  // A payload that is no worker's (hand-made, or of another version: the worker refused it on
  // every retry) names no batch: nothing to publish, and the caller logs it.
  it("named, with a payload that is no worker's, says it handled nothing", async () => {
    const failure = { functionName: functionNames.worker, payload: { batchId: 2 }, error: "not a worker payload: batch: Required", attempts: 3 };

    expect(await invocationGaveUp(failure, deps())).toBe(false);
    expect(parts.bus.published).toEqual([]);
  });

  // Known by its payload's shape (as on AWS): a `job` that names no search would make a
  // `Batch Failed` the event catalog refuses.
  it("known by its payload, with a job that names no search, says it handled nothing", async () => {
    const failure = { payload: { batch: { batchId: 2, start: 20, end: 30 }, job: {} }, error: "not a worker payload: job.searchId: Required", attempts: 3 };

    expect(await invocationGaveUp(failure, deps())).toBe(false);
    expect(parts.bus.published).toEqual([]);
  });
});

describe("a dispatcher that gave up", () => {
  it.each(namedOrByPayload(functionNames.dispatchNode))("($how) fails its search with the dispatch stage's reason, announced once", async ({ functionName }) => {
    const { search, root: rootPayload } = await startedSearch(parts);

    const handled = await invocationGaveUp({ functionName, payload: rootPayload, error: "Task timed out", attempts: 3 }, deps());
    await invocationGaveUp({ functionName, payload: rootPayload, error: "Task timed out", attempts: 3 }, deps());

    expect(handled).toBe(true);
    expect(await parts.state.getSearch(search.searchId)).toMatchObject({ status: "failed", failure: { stage: "dispatch", reason: "the search could not be dispatched: Task timed out" } });
    expect(parts.bus.detailTypes()).toEqual(["Search Failed"]);
    expect(parts.bus.detailsOf("Search Failed")[0]).toMatchObject({ searchId: search.searchId, stage: "dispatch", library: "tiny" });
  });
});

describe("a routed handler that gave up on its event", () => {
  it("on Search Accepted fails the search in the dispatch stage", async () => {
    const search = await parts.acceptMask();
    const event = localEvent(searchAcceptedEntry(search));

    expect(await invocationGaveUp({ payload: event, error: "library unreadable", attempts: 3 }, deps())).toBe(true);

    expect(await parts.state.getSearch(search.searchId)).toMatchObject({ status: "failed", failure: { stage: "dispatch", reason: "the search could not be dispatched: library unreadable" } });
    expect(parts.bus.detailTypes()).toEqual(["Search Failed"]);
  });

  it("on Search Batches Completed fails the search in the combiner stage", async () => {
    const { search } = await startedSearch(parts);
    const event = readFixture(searchBatchesCompleted);
    event.detail.searchId = search.searchId;

    expect(await invocationGaveUp({ payload: event, error: "results bucket unreachable", attempts: 3 }, deps())).toBe(true);

    expect(parts.bus.detailsOf("Search Failed")).toEqual([expect.objectContaining({ stage: "combiner", reason: "the search could not be combined into results: results bucket unreachable" })]);
  });

  it("on a search's end event fails nothing, and says it handled nothing", async () => {
    const { search } = await startedSearch(parts);
    const event = readFixture(searchCompleted);
    event.detail.searchId = search.searchId;

    expect(await invocationGaveUp({ payload: event, error: "SMTP down", attempts: 3 }, deps())).toBe(false);

    expect(await statusOf(search)).toBe("running");
    expect(parts.bus.published).toEqual([]);
  });

  it("on an upload that never became a search, or a payload it does not know, says it handled nothing", async () => {
    expect(await invocationGaveUp({ payload: readFixture(objectCreated), error: "decode failed", attempts: 3 }, deps())).toBe(false);
    expect(await invocationGaveUp({ payload: {}, error: "?", attempts: 1 }, deps())).toBe(false);
    expect(await invocationGaveUp({ functionName: functionNames.dispatchNode, payload: { node: { level: 0 } }, error: "?", attempts: 1 }, deps())).toBe(false);
    expect(parts.bus.published).toEqual([]);
  });
});
