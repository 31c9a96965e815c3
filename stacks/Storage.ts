import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { Bucket } from "sst/constructs";
import type { StackContext } from "sst/constructs";

export function Storage({ stack, app }: StackContext) {
  // Losing the image library or users' results in prod must need a human; any
  // other stage is disposable and must tear down cleanly with `sst remove`.
  const isProd = app.stage === "prod";
  const lifetime = isProd
    ? { removalPolicy: RemovalPolicy.RETAIN, autoDeleteObjects: false }
    : { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true };

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
        lifecycleRules: [{ id: "expire-results", expiration: Duration.days(30) }],
      },
    },
  });

  return { libraryBucket, resultsBucket };
}
