// Which builds of a library stay, and removing the rest: after every index and update.
import {
  buildDescriptorKey,
  type LibraryDescriptor,
  LibraryFormatError,
  readDescriptor,
  readShardPage,
  SUPERSEDED_VERSION_RETENTION_MS,
} from "@cds/core/library";
import type { BlobStore } from "@cds/core/ports";

/** One version of a library that is still readable. */
export interface LibraryVersion {
  version: number;
  buildId: string;
  createdAt: string;
  count: number;
  /** The build it was updated from (absent for an index). */
  basedOn?: string;
  /** When the next version replaced it (absent for the current one). */
  supersededAt?: string;
}

/** A build as retention sees it: when it was made current, if it ever had a descriptor. */
export interface BuildFacts {
  buildId: string;
  /** From its own descriptor; absent for a run that never finished. */
  createdAt?: string;
}

/**
 * Which builds a library keeps (pure; `pruneLibraryBuilds` does the I/O): the current one, and
 * each build that was current until less than `retentionMs` before `now`. A build is superseded
 * by the next descriptor that became current after it, whether that came from an update or a
 * re-index, since a search accepted on it reads it either way. Builds without a descriptor are
 * killed runs, and builds newer than the current one never became current: both go.
 *
 * @example
 * planRetention("b3", [{ buildId: "b1", createdAt: "…" }, { buildId: "b2" }, { buildId: "b3", createdAt: "…" }], Date.now())
 * // { keep: [{ buildId: "b3", … }, { buildId: "b1", supersededAt: "…" }], drop: ["b2"] }
 */
export function planRetention(
  current: string,
  builds: BuildFacts[],
  now: number,
  retentionMs = SUPERSEDED_VERSION_RETENTION_MS,
): { keep: { buildId: string; supersededAt?: string }[]; drop: string[] } {
  const currentAt = builds.find((b) => b.buildId === current)?.createdAt;
  // Became current at some point: a finished build no later than the current one (ISO times sort as text).
  const wasCurrent = builds
    .filter((b): b is Required<BuildFacts> => b.createdAt !== undefined && (currentAt === undefined || b.createdAt <= currentAt))
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  const keep: { buildId: string; supersededAt?: string }[] = [{ buildId: current }];
  let next = builds.find((b) => b.buildId === current);
  for (const build of wasCurrent) {
    if (build.buildId === current) continue;
    const supersededAt = next?.createdAt ?? currentAt;
    next = build;
    if (supersededAt !== undefined && now - Date.parse(supersededAt) < retentionMs) keep.push({ buildId: build.buildId, supersededAt });
  }
  const kept = new Set(keep.map((k) => k.buildId));
  return { keep, drop: builds.map((b) => b.buildId).filter((id) => !kept.has(id)) };
}

/**
 * The library's readable versions, newest first: the current one and those superseded within the
 * retention period (see {@link planRetention}).
 *
 * @example
 * const [current, ...older] = await libraryVersions(new FolderBlobStore("cds-data/libraries/lm"));
 */
export async function libraryVersions(store: BlobStore, options: { now?: Date } = {}): Promise<LibraryVersion[]> {
  const { descriptors, plan } = await surveyBuilds(store, options.now);
  return plan.keep.map(({ buildId, supersededAt }) => {
    const d = descriptors.get(buildId)!;
    return {
      version: d.version ?? 1,
      buildId,
      createdAt: d.createdAt,
      count: d.count,
      ...(d.basedOn !== undefined ? { basedOn: d.basedOn } : {}),
      ...(supersededAt !== undefined ? { supersededAt } : {}),
    };
  });
}

/** What a prune removed. */
export interface PruneReport {
  /** Builds whose every object went. */
  removed: string[];
  /** Builds removed except the shards (and their shape data) that a kept version still reads. */
  thinned: string[];
  kept: string[];
}

/**
 * Removes the builds a library no longer keeps (see {@link planRetention}), except the objects
 * a kept version still reads: an updated version lists the shards it kept, with their shape
 * data, under the older builds' prefixes.
 *
 * @example
 * await pruneLibraryBuilds(store); // after writing a new version
 * await pruneLibraryBuilds(store, { now: new Date(Date.now() + 2 * 86_400_000) }); // as if two days later
 */
