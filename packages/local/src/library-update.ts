// `cds library update`: a library's next version from its source as it is now, reusing the shards that did not change.
import { CdsError } from "@cds/core";
import {
  chunks,
  type ItemMetadata,
  LIBRARY_FORMAT_VERSION,
  type LibraryManifest,
  MANIFEST_KEY,
  metadataFor,
  type MetadataTable,
  readDescriptor,
  readManifest,
  type ShardEntry,
  shuffled,
} from "@cds/core/library";
import type { BlobStore } from "@cds/core/ports";
import {
  decodeShapeCompanion,
  readShapeLibraryInfo,
  shapeCompanionKey,
  shapeInfoKey,
  type ShapeLibraryInfo,
} from "@cds/core/shape";
import type { IndexTask } from "./index-worker.ts";
import {
  assembleShards,
  buildShards,
  commitLibrary,
  describeSkip,
  type IndexProgress,
  type ShapeTotals,
  sortedSkips,
  startBuild,
  type WrittenShard,
} from "./library-indexer.ts";
import { pruneLibraryBuilds } from "./library-retention.ts";
import { listLibrarySource, type SourceImage } from "./library-source.ts";
import { ShapeDataWriter } from "./shape-companions.ts";

export interface UpdateOptions {
  /** The library's source as it is now: a folder of CDM images or a NeuronBridge layout, as indexed. */
  source: string;
  /** Where the library is; it must hold one. */
  store: BlobStore;
  /** Worker threads (default: one per core). */
  workers?: number;
  /** Metadata for the new images, as `cds library index --metadata` takes it; kept items keep theirs. */
  metadata?: MetadataTable;
  onProgress?: (progress: IndexProgress) => void;
  /** The clock, for tests: the new version's createdAt and the retention of superseded ones. */
  now?: Date;
}

/** What an update did. */
export interface LibraryUpdateResult {
  /** "unchanged": the source holds exactly the library's images (and no new readable one); nothing was written. */
  outcome: "updated" | "unchanged";
  /** The library's current version after the update. */
  manifest: LibraryManifest;
  previous: { version: number; buildId: string; count: number };
  /** Images indexed that the previous version did not hold. */
  added: number;
  /** Items of the previous version whose image is no longer in the source. */
  removed: number;
  shards: { kept: number; rewritten: number; added: number; dropped: number };
  /** Bytes of the shards written (the kept ones are not). */
  bytesWritten: number;
}

/** An update could not be made (no library there, another source layout, nothing left to index). */
export class LibraryUpdateError extends CdsError {
  override name = "LibraryUpdateError";
}

/** A shard of the next version: one of the previous version's, kept as it is or rebuilt from the items that remain. */
export type PlannedShard = { kind: "kept"; entry: ShardEntry; items: ItemMetadata[] } | { kind: "rewrite"; entry: ShardEntry; items: ItemMetadata[] };

/** How the next version is made from the previous one (see {@link planLibraryUpdate}). */
export interface UpdatePlan {
  /** In the previous version's order. */
  shards: PlannedShard[];
  /** Previous shards none of whose items remain. */
  dropped: ShardEntry[];
  /** Items whose image the source no longer holds. */
  vanished: ItemMetadata[];
  /** Source paths of the new images, shuffled, one list per new shard. */
  added: string[][];
}

/**
 * Plans an update (pure). An image is identified by its source path: the same path is the same
 * image, so a file replaced in place under its old name is not noticed (re-index for that).
 * Images of the source the library does not hold are new, the ones it skipped last time too,
 * so they are tried again.
 *
 * @example
 * const plan = planLibraryUpdate(manifest, source.images.map((i) => i.sourcePath), { shardSize: 100, seed: "lm:v2" });
 */
export function planLibraryUpdate(
  library: Pick<LibraryManifest, "shards" | "items">,
  sourcePaths: readonly string[],
  options: { shardSize: number; seed: string },
): UpdatePlan {
  const inSource = new Set(sourcePaths);
  const inLibrary = new Set(library.items.map((i) => i.sourcePath));
  const plan: UpdatePlan = { shards: [], dropped: [], vanished: [], added: [] };
  for (const entry of library.shards) {
    const items = library.items.slice(entry.start, entry.start + entry.count);
    const remaining = items.filter((i) => inSource.has(i.sourcePath));
    plan.vanished.push(...items.filter((i) => !inSource.has(i.sourcePath)));
    if (remaining.length === items.length) plan.shards.push({ kind: "kept", entry, items });
    else if (remaining.length > 0) plan.shards.push({ kind: "rewrite", entry, items: remaining });
    else plan.dropped.push(entry);
  }
  const fresh = [...new Set(sourcePaths)].filter((p) => !inLibrary.has(p)).sort();
  plan.added = chunks(shuffled(fresh, options.seed), Math.max(1, options.shardSize));
  return plan;
}

