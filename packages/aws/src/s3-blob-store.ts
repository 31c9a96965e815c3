import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { BlobNotFoundError, type BlobStore, type PutOptions } from "@cds/core/ports";

/** Objects larger than this are uploaded in parts (S3 caps a single PutObject at 5 GB). */
export const MULTIPART_THRESHOLD = 64 * 1024 * 1024;
/** Part size of multipart uploads. */
const PART_SIZE = 16 * 1024 * 1024;
/**
 * Objects are read in ranges of this size, several at once: one S3 connection delivers on the
 * order of 100 MB/s, so a 21 MB shard comes about three times faster in parallel 8 MiB ranges
 * (AWS's performance guidelines suggest 8–16 MB byte-range fetches).
 */
export const RANGE_PART_BYTES = 8 * 1024 * 1024;
/** Ranged GETs of one object in flight at once. */
const RANGE_CONCURRENCY = 4;
/** DeleteObjects takes at most this many keys per request. */
const DELETE_BATCH = 1000;

export interface S3BlobStoreOptions {
  client: S3Client;
  bucket: string;
  /** Prepended to every key, e.g. `libraries/flylight/` (default none). */
  prefix?: string;
  /** Size of the byte ranges `getReusing` reads in parallel (default {@link RANGE_PART_BYTES}). */
  rangePartBytes?: number;
}

/** The body of a GetObject response, as the Node runtime of the SDK returns it. */
type Body = AsyncIterable<Uint8Array> & { transformToByteArray(): Promise<Uint8Array> };

/** The object changed between two of its ranges. */
class ObjectReplacedError extends Error {
  constructor(key: string) {
    super(`${key} was replaced while it was being read`);
  }
}

const emptyBody: Body = {
  async *[Symbol.asyncIterator]() {},
  transformToByteArray: async () => new Uint8Array(0),
};

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === "NoSuchKey" || e?.name === "NotFound" || e?.$metadata?.httpStatusCode === 404;
}

/**
 * A {@link BlobStore} on an S3 bucket: keys are `prefix + key`. PutObject replaces an object
 * atomically, so readers see either the old or the new bytes.
 *
 * @example
 * const store = new S3BlobStore({ client: new S3Client({}), bucket: "cds-data", prefix: "libraries/flylight/" });
 */
export class S3BlobStore implements BlobStore {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  readonly location: string;
  private readonly rangePartBytes: number;

  constructor(options: S3BlobStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? "";
    this.rangePartBytes = options.rangePartBytes ?? RANGE_PART_BYTES;
    this.location = `s3://${this.bucket}/${this.prefix}`;
  }

