import { ParameterError } from "@cds/core";
import { S3BlobStore } from "./s3-blob-store.ts";
import { createS3Client } from "./s3-client.ts";

// The CLI imports S3 locations from this module alone, to keep the rest of the SDK out of its start-up.
export { libraryPrefix } from "./s3-client.ts";

/** A bucket and key prefix, parsed from `s3://bucket[/prefix]`. */
export interface S3Location {
  bucket: string;
  /** Empty, or ending in `/`. */
  prefix: string;
}

/**
 * Parses `s3://bucket[/prefix]`; a prefix always ends up ending in `/`, so that `s3://b/lm` and
 * `s3://b/lm/` name the same folder.
 *
 * @example
 * parseS3Url("s3://cds-prod-library/lm") // { bucket: "cds-prod-library", prefix: "lm/" }
 */
export function parseS3Url(url: string, option = "location"): S3Location {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!match) throw new ParameterError(option, `${option} must look like s3://bucket or s3://bucket/prefix, got "${url}"`);
  const path = (match[2] ?? "").replace(/^\/+|\/+$/g, "");
  return { bucket: match[1]!, prefix: path ? `${path}/` : "" };
}

/**
 * A blob store at an `s3://` location, over {@link createS3Client}. A URL naming only a bucket
 * gets `defaultPrefix` (none unless given).
 *
 * @example
 * const library = s3StoreAt("s3://cds-prod-library", { defaultPrefix: libraryPrefix("lm") }); // s3://cds-prod-library/lm/
 */
export function s3StoreAt(url: string, options: { option?: string; defaultPrefix?: string } = {}): S3BlobStore {
  const { bucket, prefix } = parseS3Url(url, options.option);
  return new S3BlobStore({ client: createS3Client(), bucket, prefix: prefix || (options.defaultPrefix ?? "") });
}
