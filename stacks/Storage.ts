import { Duration } from "aws-cdk-lib";
import { HttpMethods, type CorsRule } from "aws-cdk-lib/aws-s3";
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
  // blocking: turn both off (the two rules browsers need are below).
  const privateBucket = {
    cors: false,
    blockPublicACLs: true,
  } as const;

  // The console's browsers (stacks/Console.ts) send a mask straight to the uploads bucket and read
  // results from the results bucket, with presigned URLs: those need CORS. Any origin, because the
  // console's CloudFront domain is made after this stack, and a presigned URL, not the origin, is
  // what grants the request; only the one method and the signed headers are allowed.
  const browserAccess = (method: HttpMethods, headers: string[]): CorsRule[] => [
    { allowedMethods: [method], allowedOrigins: ["*"], allowedHeaders: headers, maxAge: 3600 },
  ];

  const libraryBucket = new Bucket(stack, "Library", {
    ...privateBucket,
    cdk: { bucket: { enforceSSL: true, ...lifetime } },
  });

  const resultsBucket = new Bucket(stack, "Results", {
    ...privateBucket,
    cdk: {
      bucket: {
        cors: browserAccess(HttpMethods.GET, []),
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
        cors: browserAccess(HttpMethods.PUT, ["content-type", "x-amz-meta-cds-settings"]),
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
