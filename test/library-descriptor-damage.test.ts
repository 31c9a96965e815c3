import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { checksumOf, itemChunkKey, LibraryFormatError, readDescriptor, readItemMetadata, readShardPage, shardPageKey, type LibraryDescriptor } from "@cds/core/library";
import type { CatalogEvent } from "@cds/events";
import { FolderBlobStore, startLocalRuntime } from "@cds/local";
import { uploadSprinkledMask } from "@cds/testing/accepted-masks";
import { waitFor } from "@cds/testing/runtime-events";
import { indexSprinkledLibrary } from "@cds/testing/sprinkled-library";
import { tempDir } from "@cds/testing/temp-dir";

// Issue 11, "library integrity": the library's own files — its descriptor (manifest.json), its
// shard pages and its item chunks — are checked when read. A damaged or tampered one is refused
// with a message that names the library and says to re-index it, never a wrong answer and never
// the mask's fault.

let root: string;
let folder: string;
let store: FolderBlobStore;

beforeEach(async () => {
  root = await tempDir("cds-descriptor-");
  await indexSprinkledLibrary({ root, name: "tiny", count: 40, shardSize: 10 });
  folder = join(root, "libraries", "tiny");
  store = new FolderBlobStore(folder);
});

const manifestPath = () => join(folder, "manifest.json");
const readJson = async () => JSON.parse(await readFile(manifestPath(), "utf8")) as LibraryDescriptor;
/** Writes `descriptor` back with a checksum that matches it, as a careful forger would. */
async function forge(descriptor: LibraryDescriptor): Promise<void> {
  const { checksum: _old, ...fields } = descriptor;
  await writeFile(manifestPath(), JSON.stringify({ ...fields, checksum: checksumOf(new TextEncoder().encode(JSON.stringify(fields))) }));
}

describe("the library descriptor, validated on load", () => {
  it("refuses a field changed without its checksum", async () => {
    const descriptor = await readJson();
    await writeFile(manifestPath(), JSON.stringify({ ...descriptor, count: descriptor.count + 1 }));
    await expect(readDescriptor(store)).rejects.toThrow(new LibraryFormatError(`the library manifest at ${store.location} is damaged (checksum mismatch); re-index it with \`cds library index\``));
  });

  it.each([
    ["a negative count", (d: LibraryDescriptor) => ({ ...d, count: -1 }), "name, size or count is invalid"],
    ["a width that is not a number", (d: LibraryDescriptor) => ({ ...d, width: "64" as unknown as number }), "name, size or count is invalid"],
    ["a shard page size of 0", (d: LibraryDescriptor) => ({ ...d, shardPageSize: 0 }), "shard or chunk sizes are invalid"],
    ["a page list that does not cover the shards", (d: LibraryDescriptor) => ({ ...d, pages: [] }), "the page list does not match the shard count"],
    ["an item chunk list that does not cover the items", (d: LibraryDescriptor) => ({ ...d, itemChunks: [...d.itemChunks, 1] }), "the item chunk list does not match the count"],
    ["a build id that would leave its folder", (d: LibraryDescriptor) => ({ ...d, buildId: "../../etc" }), "the build id is invalid"],
  ])("refuses %s even with a matching checksum", async (_, change, problem) => {
    await forge(change(await readJson()));
    const error = await readDescriptor(store).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LibraryFormatError);
    expect((error as Error).message).toBe(`the library manifest at ${store.location} is damaged (${problem}); re-index it with \`cds library index\``);
  });

  it("refuses a manifest that is not JSON, without quoting it", async () => {
    await writeFile(manifestPath(), "root:x:0:0:root:/root:/bin/bash\n");
    const error = (await readDescriptor(store).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain("is damaged (not JSON)");
    expect(error.message).not.toContain("root:x");
  });
});

describe("shard pages and item chunks, checked against the descriptor", () => {
  it("refuses a shard page whose bytes changed", async () => {
    const descriptor = await readDescriptor(store);
    await expect(readShardPage(store, descriptor.buildId, 0, descriptor.pages[0].crc32)).resolves.toHaveLength(4);
    const path = join(folder, shardPageKey(descriptor.buildId, 0));
    const page = JSON.parse(await readFile(path, "utf8")) as { start: number }[];
    page[1].start += 1; // one shard now claims another item range
    await writeFile(path, JSON.stringify(page));
    const error = (await readShardPage(store, descriptor.buildId, 0, descriptor.pages[0].crc32).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(LibraryFormatError);
    expect(error.message).toMatch(/shard page 0/);
    expect(error.message).toContain(store.location);
  });

  it("refuses an item chunk whose bytes changed (a renamed target cannot slip into the results)", async () => {
    const descriptor = await readDescriptor(store);
    const path = join(folder, itemChunkKey(descriptor.buildId, 0));
    await writeFile(path, (await readFile(path, "utf8")).replace(/"name":"[^"]+"/, '"name":"forged"'));
    const error = (await readItemMetadata(store, descriptor, [0]).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(LibraryFormatError);
    expect(error.message).toMatch(/item chunk 0/);
  });
});

describe("a search over a library whose descriptor is damaged, in the local runtime", () => {
  it("fails at once with a reason that names the library, not the mask", async () => {
    const descriptor = await readJson();
    await writeFile(manifestPath(), JSON.stringify({ ...descriptor, count: 4000 }));
    const events: CatalogEvent[] = [];
    const runtime = await startLocalRuntime({ root, pollMs: 50, uploadSettleMs: 0, retryDelaysMs: [600_000], searchDeadlineMs: 3_600_000, onEvent: (e) => void events.push(e), onError: () => undefined });
    try {
      await uploadSprinkledMask({ root, library: "tiny", file: "m.tif" });
      const failed = await waitFor(() => events.find((e) => e["detail-type"] === "Search Failed"), 60_000);
      if (failed["detail-type"] !== "Search Failed") throw new Error("unreachable");
      expect(failed.detail.reason).toContain(folder);
      expect(failed.detail.reason).toMatch(/manifest .* is damaged \(checksum mismatch\); re-index/);
      expect(failed.detail.reason).not.toMatch(/mask/i);
      expect(events.some((e) => e["detail-type"] === "Search Completed")).toBe(false);
    } finally {
      await runtime.stop();
    }
  });
});
