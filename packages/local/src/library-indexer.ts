import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { CdsError } from "@cds/core";
import { readImageHeader } from "@cds/core/image";
import {
  buildDescriptorKey,
  type BuiltShard,
  type ItemMetadata,
  metadataFor,
  type MetadataTable,
  chunks,
  checksumOf,
  LIBRARY_FORMAT_VERSION,
  type LibraryDescriptor,
  LibraryFormatError,
  type LibraryManifest,
  MANIFEST_KEY,
  readDescriptor,
  shardKey,
  type ShardEntry,
  shuffled,
  writeLibraryFiles,
} from "@cds/core/library";
import type { BlobStore } from "@cds/core/ports";
import { CDM_HEIGHT, CDM_WIDTH, type SyntheticLibrarySpec } from "@cds/synthetic";
import { pruneLibraryBuilds } from "./library-retention.ts";
import { listLibrarySource } from "./library-source.ts";
import type { BuiltIndexShard, IndexTask } from "./index-worker.ts";
import { ShapeDataWriter } from "./shape-companions.ts";
import { WorkerPool } from "./worker-pool.ts";

export interface IndexProgress {
  done: number;
  total: number;
  skipped: number;
}

export interface IndexOptions {
  /** A folder of CDM images or a NeuronBridge `searchable_neurons` layout. */
  source: string;
  name: string;
  store: BlobStore;
  /** Targets per shard object (default 100). */
  shardSize?: number;
  /** Worker threads (default: one per core). */
  workers?: number;
  /** Shuffle seed (default: the library name). */
  seed?: string;
  /** Metadata given for targets by name or source path (`cds library index --metadata`); laid over what the names say. */
  metadata?: MetadataTable;
  /** Also store each target's shape data (gradient, zgap, signal) for `--rank shape`. */
  withShape?: boolean;
  onProgress?: (progress: IndexProgress) => void;
  /** The clock, for tests: the new version's createdAt and the retention of superseded ones (default: now). */
  now?: Date;
}

/** Indexing could not produce a library (e.g. no image of the source was readable). */
export class LibraryIndexError extends CdsError {
  override name = "LibraryIndexError";
}

/**
 * Indexes a source into a search-ready library on all cores. Shards go under a fresh build
 * prefix and the manifest is written last, so an interrupted run leaves the previous library
 * (or none) in place, never a half-written one. Once the new manifest is in place, older
 * builds go, except versions superseded within `SUPERSEDED_VERSION_RETENTION_MS` (searches
 * in flight finish on them; see `pruneLibraryBuilds`).
 *
 * @example
 * const manifest = await indexLibrary({ source: "/data/lm", name: "lm", store: new FolderBlobStore("libs/lm") });
 */
export async function indexLibrary(options: IndexOptions): Promise<LibraryManifest> {
  const source = await listLibrarySource(options.source);
  const size = await commonImageSize(source.images);
  const order = shuffled(source.images, options.seed ?? options.name);
  const table = options.metadata;
  const withMetadata = table ? order.map((f) => ({ ...f, metadata: metadataFor(f.sourcePath, table) })) : order;
  const tasks: IndexTask[] = chunks(withMetadata, options.shardSize ?? 100).map((files) => ({ kind: "files", files, ...size, withShape: options.withShape }));
  return writeLibrary(options, tasks, {
    size,
    source: { location: options.source, layout: source.layout },
    missing: source.missing,
    shuffleSeed: options.seed ?? options.name,
  });
}

export interface SyntheticIndexOptions extends Omit<IndexOptions, "source" | "seed"> {
  spec: SyntheticLibrarySpec;
}

/**
 * Generates a synthetic library straight into the index format (no image files), each worker
 * regenerating its own shards from the spec. Used by the demo and the benchmark.
 *
 * @example
 * await indexSyntheticLibrary({ name: "syn", store, spec: { seed: "s", count: 50_000, masks: 3, plantedPerMask: 2 } });
 */
export async function indexSyntheticLibrary(options: SyntheticIndexOptions): Promise<LibraryManifest> {
  const size = { width: CDM_WIDTH, height: CDM_HEIGHT };
  const shardSize = options.shardSize ?? 100;
  const tasks: IndexTask[] = Array.from({ length: Math.ceil(options.spec.count / shardSize) }, (_, s) => ({
    kind: "synthetic",
    spec: options.spec,
    start: s * shardSize,
    end: Math.min(options.spec.count, (s + 1) * shardSize),
    ...size,
    withShape: options.withShape,
  }));
  return writeLibrary(options, tasks, {
    size,
    source: { location: `synthetic:${JSON.stringify(options.spec)}`, layout: "folder" },
    missing: [],
    shuffleSeed: String(options.spec.seed),
  });
}