/**
 * Makes the library's next version from its source as it is now. Shards that lost no item are
 * kept as they are — the new version lists them under their old keys, so they are neither
 * rebuilt nor written again; shards that lost items are rebuilt from the remaining items'
 * source files (with their recorded metadata, which may have come from a `--metadata` table);
 * new images go into new shards. Everything new lands under a fresh build prefix and the
 * descriptor is written last, so searches of the previous version finish on it (it is kept
 * for `SUPERSEDED_VERSION_RETENTION_MS`). A library with shape data gets it for the new
 * shards too, and an exact shape summary.
 *
 * @example
 * const { outcome, manifest, shards } = await updateLibrary({ source: "/data/lm", store: new FolderBlobStore("cds-data/libraries/lm") });
 */
export async function updateLibrary(options: UpdateOptions): Promise<LibraryUpdateResult> {
  const { store } = options;
  const { descriptor, previous, version, source } = await readUpdateInputs(options);
  const plan = planLibraryUpdate(previous, source.images.map((i) => i.sourcePath), {
    shardSize: descriptor.shardSize,
    seed: `${previous.shuffleSeed}:v${version}`,
  });
  const summary = { previous: { version: version - 1, buildId: previous.buildId, count: previous.count }, removed: plan.vanished.length };
  const unchanged = async (): Promise<LibraryUpdateResult> => {
    await pruneLibraryBuilds(store, { now: options.now });
    const kept = previous.shards.length;
    return { outcome: "unchanged", manifest: previous, ...summary, added: 0, removed: 0, shards: { kept, rewritten: 0, added: 0, dropped: 0 }, bytesWritten: 0 };
  };
  if (plan.vanished.length === 0 && plan.added.length === 0) return unchanged();

  const shapeBefore = await readShapeLibraryInfo(store, previous.buildId);
  const rewrites = plan.shards.filter((s) => s.kind === "rewrite");
  const buildId = await startBuild(store, previous.name);
  const written = await buildShards(store, buildId, updateTasks(plan, rewrites, source.images, previous, shapeBefore !== undefined, options.metadata), {
    workers: options.workers,
    onProgress: options.onProgress,
    shape: shapeBefore ? new ShapeDataWriter(store) : undefined,
  });
  const rebuilt = new Map(rewrites.map((s, r) => [s.entry.key, written[r]]));
  const fresh = written.slice(rewrites.length);
  const before = listedBeforeFresh(plan, rebuilt);
  const all = assembleShards(fresh, before);
  const added = all.items.length - before.items.length;
  const skipped = sortedSkips([...source.missing, ...written.flatMap((w) => w.result.skipped)]);
  if (plan.vanished.length === 0 && added === 0) {
    // Only images skipped before (or failing now) were new: the library would be the same.
    await store.deletePrefix(`data/${buildId}/`);
    return unchanged();
  }
  if (all.items.length === 0) {
    await store.deletePrefix(`data/${buildId}/`);
    throw new LibraryUpdateError(
      `the update would leave the library at ${store.location} empty: ${options.source} holds none of its ${previous.count} images` +
        (skipped.length > 0 ? ` and none of its new ones could be indexed (the first problem: ${describeSkip(skipped[0])})` : "") +
        `; check the source, or index it anew with \`cds library index --force\``,
    );
  }

  if (shapeBefore) {
    const replaced = [...rewrites.map((s) => s.entry), ...plan.dropped];
    await store.put(shapeInfoKey(buildId), new TextEncoder().encode(JSON.stringify(await shapeSummary(store, shapeBefore, replaced, written))));
  }
  const manifest: LibraryManifest = {
    formatVersion: LIBRARY_FORMAT_VERSION,
    name: previous.name,
    width: previous.width,
    height: previous.height,
    count: all.items.length,
    shards: all.shards,
    items: all.items,
    source: { location: options.source, layout: source.layout },
    skipped,
    createdAt: (options.now ?? new Date()).toISOString(),
    shuffleSeed: previous.shuffleSeed,
    buildId,
    version,
    basedOn: previous.buildId,
  };
  await commitLibrary(store, manifest, options.now);
  return { outcome: "updated", manifest, ...summary, added, shards: shardCounts(plan, rewrites, rebuilt, fresh), bytesWritten: written.reduce((n, w) => n + (w.result.bytes?.length ?? 0), 0) };
}

/** The library's current version and the source as it is now; refused when there is no library or the source's layout changed. */
async function readUpdateInputs(options: UpdateOptions) {
  const { store } = options;
  if (!(await store.exists(MANIFEST_KEY))) {
    throw new LibraryUpdateError(`there is no library at ${store.location} to update; index it first with \`cds library index\``);
  }
  const descriptor = await readDescriptor(store);
  const previous = await readManifest(store, descriptor.buildId);
  const version = (previous.version ?? 1) + 1;
  const source = await listLibrarySource(options.source);
  if (source.layout !== previous.source.layout) {
    throw new LibraryUpdateError(
      `${options.source} is a ${source.layout} source but the library at ${store.location} was indexed from a ${previous.source.layout} one (${previous.source.location}), ` +
        `so no image would keep its path; re-index it with \`cds library index --force\``,
    );
  }
  return { descriptor, previous, version, source };
}

