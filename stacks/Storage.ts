import { Duration } from "aws-cdk-lib";
import { Bucket } from "sst/constructs";
import type { StackContext } from "sst/constructs";
import { stageLifetime } from "./stage-lifetime.ts";

/** Days an uploaded mask (and its sidecar) is kept: long enough to look into a failed search after a weekend. */
export const UPLOAD_RETENTION_DAYS = 7;

/** Days a results document is kept. */
export const RESULTS_RETENTION_DAYS = 30;

/**
 * The three buckets: uploads (where a search starts), the indexed image library, and results.
 *
 * @example
 * const { uploadsBucket } = use(Storage);
 */
export function Storage({ stack, app }: StackContext) {
  const { removalPolicy, autoDeleteObjects } = stageLifetime(app);
  const lifetime = { removalPolicy, autoDeleteObjects };

  // SST's Bucket defaults to a permissive CORS rule and only partial public-access
  // blocking; nothing here is served to browsers directly, so turn both off.
  const privateBucket = {
    cors: false,
    blockPublicACLs: true,
  } as const;

  const libraryBucket = new Bucket(stack, "Library", {
    ...privateBucket,
    cdk: { bucket: { enforceSSL: true, ...lifetime } },
  });

  const resultsBucket = new Bucket(stack, "Results", {
    ...privateBucket,
    cdk: {
      bucket: {
        enforceSSL: true,
        ...lifetime,
        // Results are reproducible from the library and a mask, so they are a
        // cache, not a record; expiring them bounds storage cost.
        lifecycleRules: [{ id: "expire-results", expiration: Duration.days(RESULTS_RETENTION_DAYS) }],
      },
    },
  });

  const uploadsBucket = new Bucket(stack, "Uploads", {
    ...privateBucket,
    cdk: {
      bucket: {
        enforceSSL: true,
        ...lifetime,
        // S3 sends every object event of this bucket to the account's default bus, where the
        // `mask-uploaded` rule (events/) picks the uploads that start a search.
        eventBridgeEnabled: true,
        // A mask is read by intake, the workers and the combiner, all within the search's
        // deadline of minutes; after that it is only evidence for a failed search.
        lifecycleRules: [
          {
            id: "expire-uploads",
            expiration: Duration.days(UPLOAD_RETENTION_DAYS),
            abortIncompleteMultipartUploadAfter: Duration.days(1),
          },
        ],
      },
    },
  });

  stack.addOutputs({
    UploadsBucket: uploadsBucket.bucketName,
    LibraryBucket: libraryBucket.bucketName,
    ResultsBucket: resultsBucket.bucketName,
  });

  return { libraryBucket, resultsBucket, uploadsBucket };
}
