import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { afterEach, describe, expect, it } from "vitest";
import { searchEventSource } from "@cds/events";
import type { SearchEventEntry } from "@cds/functions";
import { EventBridgePublisher, EventTooLargeError, PUT_EVENTS_MAX_BYTES, PutEventsFailedError, putEventsEntrySize } from "@cds/aws";
import { acceptAllEvents, eventOfEntry, type FakeEventBridge, type PutEventsHandler, type PutEventsWireEntry, startFakeEventBridge } from "@cds/testing/aws/fake-eventbridge";
import { awsError, localClientConfig } from "@cds/testing/aws/local-endpoint";

const BUS = "cds-test-search";
let fake: FakeEventBridge | undefined;
let client: EventBridgeClient | undefined;

afterEach(async () => {
  client?.destroy();
  await fake?.close();
  client = fake = undefined;
});

/** A publisher on a fresh fake endpoint; `maxAttempts` of the SDK client defaults to 1 so that failures are quick. */
async function publisherOn(handler: PutEventsHandler, options: { sdkMaxAttempts?: number; maxAttempts?: number } = {}) {
  fake = await startFakeEventBridge(handler);
  client = new EventBridgeClient(localClientConfig(fake.endpoint, options.sdkMaxAttempts ?? 1));
  return new EventBridgePublisher({ client, eventBusName: BUS, retryDelayMs: 1, maxAttempts: options.maxAttempts });
}

/** A `Search Failed` event whose reason pads the detail to about `reasonBytes`. */
function failedEvent(searchId: string, reasonBytes = 10): SearchEventEntry & { detail: { searchId: string } } {
  return {
    source: searchEventSource,
    detailType: "Search Failed",
    detail: { searchId, reason: "x".repeat(reasonBytes), stage: "worker", failedAt: "2025-11-25T14:05:02Z" },
  };
}

const sizeOf = (entries: PutEventsWireEntry[]) => entries.reduce((sum, e) => sum + putEventsEntrySize(e), 0);
const searchIdsOf = (entries: PutEventsWireEntry[]) => entries.map((e) => (JSON.parse(e.Detail!) as { searchId: string }).searchId);

describe("putEventsEntrySize counts as EventBridge documents it", () => {
  it("counts UTF-8 bytes of Source, DetailType, Detail and Resources, 14 for a Time, and not the bus name", () => {
    const entry = { Source: "cds.search", DetailType: "Search Failed", Detail: '{"r":"é"}', EventBusName: "a-long-bus-name" };
    expect(putEventsEntrySize(entry)).toBe(10 + 13 + 10);
    expect(putEventsEntrySize({ ...entry, Resources: ["arn:x", "ü"], Time: new Date() })).toBe(10 + 13 + 10 + 5 + 2 + 14);
  });
});

// Against a local endpoint speaking the PutEvents wire protocol: no EventBridge emulator exists.
describe("EventBridgePublisher on a local PutEvents endpoint: entries sent in calls within the limits", () => {
  it("sends each entry as Source, DetailType, JSON Detail and the bus name, and resolves to the event ids in order", async () => {
    const bus = await publisherOn((request) => ({ Entries: request.Entries.map((_, i) => ({ EventId: `id-${i}` })) }));
    const entries = [failedEvent("s-1"), failedEvent("s-2")];
    // Act
    const ids = await bus.publish(entries);
    // Assess
    expect(ids).toEqual(["id-0", "id-1"]);
    expect(fake!.requests).toHaveLength(1);
    expect(fake!.requests[0].Entries).toEqual(
      entries.map((e) => ({ Source: "cds.search", DetailType: "Search Failed", Detail: JSON.stringify(e.detail), EventBusName: BUS })),
    );
    // What a rule's target would receive round-trips the detail.
    expect(eventOfEntry(fake!.requests[0].Entries[1], ids[1]).detail).toEqual(entries[1].detail);
  });

  it("sends nothing for no entries", async () => {
    const bus = await publisherOn(acceptAllEvents);
    expect(await bus.publish([])).toEqual([]);
    expect(fake!.requests).toHaveLength(0);
  });

  it("splits 25 entries into calls of at most 10, in order", async () => {
    const bus = await publisherOn(acceptAllEvents);
    const entries = Array.from({ length: 25 }, (_, i) => failedEvent(`s-${i}`));
    // Act
    const ids = await bus.publish(entries);
    // Assess
    expect(fake!.requests.map((r) => r.Entries.length)).toEqual([10, 10, 5]);
    expect(fake!.requests.flatMap((r) => searchIdsOf(r.Entries))).toEqual(entries.map((e) => e.detail.searchId));
    expect(new Set(ids).size).toBe(25);
  });

  it("splits large entries by size so that no call carries more than 256 KB", async () => {
    const bus = await publisherOn(acceptAllEvents);
    // Seven entries of ~100 KB: two fit a call, three do not.
    const entries = Array.from({ length: 7 }, (_, i) => failedEvent(`s-${i}`, 100_000));
    // Act
    await bus.publish(entries);
    // Assess
    expect(fake!.requests.map((r) => r.Entries.length)).toEqual([2, 2, 2, 1]);
    for (const request of fake!.requests) expect(sizeOf(request.Entries)).toBeLessThanOrEqual(PUT_EVENTS_MAX_BYTES);
    expect(fake!.requests.flatMap((r) => searchIdsOf(r.Entries))).toEqual(entries.map((e) => e.detail.searchId));
  });

  it("sends an entry of exactly 256 KB alone, and refuses one a byte larger before sending anything", async () => {
    const bus = await publisherOn(acceptAllEvents);
    const overhead = putEventsEntrySize({ Source: "cds.search", DetailType: "Search Failed", Detail: JSON.stringify(failedEvent("big", 0).detail) });
    const atLimit = failedEvent("big", PUT_EVENTS_MAX_BYTES - overhead);
    // Act
    await bus.publish([failedEvent("small-1"), atLimit, failedEvent("small-2")]);
    // Assess
    expect(fake!.requests.map((r) => searchIdsOf(r.Entries))).toEqual([["small-1"], ["big"], ["small-2"]]);

    const overLimit = failedEvent("BIG", PUT_EVENTS_MAX_BYTES - overhead + 1);
    const attempt = bus.publish([failedEvent("small-3"), overLimit]);
    await expect(attempt).rejects.toBeInstanceOf(EventTooLargeError);
    await expect(attempt).rejects.toThrow(/"Search Failed" from cds\.search is 262145 bytes, over the 262144-byte limit/);
    expect(fake!.requests).toHaveLength(3);
  });
});

