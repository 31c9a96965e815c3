import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  batchFailed,
  catalog,
  EventValidationError,
  objectCreated,
  readFixture,
  ruleTargets,
  searchAccepted,
  searchBatchesCompleted,
  searchCompleted,
  searchFailed,
  searchStarted,
  type CatalogEntry,
  type CatalogEvent,
  type RuleTarget,
} from "@cds/events";
import { expectedRoutes } from "@cds/testing/expected-routes";
import { DeliveryError, LocalEventBus, type PublishEntry } from "@cds/local";
import { tempDir } from "@cds/testing/temp-dir";

const uploadBucketName = "uploads";

/** A publish entry carrying the detail of a catalog entry's fixture. */
function entryFromFixture(entry: CatalogEntry): PublishEntry {
  const fixture = readFixture(entry);
  const detail =
    entry === objectCreated ? { ...(fixture.detail as object), bucket: { name: uploadBucketName } } : fixture.detail;
  return { source: fixture.source, detailType: fixture["detail-type"], detail } as PublishEntry;
}

/** A bus on a fresh log file whose every target records what it receives. */
async function recordingBus(options: { onDeliveryError?: (error: DeliveryError) => void } = {}) {
  const logFile = join(await tempDir("cds-bus-"), "events.jsonl");
  const bus = new LocalEventBus({ logFile, uploadBucketName, ...options });
  const received: { target: RuleTarget; rule: string; event: CatalogEvent }[] = [];
  for (const target of ruleTargets) bus.subscribe(target, (event, { rule }) => void received.push({ target, rule, event }));
  return { bus, logFile, received };
}

const routes = expectedRoutes;

