import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { BlobNotFoundError, type BlobStore } from "@cds/core";

/** Objects larger than this are uploaded in parts (S3 caps a single PutObject at 5 GB). */
export const MULTIPART_THRESHOLD = 64 * 1024 * 1024;
/** Part size of multipart uploads. */
const PART_SIZE = 16 * 1024 * 1024;
/** DeleteObjects takes at most this many keys per request. */
const DELETE_BATCH = 1000;

export interface S3BlobStoreOptions {
  client: S3Client;
  bucket: string;
  /** Prepended to every key, e.g. `libraries/flylight/` (default none). */
  prefix?: string;
}

/** The body of a GetObject response, as the Node runtime of the SDK returns it. */
type Body = AsyncIterable<Uint8Array> & { transformToByteArray(): Promise<Uint8Array> };

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

  constructor(options: S3BlobStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? "";
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

  async getReusing(key: string, scratch: Uint8Array): Promise<Uint8Array> {
    const { body, length } = await this.getObject(key);
    if (length === undefined) {
      const bytes = await body.transformToByteArray();
      if (bytes.byteLength > scratch.byteLength) return bytes;
      scratch.set(bytes);
      return scratch.subarray(0, bytes.byteLength);
    }
    // Grow with headroom so that slightly larger shards do not reallocate each time (as the folder store does).
    const buffer = length <= scratch.byteLength ? scratch : new Uint8Array(Buffer.allocUnsafeSlow(Math.ceil(length * 1.25)).buffer);
    let offset = 0;
    for await (const chunk of body) {
      if (offset + chunk.byteLength > length) throw new Error(`${key} in ${this.location} is longer than its ContentLength ${length}`);
      buffer.set(chunk, offset);
      offset += chunk.byteLength;
    }
    if (offset !== length) throw new Error(`${key} in ${this.location} ended after ${offset} of ${length} bytes`);
    return buffer.subarray(0, length);
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const target = { Bucket: this.bucket, Key: this.prefix + key, Body: bytes };
    if (bytes.byteLength <= MULTIPART_THRESHOLD) {
      await this.client.send(new PutObjectCommand(target));
      return;
    }
    await new Upload({ client: this.client, params: target, partSize: PART_SIZE, queueSize: 4, leavePartsOnError: false }).done();
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
