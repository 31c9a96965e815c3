import { copyFile, mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeImageFile, encodePackBitsTiff } from "@cds/core/image";
import { checksumOf, type LibraryManifest, readManifest, SUPERSEDED_VERSION_RETENTION_MS } from "@cds/core/library";
import type { BlobStore, PutOptions } from "@cds/core/ports";
import { parseSearchParams, type TargetMatch } from "@cds/core/search";
import { readShapeLibraryInfo, shapeCompanionKey } from "@cds/core/shape";
import { FolderBlobStore, indexLibrary, libraryVersions, planRetention, pruneLibraryBuilds, runLocalSearch, updateLibrary } from "@cds/local";
import { buildFolders } from "@cds/testing/files";
import { cdsearch, EM_12191, hasSharedCdm, SKIP_SHARED_NOTE } from "@cds/testing/shared-data";
import { WHOLE_IMAGE_PARAMS } from "@cds/testing/sprinkled-library";
import { sprinkledImage } from "@cds/testing/synthetic-targets";
import { tempDir } from "@cds/testing/temp-dir";

if (!hasSharedCdm) console.warn(SKIP_SHARED_NOTE);

const W = 64;
const H = 32;
const HOUR = 60 * 60 * 1000;

/** A folder store that records every key put and every prefix deleted. */
class CountingStore implements BlobStore {
  readonly puts: string[] = [];
  readonly deletes: string[] = [];
  readonly #inner: FolderBlobStore;
  constructor(root: string) {
    this.#inner = new FolderBlobStore(root);
  }
  get location() {
    return this.#inner.location;
  }
  get(key: string) {
    return this.#inner.get(key);
  }
  put(key: string, bytes: Uint8Array, options?: PutOptions) {
    this.puts.push(key);
    return this.#inner.put(key, bytes, options);
  }
  exists(key: string) {
    return this.#inner.exists(key);
  }
  list(prefix: string) {
    return this.#inner.list(prefix);
  }
  deletePrefix(prefix: string) {
    this.deletes.push(prefix);
    return this.#inner.deletePrefix(prefix);
  }
  shardPuts() {
    return this.puts.filter((k) => k.endsWith(".bin") && !k.includes(".shape/"));
  }
}

const fileName = (i: number) => `t${String(i).padStart(4, "0")}.tif`;

/** Writes sprinkled TIFFs numbered `from` … `to - 1` into `dir`; image i is the same wherever it is written. */
async function writeTargets(dir: string, from: number, to: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const writes: Promise<void>[] = [];
  for (let i = from; i < to; i++) writes.push(writeFile(join(dir, fileName(i)), encodePackBitsTiff(sprinkledImage(W, H, 7_001 + i, 0.3))));
  await Promise.all(writes);
}

/** Every target's four scores, by source path, for a mask over an indexed library (keepAll). */
async function scoresByPath(root: string, manifest: LibraryManifest, seed: number) {
  const params = parseSearchParams({ ...WHOLE_IMAGE_PARAMS, pixColorFluctuation: 2, xyShift: 2 });
  const { matches, scored } = await runLocalSearch({ mask: sprinkledImage(W, H, seed, 0.5), params, library: { kind: "indexed", root, manifest }, keepAll: true, workers: 2 });
  expect(scored).toBe(manifest.count);
  return Object.fromEntries(matches.map((m: TargetMatch) => [m.item.sourcePath, [m.matchingPixels, m.matchingRatio, m.mirrored, m.maskSize]]));
}

/** Reads every shard of a version and checks it against its entry. */
async function expectShardsReadable(store: BlobStore, manifest: LibraryManifest) {
  for (const shard of manifest.shards) {
    const bytes = await store.get(shard.key);
    expect({ key: shard.key, bytes: bytes.length, crc32: checksumOf(bytes) }).toEqual({ key: shard.key, bytes: shard.bytes, crc32: shard.crc32 });
  }
}

