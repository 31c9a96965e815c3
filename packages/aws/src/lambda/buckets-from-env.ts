import type { LibraryStores, SourceImageReader } from "@cds/core/pipeline";
import type { BlobStore } from "@cds/core/ports";
import { S3BlobStore } from "../s3-blob-store.ts";
import { createS3Client, libraryStore } from "../s3-client.ts";
import { withRetryMetrics } from "../sdk-retry-metrics.ts";
import { s3RetryMetrics, telemetryFromEnv } from "./observability.ts";
import { once, setting } from "./settings.ts";

const s3 = once(() => withRetryMetrics(createS3Client(), telemetryFromEnv(), s3RetryMetrics));

/** The upload bucket (`CDS_UPLOADS_BUCKET`): masks at `<library>/<file>`, sidecars beside them. */
export const uploadsFromEnv: () => BlobStore = once(() => new S3BlobStore({ client: s3(), bucket: setting("CDS_UPLOADS_BUCKET") }));

/** The results bucket (`CDS_RESULTS_BUCKET`). */
export const resultsFromEnv: () => BlobStore = once(() => new S3BlobStore({ client: s3(), bucket: setting("CDS_RESULTS_BUCKET") }));

/** Each library under its own prefix of the library bucket (`CDS_LIBRARY_BUCKET`), as `cds library index --to s3://…` writes them. */
export const librariesFromEnv: () => LibraryStores = once(() => {
  const bucket = setting("CDS_LIBRARY_BUCKET");
  const stores = new Map<string, BlobStore>();
  return (name: string) => {
    let store = stores.get(name);
    if (!store) stores.set(name, (store = libraryStore(s3(), bucket, name)));
    return store;
  };
});

/**
 * Original target images for the results page, when a library was indexed from images kept in
 * the library bucket (`s3://<library bucket>/<prefix>`). Anything else (a laptop's folder, another
 * bucket the function may not read) gives a placeholder rather than an error.
 */
export const sourceImagesFromEnv: () => SourceImageReader = once(() => {
  const bucket = setting("CDS_LIBRARY_BUCKET");
  const store = new S3BlobStore({ client: s3(), bucket });
  const prefixOf = `s3://${bucket}/`;
  return {
    async read(location, sourcePath) {
      if (!location.startsWith(prefixOf)) return undefined;
      const folder = location.slice(prefixOf.length);
      try {
        return await store.get(`${folder}${folder && !folder.endsWith("/") ? "/" : ""}${sourcePath}`);
      } catch {
        return undefined;
      }
    },
  };
});
