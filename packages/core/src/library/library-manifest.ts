import { BlobNotFoundError, type BlobStore } from "../ports/blob-store.ts";
import type { ItemMetadata } from "./item-metadata.ts";
import { LibraryFormatError } from "./shard-format.ts";

export const LIBRARY_FORMAT_VERSION = 1;

/** The manifest is written last: a library exists for readers only once it is there. */
export const MANIFEST_KEY = "manifest.json";

/** One shard: which items [start, start + count) of the library it holds. */
export interface ShardEntry {
  key: string;
  start: number;
  count: number;
  bytes: number;
}

/** What a search needs to find targets: the size and the shard table (no per-item metadata). */
export interface LibraryLayout {
  name: string;
  width: number;
  height: number;
  count: number;
  shards: ShardEntry[];
}

/** A library's manifest: layout, per-item metadata in index order, and provenance. */
export interface LibraryManifest extends LibraryLayout {
  formatVersion: number;
  items: ItemMetadata[];
  source: { location: string; layout: "folder" | "neuronbridge" };
  /** Images of the source that are not in the library, and why. */
  skipped: { sourcePath: string; reason: string }[];
  createdAt: string;
  /** Seed of the shuffle that ordered the items (so a rebuild gives the same order). */
  shuffleSeed: string;
  /** Every shard lives under this build's prefix, so a rebuild never overwrites a live one. */
  buildId: string;
}

/**
 * Key of shard `s`. Shards spread over numbered prefixes (S3 scales request rates per prefix).
 *
 * @example
 * shardKey("b1", 37) // "data/b1/05/shard-000037.bin"
 */
export function shardKey(buildId: string, shard: number, prefixes = 16): string {
  return `data/${buildId}/${String(shard % prefixes).padStart(2, "0")}/shard-${String(shard).padStart(6, "0")}.bin`;
}

/** Reads and checks a library's manifest. */
export async function readManifest(store: BlobStore): Promise<LibraryManifest> {
  let bytes: Uint8Array;
  try {
    bytes = await store.get(MANIFEST_KEY);
  } catch (error) {
    if (error instanceof BlobNotFoundError) {
      throw new LibraryFormatError(
        `no library at ${store.location}: ${MANIFEST_KEY} is missing (an unfinished index run leaves none; run \`cds library index\`)`,
        { cause: error },
      );
    }
    throw error;
  }
  let manifest: LibraryManifest;
  try {
    manifest = JSON.parse(new TextDecoder().decode(bytes)) as LibraryManifest;
  } catch (cause) {
    throw new LibraryFormatError(`the library manifest at ${store.location} is damaged`, { cause });
  }
  if (manifest.formatVersion !== LIBRARY_FORMAT_VERSION) {
    throw new LibraryFormatError(
      `the library at ${store.location} has format version ${manifest.formatVersion}; this cds reads ${LIBRARY_FORMAT_VERSION}: re-index it`,
    );
  }
  return manifest;
}

/** The layout part of a manifest, small enough to hand to every worker. */
export function layoutOf(manifest: LibraryLayout): LibraryLayout {
  const { name, width, height, count, shards } = manifest;
  return { name, width, height, count, shards };
}