describe("updating a 400-target library with 40 new images (10 %)", () => {
  let dir: string;
  let source: string;
  let store: CountingStore;
  let before: LibraryManifest;
  let update: Awaited<ReturnType<typeof updateLibrary>>;

  beforeAll(async () => {
    // Prepare: 400 targets indexed in shards of 20, then 40 more in the source.
    dir = await tempDir("cds-update-");
    source = join(dir, "source");
    await writeTargets(source, 0, 400);
    before = await indexLibrary({ source, name: "lm", store: new FolderBlobStore(join(dir, "lm")), shardSize: 20, workers: 2 });
    await writeTargets(source, 400, 440);
    store = new CountingStore(join(dir, "lm"));
    // Act
    update = await updateLibrary({ source, store, workers: 2 });
  });

  it("puts no object for any kept shard and writes exactly the 2 new shards, all under the new build", () => {
    const { manifest } = update;
    expect(update.outcome).toBe("updated");
    expect(update.shards).toEqual({ kept: 20, rewritten: 0, added: 2, dropped: 0 });
    expect([update.added, update.removed, manifest.count]).toEqual([40, 0, 440]);
    expect(store.shardPuts()).toHaveLength(2);
    expect(store.shardPuts().sort()).toEqual(manifest.shards.slice(20).map((s) => s.key).sort());
    for (const key of store.puts) expect(key === "manifest.json" || key.startsWith(`data/${manifest.buildId}/`), key).toBe(true);
    // The kept shards are the old ones: same keys, sizes and checksums, only their starts may move.
    expect(manifest.shards.slice(0, 20).map(({ key, bytes, crc32 }) => ({ key, bytes, crc32 }))).toEqual(before.shards.map(({ key, bytes, crc32 }) => ({ key, bytes, crc32 })));
    expect(update.bytesWritten).toBe(manifest.shards.slice(20).reduce((n, s) => n + s.bytes, 0));
  });

  it("is version 2, based on the indexed build, with the same shuffle seed and the items of the kept shards in place", () => {
    const { manifest } = update;
    expect({ version: manifest.version, basedOn: manifest.basedOn, shuffleSeed: manifest.shuffleSeed }).toEqual({ version: 2, basedOn: before.buildId, shuffleSeed: before.shuffleSeed });
    expect(manifest.items.slice(0, 400)).toEqual(before.items);
    expect(manifest.items.slice(400).map((i) => i.sourcePath).sort()).toEqual(Array.from({ length: 40 }, (_, k) => fileName(400 + k)));
  });

  it("scores every target exactly as a fresh index of the same 440 files", async () => {
    const freshRoot = join(dir, "fresh");
    const fresh = await indexLibrary({ source, name: "lm", store: new FolderBlobStore(freshRoot), shardSize: 20, workers: 2 });
    for (const seed of [11, 12]) {
      const updated = await scoresByPath(join(dir, "lm"), update.manifest, seed);
      expect(Object.keys(updated)).toHaveLength(440);
      expect(updated).toEqual(await scoresByPath(freshRoot, fresh, seed));
      expect(Object.values(updated).some(([pixels]) => (pixels as number) > 0)).toBe(true);
    }
  });
});