describe("EventBridgePublisher on a local PutEvents endpoint: refused entries and failed calls", () => {
  it("re-sends only the entries PutEvents refused, and resolves with every id once they are accepted", async () => {
    let calls = 0;
    const bus = await publisherOn((request) => {
      calls++;
      return {
        Entries: request.Entries.map((_, i) => (calls === 1 && i === 2 ? { ErrorCode: "ThrottlingException", ErrorMessage: "Rate exceeded" } : { EventId: `call-${calls}-entry-${i}` })),
      };
    });
    const entries = Array.from({ length: 4 }, (_, i) => failedEvent(`s-${i}`));
    // Act
    const ids = await bus.publish(entries);
    // Assess
    expect(fake!.requests.map((r) => searchIdsOf(r.Entries))).toEqual([["s-0", "s-1", "s-2", "s-3"], ["s-2"]]);
    expect(ids).toEqual(["call-1-entry-0", "call-1-entry-1", "call-2-entry-0", "call-1-entry-3"]);
  });

  it("gives up on an entry refused on every attempt, naming it and why, after publishing the rest", async () => {
    const bus = await publisherOn(
      (request) => ({
        Entries: request.Entries.map((e, i) => (searchIdsOf([e])[0] === "poison" ? { ErrorCode: "InternalFailure", ErrorMessage: "boom" } : { EventId: `ok-${i}` })),
      }),
      { maxAttempts: 3 },
    );
    const entries = [...Array.from({ length: 11 }, (_, i) => failedEvent(`s-${i}`)), failedEvent("poison"), failedEvent("s-last")];
    // Act
    const error = (await bus.publish(entries).catch((e: unknown) => e)) as PutEventsFailedError;
    // Assess: the first batch went through once; the second was sent whole, then the poison entry alone twice more.
    expect(error).toBeInstanceOf(PutEventsFailedError);
    expect(fake!.requests.map((r) => r.Entries.length)).toEqual([10, 3, 1, 1]);
    expect(error.message).toBe('EventBridge refused 1 of 13 events after 3 attempts: #11 "Search Failed" (InternalFailure: boom)');
    expect(error.failed).toEqual([{ index: 11, source: "cds.search", detailType: "Search Failed", errorCode: "InternalFailure", errorMessage: "boom" }]);
    expect(error.eventIds.filter((id) => id !== undefined)).toHaveLength(12);
    expect(error.eventIds[11]).toBeUndefined();
  });

  it("treats a response without a result for an entry as a refusal of that entry", async () => {
    const bus = await publisherOn((request) => ({ Entries: request.Entries.slice(0, 1).map(() => ({ EventId: "only-one" })) }), { maxAttempts: 1 });
    await expect(bus.publish([failedEvent("a"), failedEvent("b")])).rejects.toThrow(/refused 1 of 2 events after 1 attempts: #1 "Search Failed" \(NoResult/);
  });

  it("surfaces an error of the whole call once the SDK client's own retries are spent", async () => {
    const bus = await publisherOn(() => awsError(500, "InternalException", "the bus is down"));
    const attempt = bus.publish([failedEvent("s-1")]);
    await expect(attempt).rejects.toMatchObject({ name: "InternalException", message: "the bus is down" });
    expect(fake!.requests).toHaveLength(1);
  });

  it("leaves a failed call to the SDK client's retries, which send the same entries again", async () => {
    let calls = 0;
    const bus = await publisherOn((request) => (++calls === 1 ? awsError(503, "ServiceUnavailable") : acceptAllEvents(request)), { sdkMaxAttempts: 2 });
    const ids = await bus.publish([failedEvent("s-1"), failedEvent("s-2")]);
    expect(ids).toHaveLength(2);
    expect(fake!.requests.map((r) => searchIdsOf(r.Entries))).toEqual([["s-1", "s-2"], ["s-1", "s-2"]]);
  });
});
