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
  const { store, name } = options;
  const shardSize = options.shardSize ?? 100;
  const source = await listLibrarySource(options.source);
  const size = await librarySize(source.images);
  const order = shuffled(source.images, options.seed ?? name);
  const shardFiles = chunks(order, shardSize);
  const buildId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

  const progress: IndexProgress = { done: 0, total: order.length, skipped: 0 };
  const pool = new WorkerPool<IndexTask, BuiltShard, number>(
    new URL("./index-worker.ts", import.meta.url),
    Math.min(options.workers ?? availableParallelism(), shardFiles.length),
  );
  let built: { key: string; result: BuiltShard }[];
  try {
    built = await Promise.all(
      shardFiles.map(async (files, s) => {
        const result = await pool.run(
          { files, width: size.width, height: size.height },
          {
            onProgress: (n) => {
              progress.done += n;
              options.onProgress?.(progress);
            },
          },
        );
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
  const skipped = [...source.missing, ...built.flatMap((b) => b.result.skipped)].sort((a, b) =>
    a.sourcePath < b.sourcePath ? -1 : 1,
  );
  if (items.length === 0) {
    await store.deletePrefix(`data/${buildId}/`);
    throw new LibraryIndexError(
      `none of the ${order.length} images in ${options.source} could be indexed; the first problem: ${skipped[0]?.sourcePath} ${skipped[0]?.reason}`,
    );
  }
  const manifest: LibraryManifest = {
    formatVersion: LIBRARY_FORMAT_VERSION,
    name,
    width: size.width,
    height: size.height,
    count: items.length,
    shards,
    items,
    source: { location: options.source, layout: source.layout },
    skipped,
    createdAt: new Date().toISOString(),
    shuffleSeed: options.seed ?? name,
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