describe("removing images from a library", () => {
  let dir: string;
  let source: string;
  let store: CountingStore;
  let before: LibraryManifest;
  let update: Awaited<ReturnType<typeof updateLibrary>>;
  let removedPaths: string[];
  const T0 = new Date("2025-03-01T12:00:00Z");

  beforeAll(async () => {
    // Prepare: 100 targets in shards of 10, every one with a published name from a metadata table.
    dir = await tempDir("cds-update-remove-");
    source = join(dir, "source");
    await writeTargets(source, 0, 100);
    const metadata = new Map(Array.from({ length: 100 }, (_, i) => [fileName(i), { publishedName: `LINE_${i}` }]));
    before = await indexLibrary({ source, name: "lm", store: new FolderBlobStore(join(dir, "lm")), shardSize: 10, workers: 2, metadata, now: T0 });
    // Two items of shard 2, one of shard 5, and all of shard 7 vanish.
    const itemsOf = (s: number) => before.items.slice(before.shards[s].start, before.shards[s].start + before.shards[s].count);
    removedPaths = [...itemsOf(2).slice(0, 2), itemsOf(5)[3], ...itemsOf(7)].map((i) => i.sourcePath);
    for (const path of removedPaths) await rm(join(source, path));
    store = new CountingStore(join(dir, "lm"));
    // Act
    update = await updateLibrary({ source, store, workers: 2, now: new Date(T0.getTime() + HOUR) });
  });

  it("rewrites exactly the two shards that held the removed images and drops the one that held only removed ones", () => {
    const { manifest } = update;
    expect(update.shards).toEqual({ kept: 7, rewritten: 2, added: 0, dropped: 1 });
    expect([update.added, update.removed, manifest.count]).toEqual([0, 13, 87]);
    expect(store.shardPuts()).toHaveLength(2);
    const kept = new Set(before.shards.filter((_, s) => ![2, 5, 7].includes(s)).map((s) => s.key));
    expect(manifest.shards.filter((s) => kept.has(s.key))).toHaveLength(7);
    expect(manifest.shards.filter((s) => !kept.has(s.key)).map((s) => s.key).sort()).toEqual(store.shardPuts().sort());
    expect(manifest.items.map((i) => i.sourcePath).filter((p) => removedPaths.includes(p))).toEqual([]);
  });

  it("keeps the order of the remaining items and their metadata from the table, which the names alone would not give", () => {
    const remaining = before.items.filter((i) => !removedPaths.includes(i.sourcePath));
    expect(update.manifest.items).toEqual(remaining);
    expect(update.manifest.items.every((i) => i.publishedName === `LINE_${Number(i.name.slice(1))}`)).toBe(true);
  });

  it("leaves the previous version readable to its end (descriptor, pages, items, every shard)", async () => {
    const old = await readManifest(store, before.buildId);
    expect({ ...old, version: old.version ?? 1 }).toEqual({ ...before, version: 1 });
    await expectShardsReadable(store, old);
    expect((await libraryVersions(store, { now: new Date(T0.getTime() + 2 * HOUR) })).map((v) => [v.version, v.buildId, v.count])).toEqual([
      [2, update.manifest.buildId, 87],
      [1, before.buildId, 100],
    ]);
  });

  it("a prune past the retention period removes the old build's unreferenced objects but not the shards the current version reads", async () => {
    const later = new Date(T0.getTime() + HOUR + SUPERSEDED_VERSION_RETENTION_MS + 1);
    // Within the retention period nothing goes.
    expect(await pruneLibraryBuilds(store, { now: new Date(later.getTime() - 2) })).toMatchObject({ removed: [], thinned: [] });
    const report = await pruneLibraryBuilds(store, { now: later });
    expect(report).toEqual({ removed: [], thinned: [before.buildId], kept: [update.manifest.buildId] });
    // The old shards the update replaced, and the old version's own files, are gone.
    for (const s of [2, 5, 7]) expect(await store.exists(before.shards[s].key)).toBe(false);
    await expect(readManifest(store, before.buildId)).rejects.toThrow(/no longer kept/);
    const left = await readdir(join(dir, "lm", "data", before.buildId), { recursive: true });
    expect(left.filter((f) => f.endsWith(".bin")).length).toBe(7);
    expect(left.filter((f) => f.endsWith(".json"))).toEqual([]);
    // The current version still reads whole, and lists one version.
    await expectShardsReadable(store, await readManifest(store));
    expect((await libraryVersions(store, { now: later })).map((v) => v.version)).toEqual([2]);
  });
});

