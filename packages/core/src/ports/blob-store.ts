/**
 * Where libraries (and later results) are stored: a flat key → bytes store with `/`-separated
 * keys, as S3 has. The folder implementation lives in @cds/local; the S3 one in @cds/aws.
 */
export interface BlobStore {
  /** A short description for messages, e.g. a folder path or `s3://bucket/prefix`. */
  readonly location: string;
  /** The whole object; throws {@link BlobNotFoundError} when absent. */
  get(key: string): Promise<Uint8Array>;
  /**
   * Optional: the whole object, read into `scratch` when it fits (else into a new, larger
   * buffer). Searches read hundreds of 20 MB shards; reusing one buffer keeps memory flat
   * instead of leaving the garbage collector gigabytes of dead buffers.
   */
  getReusing?(key: string, scratch: Uint8Array): Promise<Uint8Array>;
  /**
   * Optional, for stores where a read costs by the byte rather than by the request (a local
   * folder): the object opened for reading byte ranges. A search then reads only the parts of
   * each shard its mask reaches. S3 has no such method on purpose: there every GET is a request
   * billed and waited for, and one whole-object read is cheaper than hundreds of ranges.
   */
  openRanged?(key: string): Promise<RangedObject>;
  /**
   * Writes the object so that readers see either the old or the new bytes, never a mix. A store
   * that cannot keep `metadata` (the folder store) throws rather than drop it.
   */
  put(key: string, bytes: Uint8Array, options?: PutOptions): Promise<void>;
  /**
   * Optional: the object's user-defined metadata (S3's `x-amz-meta-*`, keys lowercased), `{}`
   * when it has none; throws {@link BlobNotFoundError} when absent. Only stores that keep
   * metadata have it, so a caller that finds no method falls back to sidecar files.
   */
  metadata?(key: string): Promise<Record<string, string>>;
  /**
   * Optional: the object read as user input, within `limits`: refused (with
   * {@link InputRefusedError}) when it is not a regular file (a symbolic link, a device, a FIFO
   * — the folder store opens without following links) or is larger than `limits.maxBytes`
   * (checked before reading), and `limits.checkHead` sees the first `headBytes` before the rest
   * is read. Stores without it are read with `get` and checked after (see `readUserInput`).
   */
  getInput?(key: string, limits: InputLimits): Promise<Uint8Array>;
  /** Whether the object exists. */
  exists(key: string): Promise<boolean>;
  /** Keys under a prefix, in lexicographic order. */
  list(prefix: string): AsyncIterable<string>;
  /** Removes the objects under a prefix (nothing when there are none). */
  deletePrefix(prefix: string): Promise<void>;
}

import { CdsError, UserInputError } from "../errors.ts";

/** An object open for reading byte ranges (see `BlobStore.openRanged`). */
export interface RangedObject {
  readonly size: number;
  /**
   * Copies the object's bytes [position, position + length) to into[position …]: the same
   * offsets, so views made over a whole object stay right. Synchronous, because these are
   * page-cache reads of a few kilobytes, made by a search thread that has nothing else to do
   * meanwhile; an async read would cost more in scheduling than the copy itself.
   */
  readInto(into: Uint8Array, position: number, length: number): void;
  close(): Promise<void>;
}

/** How much of an input is read, and a look at its start before the rest. */
export interface InputLimits {
  /** Larger inputs are refused without being read. */
  maxBytes: number;
  /** What the input is, for messages ("the mask lm/a.png"). */
  what: string;
  /** How many first bytes `checkHead` gets (default 16). */
  headBytes?: number;
  /** Throws to refuse the input from its first bytes (e.g. not an image's signature). */
  checkHead?: (head: Uint8Array) => void;
}

/** An input refused before it was read: not a regular file, or over its size limit. Never the user's bytes in the message. */
export class InputRefusedError extends UserInputError {
  override name = "InputRefusedError";
}

/** What {@link BlobStore.put} may store with the bytes. */
export interface PutOptions {
  /** User-defined metadata: ASCII keys and values, 2 KB in all on S3 (`x-amz-meta-<key>`). */
  metadata?: Record<string, string>;
}

/** An object that a reader expected is not in the store. */
export class BlobNotFoundError extends CdsError {
  override name = "BlobNotFoundError";
  readonly key: string;
  constructor(location: string, key: string) {
    super(`${key} not found in ${location}`);
    this.key = key;
  }
}