  private async getObject(key: string): Promise<{ body: Body; length: number | undefined }> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
      if (!response.Body) throw new Error(`${key} in ${this.location} has no body`);
      return { body: response.Body as unknown as Body, length: response.ContentLength };
    } catch (error) {
      if (isNotFound(error)) throw new BlobNotFoundError(this.location, key);
      throw error;
    }
  }

  async get(key: string): Promise<Uint8Array> {
    const { body } = await this.getObject(key);
    return body.transformToByteArray();
  }

  /**
   * Reads the object into `scratch` (or a larger buffer) in byte ranges fetched in parallel: the
   * first range tells the object's size and ETag, the rest are fetched only if that same version
   * is still there (If-Match), so a shard replaced mid-read is read again, never mixed.
   */
  async getReusing(key: string, scratch: Uint8Array): Promise<Uint8Array> {
    try {
      return await this.readRanges(key, scratch);
    } catch (error) {
      if (!(error instanceof ObjectReplacedError) && (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 412) throw error;
      return this.readRanges(key, scratch); // replaced between ranges: once more, from the new version
    }
  }

  private async readRanges(key: string, scratch: Uint8Array): Promise<Uint8Array> {
    const part = this.rangePartBytes;
    const first = await this.getRange(key, 0, part);
    const length = first.total;
    // Grow with headroom so that slightly larger shards do not reallocate each time (as the folder store does).
    const buffer = length <= scratch.byteLength ? scratch : new Uint8Array(Buffer.allocUnsafeSlow(Math.ceil(length * 1.25)).buffer);
    await this.drain(key, first.body, buffer, 0, Math.min(part, length));
    const starts: number[] = [];
    for (let start = part; start < length; start += part) starts.push(start);
    const fetchNext = async (): Promise<void> => {
      for (let start = starts.shift(); start !== undefined; start = starts.shift()) {
        const range = await this.getRange(key, start, part, first.etag);
        // S3 refuses a changed object with 412 (If-Match); emulators that ignore If-Match are caught here.
        if (range.etag !== first.etag || range.total !== length) throw new ObjectReplacedError(key);
        await this.drain(key, range.body, buffer, start, Math.min(start + part, length));
      }
    };
    await Promise.all(Array.from({ length: Math.min(RANGE_CONCURRENCY, starts.length) }, fetchNext));
    return buffer.subarray(0, length);
  }

  private async getRange(key: string, start: number, size: number, etag?: string): Promise<{ body: Body; total: number; etag?: string }> {
    try {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key, Range: `bytes=${start}-${start + size - 1}`, ...(etag ? { IfMatch: etag } : {}) }),
      );
      if (!response.Body) throw new Error(`${key} in ${this.location} has no body`);
      // "bytes 0-8388607/21474836"; an empty object has no range to report.
      const total = response.ContentRange ? Number(response.ContentRange.split("/")[1]) : (response.ContentLength ?? 0);
      if (!Number.isSafeInteger(total)) throw new Error(`${key} in ${this.location}: unreadable Content-Range "${response.ContentRange}"`);
      return { body: response.Body as unknown as Body, total, etag: response.ETag };
    } catch (error) {
      if (isNotFound(error)) throw new BlobNotFoundError(this.location, key);
      // S3 answers 416 for a range of an empty object; there is nothing to read.
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 416 && start === 0) {
        return { body: emptyBody, total: 0 };
      }
      throw error;
    }
  }

  /** Copies a range's body into `buffer[from, to)`, checking it is exactly that long. */
  private async drain(key: string, body: Body, buffer: Uint8Array, from: number, to: number): Promise<void> {
    let offset = from;
    for await (const chunk of body) {
      if (offset + chunk.byteLength > to) throw new Error(`${key} in ${this.location}: range at ${from} is longer than ${to - from} bytes`);
      buffer.set(chunk, offset);
      offset += chunk.byteLength;
    }
    if (offset !== to) throw new Error(`${key} in ${this.location}: range at ${from} ended after ${offset - from} of ${to - from} bytes`);
  }

  /** One PutObject, or a multipart upload above {@link MULTIPART_THRESHOLD}; metadata goes with either (as `x-amz-meta-*`). */
  async put(key: string, bytes: Uint8Array, options?: PutOptions): Promise<void> {
    const target = { Bucket: this.bucket, Key: this.prefix + key, Body: bytes, ...(options?.metadata ? { Metadata: options.metadata } : {}) };
    if (bytes.byteLength <= MULTIPART_THRESHOLD) {
      await this.client.send(new PutObjectCommand(target));
      return;
    }
    await new Upload({ client: this.client, params: target, partSize: PART_SIZE, queueSize: 4, leavePartsOnError: false }).done();
  }

  /** The object's user-defined metadata, from HeadObject (no body is read); keys come back lowercased. */
  async metadata(key: string): Promise<Record<string, string>> {
    try {
      const response = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
      return { ...response.Metadata };
    } catch (error) {
      if (isNotFound(error)) throw new BlobNotFoundError(this.location, key);
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    // S3 itself pages in UTF-8 binary order, but emulators (s3rver walks its folders, so
    // `a/b` comes before `a.b`) do not all agree: collect and sort, as the folder store does.
    // A library's keys number in the thousands, so holding them is cheap.
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, ...(token ? { ContinuationToken: token } : {}) }),
      );
      for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key.slice(this.prefix.length));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    yield* keys.sort();
  }

  async deletePrefix(prefix: string): Promise<void> {
    let batch: string[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const keys = batch;
      batch = [];
      const response = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.map((key) => ({ Key: this.prefix + key })), Quiet: true } }),
      );
      const failed = response.Errors ?? [];
      if (failed.length > 0) throw new Error(`could not delete ${failed.length} objects under ${this.location}${prefix}: ${failed[0].Key} ${failed[0].Code} ${failed[0].Message}`);
    };
    // list() reads the whole listing before yielding, so no page is fetched after deletes began.
    for await (const key of this.list(prefix)) {
      batch.push(key);
      if (batch.length === DELETE_BATCH) await flush();
    }
    await flush();
  }
}