describe("an update with nothing to do", () => {
  it("writes nothing and reports unchanged when the source holds exactly the library's images", async () => {
    const dir = await tempDir("cds-update-same-");
    const source = join(dir, "source");
    await writeTargets(source, 0, 12);
    const before = await indexLibrary({ source, name: "lm", store: new FolderBlobStore(join(dir, "lm")), shardSize: 5, workers: 1 });
    const store = new CountingStore(join(dir, "lm"));
    // Act
    const update = await updateLibrary({ source, store, workers: 1 });
    // Assess
    expect(update).toMatchObject({ outcome: "unchanged", added: 0, removed: 0, bytesWritten: 0, shards: { kept: 3, rewritten: 0, added: 0, dropped: 0 } });
    expect(update.manifest).toEqual(before);
    expect(store.puts).toEqual([]);
    expect(await buildFolders(join(dir, "lm"))).toEqual([before.buildId]);
  });

  it("tries an image it skipped before again, and when it fails again makes no new version (only a build marker, removed)", async () => {
    // Prepare: 12 targets and one of another size, skipped at indexing.
    const dir = await tempDir("cds-update-skipped-");
    const source = join(dir, "source");
    await writeTargets(source, 0, 12);
    await writeFile(join(source, "odd.tif"), encodePackBitsTiff(sprinkledImage(30, 30, 1)));
    const before = await indexLibrary({ source, name: "lm", store: new FolderBlobStore(join(dir, "lm")), shardSize: 5, workers: 1 });
    expect(before.skipped.map((s) => s.sourcePath)).toEqual(["odd.tif"]);
    const store = new CountingStore(join(dir, "lm"));
    // Act
    const update = await updateLibrary({ source, store, workers: 1 });
    // Assess
    expect(update.outcome).toBe("unchanged");
    expect(update.manifest).toEqual(before);
    expect(store.puts).toEqual([expect.stringMatching(/^data\/[a-z0-9]+\/build\.json$/)]);
    expect(await buildFolders(join(dir, "lm"))).toEqual([before.buildId]);
  });

  it("refuses a store that holds no library, saying to index it first", async () => {
    const dir = await tempDir("cds-update-none-");
    await writeTargets(join(dir, "source"), 0, 2);
    await expect(updateLibrary({ source: join(dir, "source"), store: new FolderBlobStore(join(dir, "lm")) })).rejects.toThrow(/no library at .* index it first with `cds library index`/);
  });
});

describe("an update of a library with shape data", () => {
  it("builds shape data for the new and rewritten shards, and its summary equals a fresh index's", async () => {
    // Prepare: 30 targets indexed --with-shape in shards of 8; then 2 vanish and 5 arrive.
    const dir = await tempDir("cds-update-shape-");
    const source = join(dir, "source");
    await writeTargets(source, 0, 30);
    const before = await indexLibrary({ source, name: "lm", store: new FolderBlobStore(join(dir, "lm")), shardSize: 8, workers: 2, withShape: true });
    for (const item of before.items.slice(0, 2)) await rm(join(source, item.sourcePath));
    await writeTargets(source, 30, 35);
    const store = new FolderBlobStore(join(dir, "lm"));
    // Act
    const { manifest, shards } = await updateLibrary({ source, store, workers: 2 });
    // Assess: every item has its companion where the shape stage looks, and the totals are exact.
    expect(shards).toEqual({ kept: 3, rewritten: 1, added: 1, dropped: 0 });
    for (const shard of manifest.shards) for (let k = 0; k < shard.count; k++) expect(await store.exists(shapeCompanionKey(shard.key, k))).toBe(true);
    const fresh = await indexLibrary({ source, name: "lm", store: new FolderBlobStore(join(dir, "fresh")), shardSize: 8, workers: 2, withShape: true });
    expect(await readShapeLibraryInfo(store, manifest.buildId)).toEqual(await readShapeLibraryInfo(new FolderBlobStore(join(dir, "fresh")), fresh.buildId));
    expect((await readShapeLibraryInfo(store, manifest.buildId))?.targets).toBe(33);
  });
});

