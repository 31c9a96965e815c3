import { stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { acceptUpload } from "@cds/core/pipeline";
import type { CatalogEvent } from "@cds/events";
import { FolderBlobStore, librariesUnder, LOCAL_UPLOAD_BUCKET, startLocalRuntime, startLocalState } from "@cds/local";
import { uploadSprinkledMask } from "@cds/testing/accepted-masks";
import { waitFor } from "@cds/testing/runtime-events";
import { indexSprinkledLibrary } from "@cds/testing/sprinkled-library";
import { tempDir } from "@cds/testing/temp-dir";

// Issue 11: after SIGKILLs, searches were in the state with no `Search Accepted` in the log.
// Intake writes the search, then publishes; a process that dies between the two leaves a search
// that a redelivered upload finds already there (so it announces nothing). Here intake's first
// half runs alone, as if killed right after it; cds dev, started on the same folder, announces
// that search once and runs it to the end.

describe("a search intake created but did not announce", () => {
  it("is announced once at the next start, and completes", async () => {
    const root = await tempDir("cds-unannounced-");
    await indexSprinkledLibrary({ root, name: "tiny", count: 40, shardSize: 10 });
    const key = await uploadSprinkledMask({ root, library: "tiny", file: "m.tif" });
    const info = await stat(join(root, "uploads", key));

    // Intake's state write, and then nothing: the process "died" before its publish.
    const before = await startLocalState({ folder: join(root, "state") });
    const outcome = await acceptUpload(
      { bucket: LOCAL_UPLOAD_BUCKET, key, etag: `${info.size}-${Math.floor(info.mtimeMs)}` },
      { state: before.state, uploads: new FolderBlobStore(join(root, "uploads")), libraries: librariesUnder(root) },
    );
    expect(outcome.kind).toBe("accepted");
    const { searchId } = outcome.search;
    expect((await before.state.listSearchesAwaitingAcceptedEvent()).map((s) => s.searchId)).toEqual([searchId]);
    await before.stop();

    const events: CatalogEvent[] = [];
    const runtime = await startLocalRuntime({ root, pollMs: 50, uploadSettleMs: 0, onEvent: (e) => void events.push(e), onError: () => undefined });
    try {
      await waitFor(() => events.find((e) => e["detail-type"] === "Search Completed" && (e.detail as { searchId: string }).searchId === searchId), 60_000);
      await runtime.bus.idle();
      const log = await runtime.bus.readLog();
      const of = (type: string) => log.filter((e) => e["detail-type"] === type && (e.detail as { searchId?: string }).searchId === searchId);
      expect(of("Search Accepted")).toHaveLength(1);
      expect(of("Search Completed")).toHaveLength(1);
      expect(log.filter((e) => e["detail-type"] === "Search Accepted")).toHaveLength(1); // the upload seen again made no second search
      expect(await runtime.state.listSearchesAwaitingAcceptedEvent()).toEqual([]);
    } finally {
      await runtime.stop();
    }
  });
});
