import { crc32 } from "node:zlib";
import { BlobNotFoundError, type BlobStore } from "../ports/blob-store.ts";
import type { ItemMetadata } from "./item-metadata.ts";
import { LibraryFormatError } from "./shard-format.ts";

/**
 * Format 2 splits a library's description by who reads it: a small descriptor (`manifest.json`)
 * that intake and dispatch read, shard pages that only leaf dispatchers read, item-metadata
 * chunks that only the combiner reads (for the matches it keeps). Format 1 kept everything in one
 * manifest that every stage read whole (17 MB at 50,000 targets).
 */
export const LIBRARY_FORMAT_VERSION = 2;

/** The descriptor is written last: a library exists for readers only once it is there. */
export const MANIFEST_KEY = "manifest.json";

/** Shard entries per shard page, unless a library has so many shards that its page list would grow past {@link MAX_PAGES}. */
export const SHARD_PAGE_SIZE = 64;

/** Item metadata per chunk: a combiner reads one chunk per kept match at most, ~30 KB each. */
export const ITEM_CHUNK_SIZE = 128;

/** Pages are listed in the descriptor and in every leaf dispatcher's payload, so their number is bounded. */
const MAX_PAGES = 128;

/** One shard: which items [start, start + count) of the library it holds, and its checksum. */
export interface ShardEntry {
  key: string;
  start: number;
  count: number;
  bytes: number;
  /** CRC-32 of the shard object; verified by every reader of the whole object. */
  crc32?: number;
}

/** What a search needs to find targets: the size and the shards it reads (no per-item metadata). */
export interface LibraryLayout {
  name: string;
  width: number;
  height: number;
  count: number;
  shards: ShardEntry[];
}

/** Where a shard page sits: its first shard and first item, and its checksum. */
export interface ShardPageEntry {
  firstShard: number;
  firstItem: number;
  crc32: number;
}

/**
 * The library's descriptor (`manifest.json`): what intake, dispatch and the sweeper read. Its size
 * grows only with the number of pages (≤ 128) and item chunks (one checksum each): ~60 KB for a
 * 1,000,000-target library.
 */
export interface LibraryDescriptor {
  formatVersion: number;
  name: string;
  width: number;
  height: number;
  count: number;
  buildId: string;
  shardCount: number;
  /** The most items a shard holds (the indexer's shard size). */
  shardSize: number;
  shardPageSize: number;
  pages: ShardPageEntry[];
  itemChunkSize: number;
  /** CRC-32 of each item-metadata chunk, in order. */
  itemChunks: number[];
  source: { location: string; layout: "folder" | "neuronbridge" };
  skippedCount: number;
  createdAt: string;
  /** Seed of the shuffle that ordered the items (so a rebuild gives the same order). */
  shuffleSeed: string;
  /** The library's version: 1 for an index, one more for each `cds library update` (absent: 1). */
  version?: number;
  /** The build this version was updated from (absent for an index). */
  basedOn?: string;
  /** CRC-32 of this document's JSON without this field. */
  checksum: number;
}

