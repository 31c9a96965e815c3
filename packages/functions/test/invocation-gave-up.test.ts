import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSearch, type DispatcherPayload, type SearchItem, type SearchJob, type WorkerPayload } from "@cds/core";
import { objectCreated, readFixture, searchAccepted, searchBatchesCompleted, searchCompleted } from "@cds/events";
import { dispatchNode, functionNames, invocationGaveUp } from "@cds/functions";
import type { LocalState } from "@cds/local";
import { acceptSprinkledMask, librariesUnder } from "@cds/testing/accepted-masks";
import { startDynaliteState } from "@cds/testing/dynalite-state";
import { RecordingBus, RecordingInvoker } from "@cds/testing/recording-ports";
import { indexSprinkledLibrary } from "@cds/testing/sprinkled-library";
import { tempDir } from "@cds/testing/temp-dir";

// What happens when an invocation's retries are spent, as Lambda's on-failure destination (or the
// local runtime) reports it: the payloads are real ones — a started search's root dispatcher and
// the worker payloads it produced, the catalog's events — on core's state store on dynalite.

let root: string;
let db: LocalState;
let bus: RecordingBus;
let masks = 0;

beforeAll(async () => {
  root = await tempDir("cds-gave-up-");
  await indexSprinkledLibrary({ root, name: "tiny", count: 40, shardSize: 10 });
});

beforeEach(async () => {
  db = await startDynaliteState();
  bus = new RecordingBus();
});

afterEach(async () => {
  await db?.stop();
});

const deps = () => ({ state: db.state, bus });
const acceptedSearch = () => acceptSprinkledMask({ root, state: db.state, library: "tiny", file: `m${masks++}.tif` });

/** A running search, its root dispatcher's payload, and the worker payloads its root started. */
async function runningSearch(): Promise<{ search: SearchItem; rootPayload: DispatcherPayload<SearchJob>; workers: WorkerPayload<SearchJob>[] }> {
  const accepted = await acceptedSearch();
  const libraries = librariesUnder(root);
  const { search, root: rootPayload } = (await startSearch(accepted.searchId, { state: db.state, libraries }))!;
  const invoker = new RecordingInvoker();
  await dispatchNode(rootPayload, { invoker, libraries, state: db.state });
  return { search, rootPayload, workers: invoker.payloadsOf(functionNames.worker) as WorkerPayload<SearchJob>[] };
}

const statusOf = async (search: SearchItem) => (await db.state.getSearch(search.searchId))?.status;

describe("a worker that gave up", () => {
  it.each([
    ["named", functionNames.worker],
    ["known by its payload", undefined],
  ])("(%s) becomes Batch Failed for its batch, and the search runs on", async (_how, functionName) => {
    const { search, workers } = await runningSearch();

    const handled = await invocationGaveUp({ functionName, payload: workers[2], error: "Task timed out after 900.00 seconds", attempts: 3 }, deps());

    expect(handled).toBe(true);
    expect(bus.detailTypes()).toEqual(["Batch Failed"]);
    expect(bus.detailsOf("Batch Failed")).toEqual([{ searchId: search.searchId, batchId: 2, attempt: 3, error: "Task timed out after 900.00 seconds" }]);
    expect(bus.delivered()).toHaveLength(1); // the catalog takes it
    expect(await statusOf(search)).toBe("running");
  });

  it("without an error message, says so", async () => {
    const { workers } = await runningSearch();

    await invocationGaveUp({ payload: workers[0], error: "", attempts: 1 }, deps());

    expect(bus.detailsOf("Batch Failed")[0].error).toBe("unknown error");
  });

  // Known bug (reported, src/ left as is): named as the worker, a payload that is no worker's (a
  // hand-made invocation, one of another version: the worker refused it, every retry) makes
  // invocationGaveUp throw a TypeError reading `job.searchId`, where its contract is to resolve
  // false for the caller to log. Drop `.fails` once gave-up.ts checks the payload's shape.
  it.fails("named, with a payload that is no worker's, says it handled nothing", async () => {
    const failure = { functionName: functionNames.worker, payload: { batchId: 2 }, error: "not a worker payload: batch: Required", attempts: 3 };

    expect(await invocationGaveUp(failure, deps())).toBe(false);
    expect(bus.published).toEqual([]);
  });
});

describe("a dispatcher that gave up", () => {
  it.each([
    ["named", functionNames.dispatchNode],
    ["known by its payload", undefined],
  ])("(%s) fails its search with the dispatch stage's reason, announced once", async (_how, functionName) => {
    const { search, rootPayload } = await runningSearch();

    const handled = await invocationGaveUp({ functionName, payload: rootPayload, error: "Task timed out", attempts: 3 }, deps());
    await invocationGaveUp({ functionName, payload: rootPayload, error: "Task timed out", attempts: 3 }, deps());

    expect(handled).toBe(true);
    expect(await db.state.getSearch(search.searchId)).toMatchObject({ status: "failed", failure: { stage: "dispatch", reason: "the search could not be dispatched: Task timed out" } });
    expect(bus.detailTypes()).toEqual(["Search Failed"]);
    expect(bus.detailsOf("Search Failed")[0]).toMatchObject({ searchId: search.searchId, stage: "dispatch", library: "tiny" });
  });
});

describe("a routed handler that gave up on its event", () => {
  it("on Search Accepted fails the search in the dispatch stage", async () => {
    const search = await acceptedSearch();
    const event = readFixture(searchAccepted);
    event.detail = { searchId: search.searchId, library: search.library, maskKey: search.maskKey, targetCount: search.targetCount };

    expect(await invocationGaveUp({ payload: event, error: "library unreadable", attempts: 3 }, deps())).toBe(true);

    expect(await db.state.getSearch(search.searchId)).toMatchObject({ status: "failed", failure: { stage: "dispatch", reason: "the search could not be dispatched: library unreadable" } });
    expect(bus.detailTypes()).toEqual(["Search Failed"]);
  });

  it("on Search Batches Completed fails the search in the combiner stage", async () => {
    const { search } = await runningSearch();
    const event = readFixture(searchBatchesCompleted);
    event.detail.searchId = search.searchId;

    expect(await invocationGaveUp({ payload: event, error: "results bucket unreachable", attempts: 3 }, deps())).toBe(true);

    expect(bus.detailsOf("Search Failed")).toEqual([expect.objectContaining({ stage: "combiner", reason: "the search could not be combined into results: results bucket unreachable" })]);
  });

  it("on a search's end event fails nothing, and says it handled nothing", async () => {
    const { search } = await runningSearch();
    const event = readFixture(searchCompleted);
    event.detail.searchId = search.searchId;

    expect(await invocationGaveUp({ payload: event, error: "SMTP down", attempts: 3 }, deps())).toBe(false);

    expect(await statusOf(search)).toBe("running");
    expect(bus.published).toEqual([]);
  });

  it("on an upload that never became a search, or a payload it does not know, says it handled nothing", async () => {
    expect(await invocationGaveUp({ payload: readFixture(objectCreated), error: "decode failed", attempts: 3 }, deps())).toBe(false);
    expect(await invocationGaveUp({ payload: {}, error: "?", attempts: 1 }, deps())).toBe(false);
    expect(await invocationGaveUp({ functionName: functionNames.dispatchNode, payload: { node: { level: 0 } }, error: "?", attempts: 1 }, deps())).toBe(false);
    expect(bus.published).toEqual([]);
  });
});
