import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import {
  type BlobStore,
  type BuiltShard,
  CdsError,
  chunks,
  LIBRARY_FORMAT_VERSION,
  type LibraryManifest,
  MANIFEST_KEY,
  readImageHeader,
  shardKey,
  type ShardEntry,
  shuffled,
  CDM_HEIGHT,
  CDM_WIDTH,
  type SyntheticLibrarySpec,
} from "@cds/core";
import { listLibrarySource } from "./library-source.ts";
import type { IndexTask } from "./index-worker.ts";
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
  onProgress?: (progress: IndexProgress) => void;
}

/** Indexing could not produce a library (e.g. no image of the source was readable). */
export class LibraryIndexError extends CdsError {
  override name = "LibraryIndexError";
}

/**
 * Indexes a source into a search-ready library on all cores. Shards go under a fresh build
 * prefix and the manifest is written last, so an interrupted run leaves the previous library
 * (or none) in place, never a half-written one; older builds are removed after the new
 * manifest is in place.
 *
 * @example
 * const manifest = await indexLibrary({ source: "/data/lm", name: "lm", store: new FolderBlobStore("libs/lm") });
 */
export async function indexLibrary(options: IndexOptions): Promise<LibraryManifest> {
  const source = await listLibrarySource(options.source);
  const size = await librarySize(source.images);
  const order = shuffled(source.images, options.seed ?? options.name);
  const tasks: IndexTask[] = chunks(order, options.shardSize ?? 100).map((files) => ({ kind: "files", files, ...size }));
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
  const buildId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const total = tasks.reduce((n, t) => n + (t.kind === "files" ? t.files.length : t.end - t.start), 0);
  const progress: IndexProgress = { done: 0, total, skipped: 0 };
  const pool = new WorkerPool<IndexTask, BuiltShard, number>(
    new URL("./index-worker.ts", import.meta.url),
    Math.min(options.workers ?? availableParallelism(), tasks.length),
  );
  let built: { key: string; result: BuiltShard }[];
  try {
    built = await Promise.all(
      tasks.map(async (task, s) => {
        const result = await pool.run(task, {
          onProgress: (n) => {
            progress.done += n;
            options.onProgress?.(progress);
          },
        });
        const key = shardKey(buildId, s);
        if (result.bytes) await store.put(key, result.bytes);
        progress.skipped += result.skipped.length;
        options.onProgress?.(progress);
        return { key, result };
      }),
    );
  } catch (error) {
    await store.deletePrefix(`data/${buildId}/`);
    throw error;
  } finally {
    await pool.close();
  }

  const shards: ShardEntry[] = [];
  const items: LibraryManifest["items"] = [];
  for (const { key, result } of built) {
    if (!result.bytes) continue;
    shards.push({ key, start: items.length, count: result.items.length, bytes: result.bytes.length });
    items.push(...result.items);
  }
  const skipped = [...about.missing, ...built.flatMap((b) => b.result.skipped)].sort((a, b) =>
    a.sourcePath < b.sourcePath ? -1 : 1,
  );
  if (items.length === 0) {
    await store.deletePrefix(`data/${buildId}/`);
    throw new LibraryIndexError(
      `none of the ${total} images of ${about.source.location} could be indexed; the first problem: ${skipped[0]?.sourcePath} ${skipped[0]?.reason}`,
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
    createdAt: new Date().toISOString(),
    shuffleSeed: about.shuffleSeed,
    buildId,
  };
  await store.put(MANIFEST_KEY, new TextEncoder().encode(JSON.stringify(manifest)));
  await removeOtherBuilds(store, buildId);
  return manifest;
}

/** The library's image size: that of the first readable image in path order. */
async function librarySize(images: { sourcePath: string; absolutePath: string }[]): Promise<{ width: number; height: number }> {
  let firstProblem = "";
  for (const image of images) {
    try {
      const { width, height } = readImageHeader(new Uint8Array(await readFile(image.absolutePath)), { name: image.sourcePath });
      return { width, height };
    } catch (error) {
      firstProblem ||= error instanceof Error ? error.message : String(error);
    }
  }
  throw new LibraryIndexError(`none of the ${images.length} images could be read; the first problem: ${firstProblem}`);
}

async function removeOtherBuilds(store: BlobStore, keep: string): Promise<void> {
  const builds = new Set<string>();
  for await (const key of store.list("data/")) {
    const id = key.split("/")[1];
    if (id && id !== keep) builds.add(id);
  }
  for (const id of builds) await store.deletePrefix(`data/${id}/`);
}
