import { S3Client } from "@aws-sdk/client-s3";
import { S3BlobStore } from "./s3-blob-store.ts";

/**
 * An S3 client with the SDK's usual credential, region and endpoint chain (`AWS_ENDPOINT_URL_S3`
 * points it at another server). `CDS_S3_FORCE_PATH_STYLE=1` switches to path-style addressing,
 * which local servers such as s3rver need because they cannot serve bucket subdomains.
 *
 * @example
 * const store = new S3BlobStore({ client: createS3Client(), bucket: "cds-lab-uploads" });
 */
export function createS3Client(env: NodeJS.ProcessEnv = process.env): S3Client {
  return new S3Client({ forcePathStyle: env.CDS_S3_FORCE_PATH_STYLE === "1" });
}

/**
 * Where a library lives in a library bucket: under `<name>/`. The Lambda entries read it there,
 * `cds library index --to s3://<bucket>` writes it there, and `cds submit --stage` checks masks
 * against its manifest there.
 *
 * @example
 * libraryPrefix("lm") // "lm/"
 */
export function libraryPrefix(name: string): string {
  return `${name}/`;
}

/**
 * The blob store of library `name` in a library bucket.
 *
 * @example
 * const manifest = await readManifest(libraryStore(createS3Client(), "cds-lab-library", "lm"));
 */
export function libraryStore(client: S3Client, bucket: string, name: string): S3BlobStore {
  return new S3BlobStore({ client, bucket, prefix: libraryPrefix(name) });
}