/** A whole library in memory, as local tools use it: the descriptor's facts, every shard, every item. */
export interface LibraryManifest extends LibraryLayout {
  formatVersion: number;
  items: ItemMetadata[];
  source: { location: string; layout: "folder" | "neuronbridge" };
  /** Images of the source that are not in the library, and why. */
  skipped: { sourcePath: string; reason: string }[];
  createdAt: string;
  shuffleSeed: string;
  /** Every object lives under this build's prefix, so a rebuild never overwrites a live one. */
  buildId: string;
  /** See {@link LibraryDescriptor.version}. */
  version?: number;
  /** See {@link LibraryDescriptor.basedOn}. */
  basedOn?: string;
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

/** Key of shard page `p` of a build. */
export function shardPageKey(buildId: string, page: number): string {
  return `data/${buildId}/pages/page-${String(page).padStart(4, "0")}.json`;
}

/** Key of item-metadata chunk `c` of a build. */
export function itemChunkKey(buildId: string, chunk: number): string {
  return `data/${buildId}/items/chunk-${String(chunk).padStart(6, "0")}.json`;
}

/**
 * Key of a build's own copy of its descriptor. `manifest.json` names the current version; this
 * copy stays with the build, so a search accepted on one version reads that version to its end
 * even after `cds library update` has made another current.
 */
export function buildDescriptorKey(buildId: string): string {
  return `data/${buildId}/descriptor.json`;
}

/** Key of the indexing report (the skipped images), which only `cds library` reads. */
export function indexReportKey(buildId: string): string {
  return `data/${buildId}/report.json`;
}

/** The CRC-32 the library's checksums use (zlib's). */
export function checksumOf(bytes: Uint8Array): number {
  return crc32(bytes);
}

/**
 * Writes a library's objects under its build prefix — shards are already there — and the
 * descriptor last. Returns the descriptor.
 *
 * @example
 * await writeLibraryFiles(store, manifest); // pages, item chunks, report, then manifest.json
 */
export async function writeLibraryFiles(store: BlobStore, manifest: LibraryManifest): Promise<LibraryDescriptor> {
  const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const shardPageSize = Math.max(SHARD_PAGE_SIZE, Math.ceil(manifest.shards.length / MAX_PAGES));
  const pages: ShardPageEntry[] = [];
  const writes: Promise<void>[] = [];
  for (let first = 0; first < manifest.shards.length; first += shardPageSize) {
    const bytes = encode(manifest.shards.slice(first, first + shardPageSize));
    pages.push({ firstShard: first, firstItem: manifest.shards[first].start, crc32: checksumOf(bytes) });
    writes.push(store.put(shardPageKey(manifest.buildId, pages.length - 1), bytes));
  }
  const itemChunks: number[] = [];
  for (let first = 0; first < manifest.items.length; first += ITEM_CHUNK_SIZE) {
    const bytes = encode(manifest.items.slice(first, first + ITEM_CHUNK_SIZE));
    itemChunks.push(checksumOf(bytes));
    writes.push(store.put(itemChunkKey(manifest.buildId, itemChunks.length - 1), bytes));
  }
  writes.push(store.put(indexReportKey(manifest.buildId), encode({ skipped: manifest.skipped })));
  await Promise.all(writes);
  const descriptor = withChecksum({
    formatVersion: LIBRARY_FORMAT_VERSION,
    name: manifest.name,
    width: manifest.width,
    height: manifest.height,
    count: manifest.count,
    buildId: manifest.buildId,
    shardCount: manifest.shards.length,
    shardSize: manifest.shards.reduce((n, s) => Math.max(n, s.count), 0),
    shardPageSize,
    pages,
    itemChunkSize: ITEM_CHUNK_SIZE,
    itemChunks,
    source: manifest.source,
    skippedCount: manifest.skipped.length,
    createdAt: manifest.createdAt,
    shuffleSeed: manifest.shuffleSeed,
    ...(manifest.version !== undefined ? { version: manifest.version } : {}),
    ...(manifest.basedOn !== undefined ? { basedOn: manifest.basedOn } : {}),
  });
  const bytes = encode(descriptor);
  await store.put(buildDescriptorKey(manifest.buildId), bytes);
  await store.put(MANIFEST_KEY, bytes);
  return descriptor;
}

/**
 * Reads and checks a library's descriptor: the only library object intake and dispatch read.
 * Without `build`, the current version (`manifest.json`); with it, that build's version, as long
 * as it is kept (a superseded version is kept for {@link SUPERSEDED_VERSION_RETENTION_MS}).
 * A format-1 library (one big manifest) gets a message that says to re-index it.
 *
 * @example
 * const descriptor = await readDescriptor(libraries("lm"));
 * const asAccepted = await readDescriptor(libraries("lm"), search.libraryBuild);
 */
export async function readDescriptor(store: BlobStore, build?: string): Promise<LibraryDescriptor> {
  if (build === undefined) return parseDescriptor(store, await readDescriptorBytes(store, MANIFEST_KEY));
  let bytes: Uint8Array;
  try {
    bytes = await store.get(buildDescriptorKey(build));
  } catch (error) {
    if (!(error instanceof BlobNotFoundError)) throw error;
    // Built before builds kept their own copy: the current descriptor is that build's, or it is gone.
    const current = await readDescriptor(store);
    if (current.buildId === build) return current;
    throw new LibraryFormatError(
      `version ${build} of the library at ${store.location} is no longer kept (the library was updated or re-indexed since); submit the mask again`,
      { cause: error },
    );
  }
  const descriptor = parseDescriptor(store, bytes);
  if (descriptor.buildId !== build) throw new LibraryFormatError(`the descriptor of build ${build} at ${store.location} names build ${descriptor.buildId}; re-index it`);
  return descriptor;
}

/**
 * How long a superseded library version stays readable: searches accepted on it finish on it.
 * A search runs for seconds to minutes; a day leaves room for queued and retried ones.
 */
export const SUPERSEDED_VERSION_RETENTION_MS = 24 * 60 * 60 * 1000;

async function readDescriptorBytes(store: BlobStore, key: string): Promise<Uint8Array> {
  try {
    return await store.get(key);
  } catch (error) {
    if (error instanceof BlobNotFoundError) {
      throw new LibraryFormatError(
        `no library at ${store.location}: ${MANIFEST_KEY} is missing (an unfinished index run leaves none; run \`cds library index\`)`,
        { cause: error },
      );
    }
    throw error;
  }
}

function parseDescriptor(store: BlobStore, bytes: Uint8Array): LibraryDescriptor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new LibraryFormatError(`the library manifest at ${store.location} is damaged (not JSON); re-index it with \`cds library index\``, { cause });
  }
  const version = (parsed as { formatVersion?: unknown } | null)?.formatVersion;
  if (version !== LIBRARY_FORMAT_VERSION) {
    throw new LibraryFormatError(
      `the library at ${store.location} has format version ${String(version)}; this cds reads ${LIBRARY_FORMAT_VERSION}: re-index it with \`cds library index\``,
    );
  }
  const descriptor = parsed as LibraryDescriptor;
  const problem = descriptorProblem(descriptor);
  if (problem) throw new LibraryFormatError(`the library manifest at ${store.location} is damaged (${problem}); re-index it with \`cds library index\``);
  return descriptor;
}

