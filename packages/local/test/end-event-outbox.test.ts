import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultSearchParams } from "@cds/core/search";
import type { StateStore } from "@cds/core/state";
import { completeSubmissionIfDone } from "@cds/core/submission";
import type { CatalogEvent } from "@cds/events";
import { endEventId, endEventOutbox, FolderBlobStore, LocalEventBus, startLocalState, type LocalState } from "@cds/local";
import { tempDir } from "@cds/testing/temp-dir";

// The outbox of end events against the real state store (dynalite) and a real log file; two
// buses on one log stand for cds dev before and after a restart.

let local: LocalState;
let state: StateStore;
let folder: string;
let uploads = 0;

beforeAll(async () => {
  folder = await tempDir("cds-outbox-unit-");
  local = await startLocalState({ folder: join(folder, "db") });
  state = local.state;
});

afterAll(async () => {
  await local?.stop();
});

/** A search that failed at intake: its end event (Search Failed) is now pending. */
async function failedSearch(): Promise<string> {
  uploads++;
  const { search } = await state.createSearchFromUpload({
    uploadKey: `uploads/lm/m${uploads}.png`,
    library: "lm",
    maskKey: `lm/m${uploads}.png`,
    spec: { params: defaultSearchParams, top: 10 },
    batchCount: 1,
    batchSize: 1,
    targetCount: 0,
  });
  await state.markSearchFailed(search.searchId, { reason: "not an image", stage: "intake" });
  return search.searchId;
}

/** cds dev's bus and outbox on `logFile`, with a notify handler that records what it gets. */
function devProcess(logFile: string, options: { stopping?: boolean } = {}) {
  const bus = new LocalEventBus({ logFile, uploadBucketName: "uploads", onDeliveryError: () => undefined });
  const notified: CatalogEvent[] = [];
  bus.subscribe("notify", (event) => void notified.push(event));
  const outbox = endEventOutbox({ bus, state, results: new FolderBlobStore(join(folder, "results")), logFile, stopping: () => options.stopping ?? false, onError: (error) => { throw error; } });
  return { bus, outbox, notified };
}

async function logged(bus: LocalEventBus, searchId: string): Promise<CatalogEvent[]> {
  return (await bus.readLog()).filter((e) => (e.detail as { searchId?: string }).searchId === searchId);
}

describe("the end-event outbox", () => {
  it("marks a search's end event pending when it ends, and clears the mark once its handlers returned", async () => {
    const searchId = await failedSearch();
    expect(await state.getSearch(searchId)).toMatchObject({ status: "failed", endEventPending: true });
    const { bus, outbox, notified } = devProcess(join(folder, "a.log"));

    await outbox.publish([{ source: "cds.search", detailType: "Search Failed", detail: { searchId, reason: "not an image", stage: "intake", failedAt: new Date().toISOString() } }]);
    await bus.idle();

    expect(notified.map((e) => e.id)).toEqual([endEventId(searchId)]);
    expect((await state.getSearch(searchId))?.endEventPending).toBeUndefined();
    expect((await state.listSearchesAwaitingEndEvent()).map((s) => s.searchId)).not.toContain(searchId);
  });

  it("publishes at recovery an end event that was never published, once, with its fixed id", async () => {
    const searchId = await failedSearch();
    const { bus, outbox, notified } = devProcess(join(folder, "b.log"));

    expect(await outbox.recover()).toBeGreaterThanOrEqual(1);
    await bus.idle();
    expect(await outbox.recover()).toBe(0);

    expect((await logged(bus, searchId)).map((e) => [e["detail-type"], e.id])).toEqual([["Search Failed", endEventId(searchId)]]);
    expect(notified.filter((e) => (e.detail as { searchId: string }).searchId === searchId)).toHaveLength(1);
    expect((await state.getSearch(searchId))?.endEventPending).toBeUndefined();
  });

  it("hands an end event logged before a stop to the handlers again after the restart, without logging it twice", async () => {
    const searchId = await failedSearch();
    const logFile = join(folder, "c.log");
    const before = devProcess(logFile, { stopping: true }); // the handlers returned without acting
    await before.outbox.publish([{ source: "cds.search", detailType: "Search Failed", detail: { searchId, reason: "not an image", stage: "intake", failedAt: new Date().toISOString() } }]);
    await before.bus.idle();
    expect((await state.getSearch(searchId))?.endEventPending).toBe(true);

    const after = devProcess(logFile);
    await after.outbox.recover();
    await after.bus.idle();

    expect((await logged(after.bus, searchId)).map((e) => e.id)).toEqual([endEventId(searchId)]);
    expect(after.notified.filter((e) => (e.detail as { searchId: string }).searchId === searchId).map((e) => e.id)).toEqual([endEventId(searchId)]);
    expect((await state.getSearch(searchId))?.endEventPending).toBeUndefined();
  });

  it("drops a second copy of an end event already handled in this process", async () => {
    const searchId = await failedSearch();
    const { bus, outbox, notified } = devProcess(join(folder, "d.log"));
    const entry = { source: "cds.search", detailType: "Search Failed", detail: { searchId, reason: "not an image", stage: "intake", failedAt: new Date().toISOString() } } as const;

    await outbox.publish([entry]);
    await bus.idle();
    expect(await outbox.publish([entry])).toEqual([]);
    await bus.idle();

    expect(await logged(bus, searchId)).toHaveLength(1);
    expect(notified.filter((e) => (e.detail as { searchId: string }).searchId === searchId)).toHaveLength(1);
  });

  it("publishes a lost Submission Completed from the summary the submission wrote, once, with its fixed id", async () => {
    const submissionId = `sub-${++uploads}`;
    const results = new FolderBlobStore(join(folder, "results"));
    await state.recordSubmission({ submissionId, library: "lm", targetCount: 10, maskCount: 1, rejected: [] });
    await state.recordSubmissionMask(submissionId, { maskId: "mask0", position: 0, name: "neuron 0", sourceFile: "masks/n0.png", uploadKey: `lm/${submissionId}-n0.png` });
    await state.recordMaskOutcome({ submissionId, maskId: "mask0", searchId: "s0", outcome: "completed", matchCount: 3 });
    const completed = await completeSubmissionIfDone(submissionId, { state, results }); // then the process died: nothing published
    expect(completed?.submission.endEventPending).toBe(true);
    const { bus, outbox, notified } = devProcess(join(folder, "e.log"));

    await outbox.recover();
    await bus.idle();

    const events = (await bus.readLog()).filter((e) => (e.detail as { submissionId?: string }).submissionId === submissionId);
    expect(events.map((e) => [e["detail-type"], e.id])).toEqual([["Submission Completed", endEventId(`submission/${submissionId}`)]]);
    expect(events[0]!.detail).toMatchObject({ submissionId, maskCount: 1, completed: 1, summaryKey: completed!.summaryKey });
    expect(notified.filter((e) => e["detail-type"] === "Submission Completed")).toHaveLength(1);
    expect((await state.getSubmission(submissionId))?.endEventPending).toBeUndefined();
  });
});