describe("retention, with indexing too", () => {
  it("a re-index keeps the version it replaced for the retention period, and a killed run's build goes at once", async () => {
    const dir = await tempDir("cds-retention-");
    const source = join(dir, "source");
    await writeTargets(source, 0, 6);
    const library = join(dir, "lm");
    const T0 = new Date("2025-03-01T00:00:00Z");
    const first = await indexLibrary({ source, name: "lm", store: new FolderBlobStore(library), shardSize: 3, workers: 1, now: T0 });
    await mkdir(join(library, "data", "killed", "00"), { recursive: true });
    await writeFile(join(library, "data", "killed", "build.json"), "{}");
    const second = await indexLibrary({ source, name: "lm", store: new FolderBlobStore(library), shardSize: 3, workers: 1, now: new Date(T0.getTime() + HOUR) });
    expect(await buildFolders(library)).toEqual([first.buildId, second.buildId].sort());
    await expectShardsReadable(new FolderBlobStore(library), await readManifest(new FolderBlobStore(library), first.buildId));
    await pruneLibraryBuilds(new FolderBlobStore(library), { now: new Date(T0.getTime() + HOUR + SUPERSEDED_VERSION_RETENTION_MS) });
    expect(await buildFolders(library)).toEqual([second.buildId]);
  });

  it("a library written before builds kept their own descriptor: its version stays readable after an update replaces it", async () => {
    const dir = await tempDir("cds-retention-legacy-");
    const source = join(dir, "source");
    await writeTargets(source, 0, 6);
    const library = join(dir, "lm");
    const store = new FolderBlobStore(library);
    const before = await indexLibrary({ source, name: "lm", store, shardSize: 3, workers: 1 });
    await rm(join(library, "data", before.buildId, "descriptor.json"));
    await writeTargets(source, 6, 8);
    // Act
    const { manifest } = await updateLibrary({ source, store, workers: 1 });
    // Assess
    expect(manifest.version).toBe(2);
    const old = await readManifest(store, before.buildId);
    expect(old.count).toBe(6);
    await expectShardsReadable(store, old);
  });

  it("plans: each build is superseded when the next one became current; unfinished and never-current builds go", () => {
    const at = (h: number) => new Date(Date.UTC(2025, 2, 1, h)).toISOString();
    const builds = [
      { buildId: "v1", createdAt: at(0) },
      { buildId: "v2", createdAt: at(10) },
      { buildId: "killed" },
      { buildId: "v3", createdAt: at(30) },
      { buildId: "later", createdAt: at(31) },
    ];
    const now = Date.parse(at(33));
    // v1 was superseded at hour 10 (23 h before): kept; v2 at hour 30: kept.
    expect(planRetention("v3", builds, now)).toEqual({
      keep: [{ buildId: "v3" }, { buildId: "v2", supersededAt: at(30) }, { buildId: "v1", supersededAt: at(10) }],
      drop: ["killed", "later"],
    });
    // Two hours on, v1's day is over.
    expect(planRetention("v3", builds, now + 2 * HOUR).keep.map((k) => k.buildId)).toEqual(["v3", "v2"]);
  });
});

describe.skipIf(!hasSharedCdm)("updating a library of real LM CDMs", () => {
  it("scores exactly as a fresh index of the same files after adding copies and removing one", async () => {
    // Prepare: the 4 real LM targets, twice under different names; 2 copies more arrive, 1 goes.
    const dir = await tempDir("cds-update-real-");
    const source = join(dir, "source");
    await mkdir(source);
    const lms = (await readdir(cdsearch("lms"))).filter((f) => f.endsWith(".tif")).sort();
    const copy = (k: number) => copyFile(cdsearch(join("lms", lms[k % lms.length])), join(source, `copy${k}-${lms[k % lms.length]}`));
    for (let k = 0; k < 8; k++) await copy(k);
    const library = join(dir, "lm");
    const before = await indexLibrary({ source, name: "real", store: new FolderBlobStore(library), shardSize: 3, workers: 2 });
    await copy(8);
    await copy(9);
    await rm(join(source, before.items[0].sourcePath));
    // Act
    const { manifest, shards } = await updateLibrary({ source, store: new FolderBlobStore(library), workers: 2 });
    // Assess
    expect(manifest.count).toBe(9);
    expect(shards).toEqual({ kept: 2, rewritten: 1, added: 1, dropped: 0 });
    const fresh = await indexLibrary({ source, name: "real", store: new FolderBlobStore(join(dir, "fresh")), shardSize: 3, workers: 2 });
    const mask = await decodeImageFile(cdsearch(EM_12191));
    const params = parseSearchParams({});
    const scores = async (root: string, m: LibraryManifest) =>
      Object.fromEntries((await runLocalSearch({ mask, params, library: { kind: "indexed", root, manifest: m }, keepAll: true, workers: 2 })).matches.map((t) => [t.item.sourcePath, [t.matchingPixels, t.matchingRatio, t.mirrored]]));
    const updated = await scores(library, manifest);
    expect(Object.keys(updated)).toHaveLength(9);
    expect(updated).toEqual(await scores(join(dir, "fresh"), fresh));
    expect(Object.values(updated).some(([pixels]) => (pixels as number) > 400)).toBe(true);
  });
});