async function writeLibrary(
  options: Omit<IndexOptions, "source" | "seed">,
  tasks: IndexTask[],
  about: {
    size: { width: number; height: number };
    source: LibraryManifest["source"];
    missing: LibraryManifest["skipped"];
    shuffleSeed: string;
  },
): Promise<LibraryManifest> {
  const { store, name } = options;
  const buildId = await startBuild(store, name);
  const total = tasks.reduce((n, t) => n + (t.kind === "files" ? t.files.length : t.end - t.start), 0);
  const shape = options.withShape ? new ShapeDataWriter(store) : undefined;
  const built = await buildShards(store, buildId, tasks, { workers: options.workers, onProgress: options.onProgress, shape });
  const { shards, items } = assembleShards(built);
  const skipped = sortedSkips([...about.missing, ...built.flatMap((b) => b.result.skipped)]);
  if (items.length === 0) {
    await store.deletePrefix(`data/${buildId}/`);
    throw new LibraryIndexError(
      `none of the ${total} images of ${about.source.location} could be indexed; the first problem: ${describeSkip(skipped[0])}`,
    );
  }
  const manifest: LibraryManifest = {
    formatVersion: LIBRARY_FORMAT_VERSION,
    name,
    width: about.size.width,
    height: about.size.height,
    count: items.length,
    shards,
    items,
    source: about.source,
    skipped,
    createdAt: (options.now ?? new Date()).toISOString(),
    shuffleSeed: about.shuffleSeed,
    buildId,
  };
  // The shape companions first: a descriptor never points at a build without them.
  await shape?.finish(buildId);
  return commitLibrary(store, manifest, options.now);
}

/**
 * Opens a fresh build prefix and returns its id. Its marker is written first, so that a run
 * killed before its first shard lands still leaves an object there for the next run's
 * clean-up to find.
 */
export async function startBuild(store: BlobStore, name: string): Promise<string> {
  const buildId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  await store.put(`data/${buildId}/build.json`, new TextEncoder().encode(JSON.stringify({ name, startedAt: new Date().toISOString() })));
  return buildId;
}

/** What one written shard of a build added to the library's shape data (see {@link ShapeLibraryInfo}). */
export interface ShapeTotals {
  targets: number;
  bytes: number;
  gradientFiles: number;
  zgapFiles: number;
}

/** A shard built and written under its key (nothing written when every image was skipped: `result.bytes` is null). */
export interface WrittenShard {
  key: string;
  result: BuiltShard;
  /** Its shape data, with `--with-shape`. */
  shape?: ShapeTotals;
}

/**
 * Builds `tasks` on a worker pool and writes each shard as `shardKey(buildId, s)` (`s` its
 * task's position), with its shape companions when `shape` is given. On failure the whole
 * build prefix goes, so a failed run leaves nothing a reader or the next run must look at.
 */
export async function buildShards(
  store: BlobStore,
  buildId: string,
  tasks: IndexTask[],
  options: { workers?: number; onProgress?: (progress: IndexProgress) => void; shape?: ShapeDataWriter },
): Promise<WrittenShard[]> {
  const total = tasks.reduce((n, t) => n + (t.kind === "files" ? t.files.length : t.end - t.start), 0);
  const progress: IndexProgress = { done: 0, total, skipped: 0 };
  if (tasks.length === 0) return [];
  const pool = new WorkerPool<IndexTask, BuiltIndexShard, number>(
    new URL("./index-worker.ts", import.meta.url),
    Math.min(options.workers ?? availableParallelism(), tasks.length),
  );
  try {
    return await Promise.all(
      tasks.map(async (task, s) => {
        const result = await pool.run(task, {
          onProgress: (n) => {
            progress.done += n;
            options.onProgress?.(progress);
          },
        });
        const key = shardKey(buildId, s);
        if (result.bytes) await store.put(key, result.bytes);
        let shape: ShapeTotals | undefined;
        if (result.shape && options.shape) {
          await options.shape.put(key, result.shape);
          const { companions, gradientFiles, zgapFiles } = result.shape;
          shape = { targets: companions.length, bytes: companions.reduce((n, c) => n + c.length, 0), gradientFiles, zgapFiles };
        }
        delete result.shape; // written: let the collector have the bytes
        progress.skipped += result.skipped.length;
        options.onProgress?.(progress);
        return { key, result, ...(shape ? { shape } : {}) };
      }),
    );
  } catch (error) {
    await store.deletePrefix(`data/${buildId}/`);
    throw error;
  } finally {
    await pool.close();
  }
}