/**
 * The entries of shard page `page`, checked against the descriptor's checksum.
 *
 * @example
 * const entries = await readShardPage(store, descriptor.buildId, 0, descriptor.pages[0].crc32);
 */
export async function readShardPage(store: BlobStore, buildId: string, page: number, expectedCrc32: number): Promise<ShardEntry[]> {
  return readChecked<ShardEntry[]>(store, shardPageKey(buildId, page), expectedCrc32, `shard page ${page}`);
}

/**
 * Item metadata of the given library indices, reading only the chunks that hold them (in
 * parallel), each checked against the descriptor's checksum.
 *
 * @example
 * const items = await readItemMetadata(store, descriptor, matches.map((m) => m.index));
 */
export async function readItemMetadata(store: BlobStore, descriptor: LibraryDescriptor, indices: Iterable<number>): Promise<Map<number, ItemMetadata>> {
  const wanted = new Map<number, number[]>();
  for (const index of indices) {
    if (!Number.isInteger(index) || index < 0 || index >= descriptor.count) {
      throw new LibraryFormatError(`item ${index} is not in library "${descriptor.name}" (${descriptor.count} items)`);
    }
    const chunk = Math.floor(index / descriptor.itemChunkSize);
    const members = wanted.get(chunk);
    if (members) members.push(index);
    else wanted.set(chunk, [index]);
  }
  const found = new Map<number, ItemMetadata>();
  await Promise.all(
    [...wanted].map(async ([chunk, members]) => {
      const items = await readChecked<ItemMetadata[]>(store, itemChunkKey(descriptor.buildId, chunk), descriptor.itemChunks[chunk], `item chunk ${chunk}`);
      for (const index of members) found.set(index, items[index - chunk * descriptor.itemChunkSize]);
    }),
  );
  return found;
}