describe("LocalEventBus routing", () => {
  it("has a route for every catalog entry", () => {
    expect(new Set(routes.map(([entry]) => entry))).toEqual(new Set(catalog));
  });

  it.each(routes.map(([entry, targets]) => [entry.detailType, entry, targets] as const))(
    "delivers a %s event to exactly the targets of the rules that match it",
    async (_, entry, targets) => {
      const { bus, received } = await recordingBus();
      const [published] = await bus.publish([entryFromFixture(entry)]);
      await bus.idle();
      expect(received.map((r) => r.target)).toEqual(targets);
      for (const { event } of received) expect(event).toEqual(published);
    },
  );

  it("fills the envelope as EventBridge would, with the local account and region", async () => {
    const { bus, received } = await recordingBus();
    await bus.publish([{ ...entryFromFixture(searchFailed), resources: ["search/abc"] }]);
    await bus.idle();
    const [{ event, rule }] = received as [(typeof received)[number]];
    expect(rule).toBe("search-finished");
    expect(event).toMatchObject({ version: "0", account: "000000000000", region: "local", resources: ["search/abc"] });
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it("does not start intake for uploads to another bucket", async () => {
    const { bus, received } = await recordingBus();
    const upload = entryFromFixture(objectCreated);
    await bus.publish([{ ...upload, detail: { ...upload.detail, bucket: { name: "results" } } } as PublishEntry]);
    await bus.idle();
    expect(received).toEqual([]);
  });

  it("delivers after publish has returned, and idle waits for what handlers publish in turn", async () => {
    const { bus, received } = await recordingBus();
    bus.subscribe("admission", async (event) => {
      if (event["detail-type"] !== "Search Accepted") return;
      await bus.publish([{ source: "cds.search", detailType: "Search Batches Completed", detail: { searchId: event.detail.searchId, batchCount: 1 } }]);
    });
    await bus.publish([entryFromFixture(searchAccepted)]);
    expect(received).toEqual([]);
    await bus.idle();
    expect(received.map((r) => r.target)).toEqual(["admission", "combiner"]);
  });

  it("gives each target its own copy of the event", async () => {
    const logFile = join(await tempDir("cds-bus-"), "events.jsonl");
    const bus = new LocalEventBus({ logFile, uploadBucketName });
    const seen: string[] = [];
    bus.subscribe("notify", (event) => {
      if (event["detail-type"] === "Search Failed") event.detail.reason = "changed by the first handler";
    });
    bus.subscribe("notify", (event) => {
      if (event["detail-type"] === "Search Failed") seen.push(event.detail.reason);
    });
    await bus.publish([entryFromFixture(searchFailed)]);
    await bus.idle();
    expect(seen).toEqual([readFixture(searchFailed).detail.reason]);
  });

  it("stops delivering to a handler once unsubscribed", async () => {
    const logFile = join(await tempDir("cds-bus-"), "events.jsonl");
    const bus = new LocalEventBus({ logFile, uploadBucketName });
    let calls = 0;
    const unsubscribe = bus.subscribe("admission", () => void calls++);
    await bus.publish([entryFromFixture(searchAccepted)]);
    await bus.idle();
    unsubscribe();
    await bus.publish([entryFromFixture(searchAccepted)]);
    await bus.idle();
    expect(calls).toBe(1);
  });
});

describe("LocalEventBus log", () => {
  it("appends one JSON line per event, before delivering it", async () => {
    const { bus, logFile } = await recordingBus();
    let loggedBeforeDelivery: CatalogEvent[] = [];
    bus.subscribe("combiner", async () => void (loggedBeforeDelivery = await bus.readLog()));
    const published = await bus.publish([entryFromFixture(searchStarted), entryFromFixture(searchBatchesCompleted)]);
    await bus.idle();
    const lines = (await readFile(logFile, "utf8")).trimEnd().split("\n");
    expect(lines.map((line) => JSON.parse(line))).toEqual(published);
    expect(loggedBeforeDelivery).toEqual(published);
  });

  it("keeps every event, in order, when two buses append to the same file", async () => {
    const logFile = join(await tempDir("cds-bus-"), "nested", "events.jsonl");
    const first = new LocalEventBus({ logFile, uploadBucketName });
    const second = new LocalEventBus({ logFile, uploadBucketName });

    const a = await first.publish([entryFromFixture(searchAccepted)]);
    const before = await readFile(logFile, "utf8");
    const b = await second.publish([entryFromFixture(searchStarted), entryFromFixture(batchFailed)]);
    const c = await first.publish([entryFromFixture(searchCompleted)]);

    expect((await readFile(logFile, "utf8")).startsWith(before)).toBe(true);
    const expected = [...a, ...b, ...c];
    expect(await first.readLog()).toEqual(expected);
    expect(await second.readLog()).toEqual(expected);
    expect(await new LocalEventBus({ logFile, uploadBucketName }).readLog()).toEqual(expected);
  });

  it("reads an empty log when nothing was published yet", async () => {
    const logFile = join(await tempDir("cds-bus-"), "events.jsonl");
    expect(await new LocalEventBus({ logFile, uploadBucketName }).readLog()).toEqual([]);
  });

  it("names the line of a log that holds something other than an event", async () => {
    const logFile = join(await tempDir("cds-bus-"), "events.jsonl");
    const bus = new LocalEventBus({ logFile, uploadBucketName });
    await bus.publish([entryFromFixture(searchStarted)]);
    await writeFile(logFile, "{not json\n", { flag: "a" });
    await expect(bus.readLog()).rejects.toThrow(/events\.jsonl:2: not a line of JSON/);
  });
});

describe("LocalEventBus validation", () => {
  it("rejects an event whose detail fails the catalog, naming the field, and logs nothing", async () => {
    const { bus, logFile, received } = await recordingBus();
    const bad = { source: "cds.search", detailType: "Search Started", detail: { searchId: "s1", batchCount: 0, batchSize: 10 } } as PublishEntry;
    const error = await bus.publish([bad]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventValidationError);
    expect(error).toMatchObject({ name: "EventValidationError", detailType: "Search Started", field: "detail.batchCount" });
    await bus.idle();
    expect(received).toEqual([]);
    await expect(readFile(logFile)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("publishes none of a batch when one entry is invalid", async () => {
    const { bus, received } = await recordingBus();
    const bad = { source: "cds.search", detailType: "Search Exploded", detail: {} } as unknown as PublishEntry;
    await expect(bus.publish([entryFromFixture(searchAccepted), bad])).rejects.toThrow(EventValidationError);
    await bus.idle();
    expect(received).toEqual([]);
    expect(await bus.readLog()).toEqual([]);
  });

  it("rejects a catalog detail-type sent under another source", async () => {
    const { bus } = await recordingBus();
    const spoofed = { ...entryFromFixture(searchAccepted), source: "aws.s3" } as unknown as PublishEntry;
    await expect(bus.publish([spoofed])).rejects.toMatchObject({ field: "source" });
  });
});

describe("LocalEventBus handler failures", () => {
  it("reports a throwing or rejecting handler and still delivers to the others", async () => {
    const errors: DeliveryError[] = [];
    const { bus, received } = await recordingBus({ onDeliveryError: (error) => void errors.push(error) });
    bus.subscribe("notify", () => {
      throw new Error("webhook endpoint refused");
    });
    bus.subscribe("admission", async (event) => {
      if (event["detail-type"] === "Search Accepted") throw new Error("retry queue unavailable");
    });

    const published = await bus.publish([entryFromFixture(searchCompleted), entryFromFixture(searchAccepted)]);
    await bus.idle();

    const routesOf = (entry: CatalogEntry) => routes.find(([routed]) => routed === entry)![1];
    expect(received.map((r) => r.target)).toEqual([...routesOf(searchCompleted), ...routesOf(searchAccepted)]);
    expect(errors.map((e) => [e.name, e.target, e.rule, e.eventId, (e.cause as Error).message])).toEqual([
      ["DeliveryError", "notify", "search-finished", published[0]!.id, "webhook endpoint refused"],
      ["DeliveryError", "admission", "search-accepted", published[1]!.id, "retry queue unavailable"],
    ]);
    expect(errors[0]).toBeInstanceOf(DeliveryError);
  });

  it("survives a reporter that throws", async () => {
    const logFile = join(await tempDir("cds-bus-"), "events.jsonl");
    const bus = new LocalEventBus({
      logFile,
      uploadBucketName,
      onDeliveryError: () => {
        throw new Error("reporter broke");
      },
    });
    bus.subscribe("combiner", () => {
      throw new Error("combiner broke");
    });
    await bus.publish([entryFromFixture(searchBatchesCompleted)]);
    await expect(bus.idle()).resolves.toBeUndefined();
  });
});
