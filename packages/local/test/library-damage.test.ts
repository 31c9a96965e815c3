import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CatalogEvent } from "@cds/events";
import { startLocalRuntime, type LocalRuntime } from "@cds/local";
import { uploadSprinkledMask } from "@cds/testing/accepted-masks";
import { waitFor } from "@cds/testing/runtime-events";
import { indexSprinkledLibrary } from "@cds/testing/sprinkled-library";
import { tempDir } from "@cds/testing/temp-dir";

// Issue 11, "the user's fault apart from ours": a shard damaged in storage (its checksum no longer
// matches) reads the same on every retry, so the search fails at once with a reason that names
// the library, and its running slot is free — instead of retrying until the deadline. Retries here
// wait 10 minutes and the deadline is far off, so only the immediate failure can end the search.

describe("a search over a library with a damaged shard, in the local runtime", () => {
  let root: string;
  let runtime: LocalRuntime;
  const events: CatalogEvent[] = [];

  beforeAll(async () => {
    root = await tempDir("cds-damaged-");
    await indexSprinkledLibrary({ root, name: "tiny", count: 40, shardSize: 10 });
    const folder = join(root, "libraries", "tiny");
    const shard = await findShard(folder);
    const bytes = await readFile(shard);
    for (let i = Math.floor(bytes.length / 2); i < Math.floor(bytes.length / 2) + 64 && i < bytes.length; i++) bytes[i] = bytes[i]! ^ 0x5a; // same size, other bytes
    await writeFile(shard, bytes);
    runtime = await startLocalRuntime({ root, pollMs: 50, uploadSettleMs: 0, retryDelaysMs: [600_000], searchDeadlineMs: 3_600_000, onEvent: (e) => void events.push(e), onError: () => undefined });
  });

  afterAll(async () => {
    await runtime?.stop();
  });

  it("fails at once with a reason naming the damaged shard and its library, and frees its slot", async () => {
    await uploadSprinkledMask({ root, library: "tiny", file: "m.tif" });

    const failed = await waitFor(() => events.find((e) => e["detail-type"] === "Search Failed"), 60_000);
    if (failed["detail-type"] !== "Search Failed") throw new Error("unreachable");
    expect(failed.detail.stage).toBe("worker");
    expect(failed.detail.reason).toMatch(/damaged/);
    expect(failed.detail.reason).toContain(join(root, "libraries", "tiny"));
    expect(failed.detail.reason).toMatch(/re-index/);
    expect(events.some((e) => e["detail-type"] === "Search Completed")).toBe(false);
    await waitFor(async () => ((await runtime.state.listSlotHolders()).length === 0 ? true : undefined), 10_000);
  });
});

/** A shard file of the indexed library (any one: every batch reads one). */
async function findShard(folder: string): Promise<string> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const shards = entries.filter((e) => e.isFile() && /shard/i.test(join(e.parentPath, e.name).slice(folder.length)) && !e.name.endsWith(".json"));
  if (shards.length === 0) throw new Error(`no shard under ${folder}: ${entries.map((e) => e.name).join(", ")}`);
  return join(shards[0]!.parentPath, shards[0]!.name);
}