/**
 * The whole library in memory (every shard entry and item), for local tools: `cds search`,
 * `cds library list`, the indexer's tests. The pipeline never reads this.
 *
 * @example
 * const manifest = await readManifest(new FolderBlobStore("cds-data/libraries/lm"));
 */
export async function readManifest(store: BlobStore, build?: string): Promise<LibraryManifest> {
  const descriptor = await readDescriptor(store, build);
  const pages = await Promise.all(descriptor.pages.map((page, p) => readShardPage(store, descriptor.buildId, p, page.crc32)));
  const items = await readItemMetadata(store, descriptor, Array.from({ length: descriptor.count }, (_, i) => i));
  let skipped: LibraryManifest["skipped"] = [];
  try {
    skipped = (JSON.parse(new TextDecoder().decode(await store.get(indexReportKey(descriptor.buildId)))) as { skipped: LibraryManifest["skipped"] }).skipped;
  } catch {
    // The report only lists what indexing skipped; a library without it searches the same.
  }
  return {
    formatVersion: descriptor.formatVersion,
    name: descriptor.name,
    width: descriptor.width,
    height: descriptor.height,
    count: descriptor.count,
    shards: pages.flat(),
    items: Array.from({ length: descriptor.count }, (_, i) => items.get(i)!),
    source: descriptor.source,
    skipped,
    createdAt: descriptor.createdAt,
    shuffleSeed: descriptor.shuffleSeed,
    buildId: descriptor.buildId,
    ...(descriptor.version !== undefined ? { version: descriptor.version } : {}),
    ...(descriptor.basedOn !== undefined ? { basedOn: descriptor.basedOn } : {}),
  };
}

/** The layout part of a manifest. */
export function layoutOf(manifest: LibraryLayout): LibraryLayout {
  const { name, width, height, count, shards } = manifest;
  return { name, width, height, count, shards };
}

async function readChecked<T>(store: BlobStore, key: string, expectedCrc32: number | undefined, what: string): Promise<T> {
  let bytes: Uint8Array;
  try {
    bytes = await store.get(key);
  } catch (error) {
    if (error instanceof BlobNotFoundError) throw new LibraryFormatError(`${what} of the library at ${store.location} is missing (${key}); re-index it`, { cause: error });
    throw error;
  }
  if (checksumOf(bytes) !== expectedCrc32) {
    throw new LibraryFormatError(`${what} of the library at ${store.location} is damaged (${key}: checksum mismatch); re-index it`);
  }
  return JSON.parse(new TextDecoder().decode(bytes)) as T;
}

function withChecksum(fields: Omit<LibraryDescriptor, "checksum">): LibraryDescriptor {
  return { ...fields, checksum: checksumOf(new TextEncoder().encode(JSON.stringify(fields))) };
}

/** Why a parsed descriptor cannot be used, or undefined when it can. */
function descriptorProblem(d: LibraryDescriptor): string | undefined {
  const { checksum, ...fields } = d;
  if (checksumOf(new TextEncoder().encode(JSON.stringify(fields))) !== checksum) return "checksum mismatch";
  const whole = (n: unknown, min: number) => Number.isSafeInteger(n) && (n as number) >= min;
  if (typeof d.name !== "string" || !whole(d.width, 1) || !whole(d.height, 1) || !whole(d.count, 0)) return "name, size or count is invalid";
  if (!whole(d.shardCount, 0) || !whole(d.shardSize, 0) || !whole(d.shardPageSize, 1) || !whole(d.itemChunkSize, 1)) return "shard or chunk sizes are invalid";
  if (!Array.isArray(d.pages) || d.pages.length !== Math.ceil(d.shardCount / d.shardPageSize)) return "the page list does not match the shard count";
  if (!Array.isArray(d.itemChunks) || d.itemChunks.length !== Math.ceil(d.count / d.itemChunkSize)) return "the item chunk list does not match the count";
  if (typeof d.buildId !== "string" || !/^[a-z0-9]+$/.test(d.buildId)) return "the build id is invalid";
  return undefined;
}
