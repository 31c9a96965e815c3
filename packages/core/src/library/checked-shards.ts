import type { BlobStore } from "../ports/blob-store.ts";
import { checksumOf, type ShardEntry } from "./library-manifest.ts";
import { LibraryFormatError } from "./shard-format.ts";

/** A shard whose bytes are not those the library recorded: damaged in storage, never a transient error. */
export class ShardChecksumError extends LibraryFormatError {
  override name = "ShardChecksumError";
  readonly key: string;
  constructor(location: string, key: string) {
    super(`shard ${key} of the library at ${location} is damaged (its checksum does not match the library's); re-index the library`);
    this.key = key;
  }
}

/**
 * The library store as a search reads it: every whole read of one of `shards` is checked against
 * the CRC-32 the indexer recorded, so a damaged shard is an error, never a silently wrong score.
 *
 * @example
 * const store = checkedShards(libraries(job.library.name), payload.shards);
 */
export function checkedShards(store: BlobStore, shards: readonly ShardEntry[]): BlobStore {
  const expected = new Map(shards.filter((s) => s.crc32 !== undefined).map((s) => [s.key, s.crc32!]));
  const check = (key: string, bytes: Uint8Array): Uint8Array => {
    const crc = expected.get(key);
    if (crc !== undefined && checksumOf(bytes) !== crc) throw new ShardChecksumError(store.location, key);
    return bytes;
  };
  return {
    location: store.location,
    get: async (key) => check(key, await store.get(key)),
    ...(store.getReusing ? { getReusing: async (key: string, scratch: Uint8Array) => check(key, await store.getReusing!(key, scratch)) } : {}),
    put: (key, bytes, options) => store.put(key, bytes, options),
    exists: (key) => store.exists(key),
    list: (prefix) => store.list(prefix),
    deletePrefix: (prefix) => store.deletePrefix(prefix),
  };
}

/**
 * Whether an error is permanent damage of a library (a shard whose checksum does not match, or
 * that is truncated or not a shard at all): retrying reads the same bytes, so the search ends at
 * once. Told by class, or by name for an error that crossed a worker thread as a message.
 *
 * @example
 * if (isLibraryDamage(error)) await stageFailed(searchId, "worker", error, deps);
 */
export function isLibraryDamage(error: unknown): boolean {
  if (error instanceof LibraryFormatError) return true;
  return error instanceof Error && (error.name === "LibraryFormatError" || error.name === "ShardChecksumError");
}