export async function pruneLibraryBuilds(store: BlobStore, options: { now?: Date } = {}): Promise<PruneReport> {
  const { descriptors, keysByBuild, plan } = await surveyBuilds(store, options.now);
  const readByKept = new Set<string>();
  for (const { buildId } of plan.keep) {
    const d = descriptors.get(buildId)!;
    const pages = await Promise.all(d.pages.map((page, p) => readShardPage(store, buildId, p, page.crc32)));
    for (const entry of pages.flat()) readByKept.add(shardStem(entry.key));
  }
  const report: PruneReport = { removed: [], thinned: [], kept: plan.keep.map((k) => k.buildId) };
  for (const buildId of plan.drop) {
    const prefix = `data/${buildId}/`;
    const keys = keysByBuild.get(buildId) ?? [];
    const stillRead = (key: string) => {
      const stem = stemOfKey(key);
      return stem !== undefined && readByKept.has(stem);
    };
    if (!keys.some(stillRead)) {
      await store.deletePrefix(prefix);
      report.removed.push(buildId);
      continue;
    }
    await removeAllBut(store, prefix, keys, stillRead);
    report.thinned.push(buildId);
  }
  return report;
}

/**
 * Deletes the keys under `prefix` that are not `kept`: whole sub-folders where none is kept
 * (one call each), else shard by shard. Its descriptor goes first, so an interrupted prune
 * leaves a build the next one treats as unfinished, never one that looks readable.
 */
async function removeAllBut(store: BlobStore, prefix: string, keys: string[], kept: (key: string) => boolean): Promise<void> {
  const descriptorKey = keys.find((k) => k.endsWith("/descriptor.json") && k.split("/").length === 3);
  if (descriptorKey) await store.deletePrefix(descriptorKey);
  const folders = new Map<string, string[]>();
  for (const key of keys) {
    if (key === descriptorKey) continue;
    const rest = key.slice(prefix.length);
    const slash = rest.indexOf("/");
    if (slash < 0) {
      await store.deletePrefix(key);
      continue;
    }
    const folder = prefix + rest.slice(0, slash + 1);
    folders.set(folder, [...(folders.get(folder) ?? []), key]);
  }
  for (const [folder, inFolder] of folders) {
    if (!inFolder.some(kept)) {
      await store.deletePrefix(folder);
      continue;
    }
    const stems = new Set<string>();
    for (const key of inFolder) {
      if (kept(key)) continue;
      const stem = stemOfKey(key);
      if (stem === undefined) await store.deletePrefix(key);
      else stems.add(stem);
    }
    for (const stem of stems) {
      await store.deletePrefix(`${stem}.shape/`);
      await store.deletePrefix(`${stem}.bin`);
    }
  }
}

/** The current descriptor, every build's facts, their keys, and the retention plan. */
async function surveyBuilds(store: BlobStore, now = new Date()) {
  const current = await readDescriptor(store);
  const keysByBuild = new Map<string, string[]>();
  for await (const key of store.list("data/")) {
    const id = key.split("/")[1];
    if (!id) continue;
    const keys = keysByBuild.get(id);
    if (keys) keys.push(key);
    else keysByBuild.set(id, [key]);
  }
  const descriptors = new Map<string, LibraryDescriptor>([[current.buildId, current]]);
  for (const id of keysByBuild.keys()) {
    if (id === current.buildId || !keysByBuild.get(id)!.includes(buildDescriptorKey(id))) continue;
    try {
      descriptors.set(id, await readDescriptor(store, id));
    } catch (error) {
      // A damaged descriptor cannot be read by a search either: the build goes as unfinished.
      if (!(error instanceof LibraryFormatError)) throw error;
    }
  }
  const builds: BuildFacts[] = [...new Set([current.buildId, ...keysByBuild.keys()])].map((buildId) => ({
    buildId,
    ...(descriptors.has(buildId) ? { createdAt: descriptors.get(buildId)!.createdAt } : {}),
  }));
  return { descriptors, keysByBuild, plan: planRetention(current.buildId, builds, now.getTime()) };
}

/** `data/b1/05/shard-000037.bin` → `data/b1/05/shard-000037`: the shard and its shape data share it. */
function shardStem(shardKey: string): string {
  return shardKey.replace(/\.bin$/, "");
}

/** The shard stem a key belongs to (the shard itself or one of its shape companions), if any. */
function stemOfKey(key: string): string | undefined {
  return /^(data\/[^/]+\/\d+\/shard-\d+)\.(bin$|shape\/)/.exec(key)?.[1];
}
