import { S3Client } from "@aws-sdk/client-s3";
import { ParameterError } from "@cds/core";
import { S3BlobStore } from "./s3-blob-store.ts";

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
 * A blob store at an `s3://` location, with the SDK's usual credentials and region chain.
 * `AWS_ENDPOINT_URL_S3` points it at another S3 server; `CDS_S3_FORCE_PATH_STYLE=1` is needed for
 * one that cannot serve bucket subdomains (s3rver).
 *
 * @example
 * const library = s3StoreAt("s3://cds-prod-library/lm");
 */
export function s3StoreAt(url: string, option?: string): S3BlobStore {
  const { bucket, prefix } = parseS3Url(url, option);
  const client = new S3Client({ forcePathStyle: process.env.CDS_S3_FORCE_PATH_STYLE === "1" });
  return new S3BlobStore({ client, bucket, prefix });
}
