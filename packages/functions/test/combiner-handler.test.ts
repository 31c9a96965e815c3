import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SearchItem } from "@cds/core/entities";
import type { ResultsDocument } from "@cds/core/results";
import { SearchNotFoundError } from "@cds/core/state";
import { EventValidationError, readFixture, searchBatchesCompleted, searchStarted } from "@cds/events";
import { combiner } from "@cds/functions";
import { FolderBlobStore } from "@cds/local";
import { filesUnder } from "@cds/testing/files";
import { handlerPartsOnDynalite } from "@cds/testing/handler-parts-on-dynalite";
import { scoredSearch } from "./started-search.ts";

// The combiner on real parts: a search on a 40-target library (4 batches) scored by the worker
// with the in-process scorer, core's state store on dynalite, the results bucket as a folder, and
// a bus that records what was announced. The events are the catalog's.

const parts = handlerPartsOnDynalite({ library: true });
const NOW = new Date("2031-01-01T00:00:00.000Z");

const resultsFolder = () => join(parts.root, "results");
const deps = () => ({ state: parts.state, uploads: parts.uploads, libraries: parts.libraries, results: new FolderBlobStore(resultsFolder()), bus: parts.bus, now: () => NOW });

function batchesCompletedEvent(search: SearchItem) {
  const event = readFixture(searchBatchesCompleted);
  event.detail = { searchId: search.searchId, batchCount: search.batchCount };
  return event;
}

async function resultsDocumentOf(search: SearchItem): Promise<ResultsDocument> {
  return JSON.parse(new TextDecoder().decode(await new FolderBlobStore(resultsFolder()).get(`${search.searchId}.json`))) as ResultsDocument;
}

describe("the combiner handler", () => {
  it("writes the results, marks the search completed and announces Search Completed with what the results say", async () => {
    const { search } = await scoredSearch(parts);

    await combiner(batchesCompletedEvent(search), deps());

    const document = await resultsDocumentOf(search);
    expect(document.matchCount).toBeGreaterThan(0);
    expect(document).toMatchObject({ searchId: search.searchId, createdAt: NOW.toISOString(), partial: false, scored: 40, mask: { name: search.maskKey.split("/")[1], key: search.maskKey } });
    expect(await filesUnder(resultsFolder())).toEqual(expect.arrayContaining([`${search.searchId}.json`, `${search.searchId}.html`]));
    expect(await parts.state.getSearch(search.searchId)).toMatchObject({ status: "completed", matchCount: document.matchCount, resultsKey: `${search.searchId}.json` });
    const [completed] = parts.bus.detailsOf("Search Completed");
    expect(completed).toMatchObject({
      searchId: search.searchId, matchCount: document.matchCount, resultsKey: `${search.searchId}.json`, htmlKey: `${search.searchId}.html`,
      partial: false, elapsedMs: document.elapsedMs, maskName: document.mask.name, library: "tiny",
    });
    expect(completed.topMatches).toEqual(document.results.slice(0, 10).map((r) => ({ name: r.name, matchingPixels: r.matchingPixels, matchingRatio: Math.min(1, r.matchingRatio), mirrored: r.mirrored })));
    expect(parts.bus.delivered()).toHaveLength(1); // the catalog takes it
  });

  it("marks the results partial, naming the batches missing, when it is asked to combine before all are in", async () => {
    const { search } = await scoredSearch(parts, { skip: [2] });

    await combiner(batchesCompletedEvent(search), deps());

    expect(await resultsDocumentOf(search)).toMatchObject({ partial: true, missingBatches: [2], scored: 30 });
    expect(parts.bus.detailsOf("Search Completed")).toEqual([expect.objectContaining({ partial: true })]);
  });

  it("announces a search's completion once, however often the event is delivered", async () => {
    const { search } = await scoredSearch(parts);

    await combiner(batchesCompletedEvent(search), deps());
    await combiner(batchesCompletedEvent(search), deps());

    expect(parts.bus.detailTypes()).toEqual(["Search Completed"]);
  });

  it("ignores the other events", async () => {
    const { search } = await scoredSearch(parts);
    const started = readFixture(searchStarted);
    started.detail.searchId = search.searchId;

    await combiner(started, deps());

    expect(await parts.state.getSearch(search.searchId)).toMatchObject({ status: "running" });
    expect(await filesUnder(resultsFolder())).not.toContain(`${search.searchId}.json`);
    expect(parts.bus.published).toEqual([]);
  });

  it("rejects the event of a search that does not exist, and a malformed one", async () => {
    const unknown = readFixture(searchBatchesCompleted);
    const malformed = readFixture(searchBatchesCompleted) as { detail: Record<string, unknown> };
    malformed.detail.batchCount = -1;

    await expect(combiner(unknown, deps())).rejects.toThrow(SearchNotFoundError);
    await expect(combiner(malformed, deps())).rejects.toThrow(EventValidationError);
    await expect(combiner(malformed, deps())).rejects.toThrow(/detail\.batchCount/);
    expect(parts.bus.published).toEqual([]);
  });
});