/** The index tasks of an update: the rewritten shards first (with their items' recorded metadata), then one per new shard. */
function updateTasks(
  plan: UpdatePlan,
  rewrites: readonly PlannedShard[],
  sourceImages: readonly SourceImage[],
  previous: LibraryManifest,
  withShape: boolean,
  metadata: MetadataTable | undefined,
): IndexTask[] {
  const images = new Map<string, SourceImage>(sourceImages.map((i) => [i.sourcePath, i]));
  const size = { width: previous.width, height: previous.height };
  return [
    ...rewrites.map((s): IndexTask => ({ kind: "files", files: s.items.map((item) => ({ ...images.get(item.sourcePath)!, metadata: recordedMetadata(item) })), ...size, withShape })),
    ...plan.added.map((paths): IndexTask => ({
      kind: "files",
      files: paths.map((p) => ({ ...images.get(p)!, ...(metadata ? { metadata: metadataFor(p, metadata) } : {}) })),
      ...size,
      withShape,
    })),
  ];
}

/** The next version's shards and items ahead of the new ones: kept shards as they were, rewritten ones as rebuilt. */
function listedBeforeFresh(plan: UpdatePlan, rebuilt: ReadonlyMap<string, WrittenShard>): { shards: ShardEntry[]; items: ItemMetadata[] } {
  const shards: ShardEntry[] = [];
  const items: ItemMetadata[] = [];
  for (const planned of plan.shards) {
    if (planned.kind === "kept") {
      // Its bytes hold no library index (an item's index is its shard's start plus its place), so only the start moves.
      shards.push({ ...planned.entry, start: items.length });
      items.push(...planned.items);
      continue;
    }
    const assembled = assembleShards([rebuilt.get(planned.entry.key)!], { shards: [], items: [] });
    for (const entry of assembled.shards) shards.push({ ...entry, start: items.length });
    items.push(...assembled.items);
  }
  return { shards, items };
}

/** How many shards the update kept, rewrote, added and dropped (a rewrite left with no readable image counts as dropped). */
function shardCounts(plan: UpdatePlan, rewrites: readonly PlannedShard[], rebuilt: ReadonlyMap<string, WrittenShard>, fresh: readonly WrittenShard[]): LibraryUpdateResult["shards"] {
  const rebuiltShards = rewrites.filter((s) => rebuilt.get(s.entry.key)!.result.bytes !== null).length;
  return {
    kept: plan.shards.length - rewrites.length,
    rewritten: rebuiltShards,
    added: fresh.filter((w) => w.result.bytes !== null).length,
    dropped: plan.dropped.length + rewrites.length - rebuiltShards,
  };
}

/** An item's recorded metadata, to lay over what its name says when its shard is rebuilt (name and path are the file's). */
function recordedMetadata(item: ItemMetadata): Partial<Omit<ItemMetadata, "name" | "sourcePath">> {
  const { name: _name, sourcePath: _sourcePath, ...rest } = item;
  return rest;
}

/**
 * The new version's shape summary: the previous one, less the companions of the shards it no
 * longer lists (read back: a few hundred objects at most), plus those just written. The kept
 * shards' companions are counted in the previous summary already, so none of them is read.
 */
async function shapeSummary(store: BlobStore, before: ShapeLibraryInfo, replaced: ShardEntry[], written: WrittenShard[]): Promise<ShapeLibraryInfo> {
  const totals: ShapeTotals = { targets: before.targets, bytes: before.bytes, gradientFiles: before.gradientFiles, zgapFiles: before.zgapFiles };
  for (const entry of replaced) {
    const companions = await Promise.all(
      Array.from({ length: entry.count }, async (_, k) => {
        const key = shapeCompanionKey(entry.key, k);
        const bytes = await store.get(key);
        return { bytes: bytes.length, header: decodeShapeCompanion(bytes, key).header };
      }),
    );
    for (const c of companions) {
      totals.targets--;
      totals.bytes -= c.bytes;
      if (c.header.gradient === "file") totals.gradientFiles--;
      if (c.header.zgap === "file") totals.zgapFiles--;
    }
  }
  for (const w of written) {
    if (!w.shape) continue;
    totals.targets += w.shape.targets;
    totals.bytes += w.shape.bytes;
    totals.gradientFiles += w.shape.gradientFiles;
    totals.zgapFiles += w.shape.zgapFiles;
  }
  return { ...before, ...totals };
}
