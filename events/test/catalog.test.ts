import { readdirSync } from "node:fs";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  catalog,
  catalogEntryFor,
  EventValidationError,
  objectCreated,
  parseEvent,
  readFixture,
  searchAccepted,
  searchCompleted,
  searchFailed,
  searchStarted,
  type CatalogEvent,
  type SearchAcceptedDetail,
} from "@cds/events";

/** The thrown EventValidationError of `act`, for assertions on its fields. */
function validationErrorOf(act: () => unknown): EventValidationError {
  try {
    act();
  } catch (error) {
    if (error instanceof EventValidationError) return error;
    throw error;
  }
  throw new Error("expected an EventValidationError, but nothing was thrown");
}

describe("the catalog", () => {
  it("has one entry per detail-type, each with a version and a fixture file named after it", () => {
    const fixtureFiles = readdirSync(new URL("../fixtures/", import.meta.url)).sort();
    expect(new Set(catalog.map((entry) => entry.detailType)).size).toBe(catalog.length);
    expect(catalog.map((entry) => `${entry.name}.json`).sort()).toEqual(fixtureFiles);
    for (const entry of catalog) expect(Number.isInteger(entry.version) && entry.version >= 1).toBe(true);
  });

  it.each(catalog.map((entry) => [entry.detailType, entry] as const))("accepts the %s fixture", (_, entry) => {
    const event = readFixture(entry);
    expect(event["detail-type"]).toBe(entry.detailType);
    expect(event.source).toBe(entry.source);
  });

  it("finds entries by detail-type and nothing for unknown ones", () => {
    expect(catalogEntryFor("Search Completed")).toBe(searchCompleted);
    expect(catalogEntryFor("Search Exploded")).toBeUndefined();
  });

  it("announces an accepted search with only what its readers use (the search record holds the rest)", () => {
    expectTypeOf<keyof SearchAcceptedDetail>().toEqualTypeOf<"searchId" | "library" | "maskKey" | "targetCount">();
    const { detail } = readFixture(searchAccepted);
    expect(() => parseEvent({ ...readFixture(searchAccepted), detail: { ...detail, parameters: {} } })).toThrow(EventValidationError);
  });
});

describe("parseEvent", () => {
  it("returns the event typed by its detail-type", () => {
    const event: CatalogEvent = parseEvent(readFixture(searchFailed));
    if (event["detail-type"] !== "Search Failed") throw new Error("expected a Search Failed event");
    expectTypeOf(event.detail.stage).toEqualTypeOf<"intake" | "dispatch" | "worker" | "combiner" | "sweeper">();
    expect(event.detail.stage).toBe("intake");
  });

  it("names the event and the bad field when the detail does not fit its schema", () => {
    const event = readFixture(searchStarted);
    const error = validationErrorOf(() => parseEvent({ ...event, detail: { ...event.detail, batchCount: 1.5 } }));
    expect(error.name).toBe("EventValidationError");
    expect(error.detailType).toBe("Search Started");
    expect(error.field).toBe("detail.batchCount");
    expect(error.message).toMatch(/^"Search Started" event is invalid: detail\.batchCount/);
  });

  it("reports a missing field as required", () => {
    const { searchId: _, ...detail } = readFixture(searchCompleted).detail;
    const error = validationErrorOf(() => parseEvent({ ...readFixture(searchCompleted), detail }));
    expect(error.field).toBe("detail.searchId");
    expect(error.message).toContain("detail.searchId: is required");
  });

  it("refuses a field the event does not have, naming it", () => {
    const event = readFixture(searchFailed);
    const error = validationErrorOf(() => parseEvent({ ...event, detail: { ...event.detail, severity: "high" } }));
    expect(error.field).toBe("detail.severity");
  });

  it("refuses more than ten top matches and names the list", () => {
    const event = readFixture(searchCompleted);
    const match = event.detail.topMatches[0]!;
    const error = validationErrorOf(() => parseEvent({ ...event, detail: { ...event.detail, topMatches: Array(11).fill(match) } }));
    expect(error.field).toBe("detail.topMatches");
  });

  it("names the element of a list that is wrong", () => {
    const event = readFixture(searchCompleted);
    const [first, ...rest] = event.detail.topMatches;
    const topMatches = [first, { ...first!, matchingRatio: 1.5 }, ...rest];
    expect(validationErrorOf(() => parseEvent({ ...event, detail: { ...event.detail, topMatches } })).field).toBe(
      "detail.topMatches[1].matchingRatio",
    );
  });

  it("refuses an unknown detail-type, listing the known ones", () => {
    const error = validationErrorOf(() => parseEvent({ ...readFixture(searchFailed), "detail-type": "Search Exploded" }));
    expect(error.field).toBe("detail-type");
    expect(error.message).toContain('"Search Completed"');
  });

  it("refuses a known detail-type from another source", () => {
    const error = validationErrorOf(() => parseEvent({ ...readFixture(searchFailed), source: "someone.else" }));
    expect(error.field).toBe("source");
  });

  it("refuses an envelope that is not EventBridge's shape", () => {
    const { time: _, ...withoutTime } = readFixture(searchFailed);
    expect(validationErrorOf(() => parseEvent(withoutTime)).field).toBe("time");
    expect(validationErrorOf(() => parseEvent({ ...readFixture(searchFailed), version: "1" })).field).toBe("version");
    expect(validationErrorOf(() => parseEvent("Search Failed")).field).toBe("(event)");
  });

  it("insists on the expected entry when given one", () => {
    const error = validationErrorOf(() => parseEvent(readFixture(searchFailed), searchCompleted));
    expect(error.field).toBe("detail-type");
    expect(error.message).toContain('expected "Search Completed"');
  });

  it("lets S3 fields it does not read pass through", () => {
    const event = parseEvent(readFixture(objectCreated));
    expect(event.detail).toMatchObject({ reason: "PutObject", "request-id": "N4N7GDK58NMKJ12R" });
  });
});
