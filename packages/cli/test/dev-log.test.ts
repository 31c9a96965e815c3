import { describe, expect, it } from "vitest";
import type { CatalogEvent } from "@cds/events";
import { isOldUpload } from "../src/commands/dev/index.ts";
import { describeSearchEvent } from "../src/output/search-event-line.ts";

const upload = (mtime: number) =>
  ({ "detail-type": "Object Created", detail: { bucket: { name: "uploads" }, object: { key: "lm/m.png", size: 10, etag: `10-${mtime}` } } }) as unknown as CatalogEvent;

describe("cds dev's log lines", () => {
  it("leave out uploads that were there before cds dev started (a restart re-announces them)", () => {
    const started = Date.parse("2026-01-01T12:00:00Z");
    expect(isOldUpload(upload(started - 60_000), started)).toBe(true);
    expect(isOldUpload(upload(started + 5_000), started)).toBe(false);
  });

  it("name the mask and library of a completed or failed search, and say 0 matches plainly", () => {
    const completed = {
      "detail-type": "Search Completed",
      detail: { searchId: "s1", matchCount: 0, resultsKey: "s1.json", htmlKey: "s1.html", topMatches: [], partial: false, elapsedMs: 1200, maskName: "LC4.png", library: "lm" },
    } as unknown as CatalogEvent;
    expect(describeSearchEvent(completed, "/r")).toMatch(/completed\s+s1 {2}LC4\.png in lm: 0 matches in 1\.2 s → \/r\/s1\.html$/);
    const failed = {
      "detail-type": "Search Failed",
      detail: { searchId: "s2", reason: "the mask is empty", stage: "intake", failedAt: "2026-01-01T00:00:00.000Z", maskName: "bad.png", library: "lm" },
    } as unknown as CatalogEvent;
    expect(describeSearchEvent(failed)).toMatch(/FAILED\s+s2 {2}bad\.png in lm: \(intake\) the mask is empty$/);
  });
});