/** The shard entries and items of written shards, in order (shards whose every image was skipped left out). */
export function assembleShards(written: WrittenShard[], after: { shards: ShardEntry[]; items: ItemMetadata[] } = { shards: [], items: [] }) {
  const shards = after.shards.slice();
  const items = after.items.slice();
  for (const { key, result } of written) {
    if (!result.bytes) continue;
    shards.push({ key, start: items.length, count: result.items.length, bytes: result.bytes.length, crc32: checksumOf(result.bytes) });
    items.push(...result.items);
  }
  return { shards, items };
}

/** Skipped images in path order, as the report lists them. */
export function sortedSkips(skips: LibraryManifest["skipped"]): LibraryManifest["skipped"] {
  return skips.slice().sort((a, b) => (a.sourcePath < b.sourcePath ? -1 : a.sourcePath > b.sourcePath ? 1 : 0));
}

/**
 * Makes a written build the library's current version (its pages, items and descriptor, the
 * descriptor last), then removes what no kept version needs any more (see `pruneLibraryBuilds`).
 */
export async function commitLibrary(store: BlobStore, manifest: LibraryManifest, now?: Date): Promise<LibraryManifest> {
  await keepSupersededReadable(store);
  await writeLibraryFiles(store, manifest);
  await pruneLibraryBuilds(store, { now });
  return manifest;
}

/**
 * A library written before each build kept its own descriptor has only `manifest.json`: copied
 * into its build before a new version replaces it, so searches accepted on it still read it.
 */
async function keepSupersededReadable(store: BlobStore): Promise<void> {
  let current: LibraryDescriptor;
  try {
    current = await readDescriptor(store);
  } catch (error) {
    // No library yet, or one no search can read: nothing to keep readable.
    if (error instanceof LibraryFormatError) return;
    throw error;
  }
  const key = buildDescriptorKey(current.buildId);
  if (!(await store.exists(key))) await store.put(key, await store.get(MANIFEST_KEY));
}

/**
 * The library's image size: the most common size among up to 32 images spread over the
 * source (ties: the first in path order), so that one odd image sorting first cannot make the
 * rest look wrong.
 */
export async function commonImageSize(images: { sourcePath: string; absolutePath: string }[]): Promise<{ width: number; height: number }> {
  const sampleSize = Math.min(32, images.length);
  const sample = Array.from({ length: sampleSize }, (_, i) => images[Math.floor((i * images.length) / sampleSize)]);
  const counts = new Map<string, { width: number; height: number; n: number }>();
  let firstProblem: { sourcePath: string; reason: string } | undefined;
  const sizeOf = async (image: { sourcePath: string; absolutePath: string }) => {
    try {
      return readImageHeader(new Uint8Array(await readFile(image.absolutePath)), { name: image.sourcePath });
    } catch (error) {
      firstProblem ??= { sourcePath: image.sourcePath, reason: error instanceof Error ? error.message : String(error) };
      return undefined;
    }
  };
  for (const image of sample) {
    const size = await sizeOf(image);
    if (!size) continue;
    const entry = counts.get(`${size.width}x${size.height}`) ?? { width: size.width, height: size.height, n: 0 };
    entry.n++;
    counts.set(`${size.width}x${size.height}`, entry);
  }
  // None of the sample is readable: any readable image will do.
  if (counts.size === 0) {
    for (const image of images) {
      const size = await sizeOf(image);
      if (size) return { width: size.width, height: size.height };
    }
  }
  let best: { width: number; height: number; n: number } | undefined;
  for (const entry of counts.values()) if (!best || entry.n > best.n) best = entry;
  if (best) return { width: best.width, height: best.height };
  throw new LibraryIndexError(`none of the ${images.length} images could be read; the first problem: ${describeSkip(firstProblem)}`);
}

/** A skipped image for a message: its path, then the reason unless the reason names it already. */
export function describeSkip(skip: { sourcePath: string; reason: string } | undefined): string {
  if (!skip) return "unknown";
  return skip.reason.includes(skip.sourcePath) ? skip.reason : `${skip.sourcePath}: ${skip.reason}`;
}
