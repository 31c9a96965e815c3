import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { StageResourceMissingError } from "./errors.ts";
import { S3BlobStore } from "./s3-blob-store.ts";
import { createS3Client, libraryStore } from "./s3-client.ts";
import { APP_NAME, checkStageName } from "./stage-state.ts";

/** A stage's three buckets, by their role. */
export interface StageBucketNames {
  uploads: string;
  library: string;
  results: string;
}

type BucketRole = keyof StageBucketNames;

/** Each bucket's construct id in stacks/Storage.ts (SST names its SSM parameter after it) and the variable that overrides it. */
const BUCKETS: Record<BucketRole, { construct: string; env: string }> = {
  uploads: { construct: "Uploads", env: "CDS_UPLOADS_BUCKET" },
  library: { construct: "Library", env: "CDS_LIBRARY_BUCKET" },
  results: { construct: "Results", env: "CDS_RESULTS_BUCKET" },
};

/**
 * The SSM parameter in which SST v2 records a bucket's name when it deploys a stage
 * (`/sst/<app>/<stage>/Bucket/<construct id>/bucketName`; see `.sst/dist/*Storage.template.json`).
 *
 * @example
 * stageBucketParameter("lab", "uploads") // "/sst/cdm-search/lab/Bucket/Uploads/bucketName"
 */
export function stageBucketParameter(stage: string, role: BucketRole): string {
  return `/sst/${APP_NAME}/${checkStageName(stage)}/Bucket/${BUCKETS[role].construct}/bucketName`;
}

/**
 * The bucket names of a deployed stage: `CDS_UPLOADS_BUCKET` / `CDS_LIBRARY_BUCKET` /
 * `CDS_RESULTS_BUCKET` where set (the names a stage's functions get, for a person who knows
 * them or whose credentials may not read SSM), the rest from the SSM parameters SST wrote, in
 * one GetParameters call (with the usual credential and region chain; `AWS_ENDPOINT_URL_SSM`
 * points it elsewhere). Throws {@link StageResourceMissingError} naming the parameters that
 * are not there.
 *
 * @example
 * const { uploads, results } = await stageBucketNames("lab");
 */
export async function stageBucketNames(stage: string, options: { env?: NodeJS.ProcessEnv; ssm?: SSMClient } = {}): Promise<StageBucketNames> {
  const env = options.env ?? process.env;
  const roles = Object.keys(BUCKETS) as BucketRole[];
  const names: Partial<StageBucketNames> = {};
  for (const role of roles) if (env[BUCKETS[role].env]) names[role] = env[BUCKETS[role].env];
  const missing = roles.filter((role) => names[role] === undefined);
  if (missing.length > 0) {
    const wanted = new Map(missing.map((role) => [stageBucketParameter(stage, role), role]));
    const ssm = options.ssm ?? new SSMClient({});
    try {
      const { Parameters } = await ssm.send(new GetParametersCommand({ Names: [...wanted.keys()] }));
      for (const parameter of Parameters ?? []) {
        const role = wanted.get(parameter.Name ?? "");
        if (role && parameter.Value) names[role] = parameter.Value;
      }
    } finally {
      if (!options.ssm) ssm.destroy();
    }
    const notFound = [...wanted].filter(([, role]) => names[role] === undefined);
    if (notFound.length > 0) {
      throw new StageResourceMissingError(
        stage,
        notFound.map(([parameter]) => parameter),
        `is the stage deployed (\`npx sst deploy --stage ${stage}\`), and are the AWS credentials and region (${env.AWS_REGION ?? "from your profile"}) those of its account? ` +
          `Or name the buckets with ${notFound.map(([, role]) => BUCKETS[role].env).join(", ")}.`,
      );
    }
  }
  return names as StageBucketNames;
}

/** A deployed stage's buckets as blob stores, for `cds submit --stage` and friends. */
export interface StageBuckets {
  names: StageBucketNames;
  /** The uploads bucket: masks at `<library>/<file>`. */
  uploads: S3BlobStore;
  /** One library of the library bucket, under its `<name>/` prefix (as `cds library index --to s3://…` and the functions use it). */
  library(name: string): S3BlobStore;
  /** Where a results key is: `s3://<results bucket>/<key>`. */
  resultsUrl(key: string): string;
  /** Releases the S3 client's sockets. */
  close(): void;
}

/**
 * Opens a deployed stage's buckets ({@link stageBucketNames}) over one S3 client with the usual
 * credential and region chain (`AWS_ENDPOINT_URL_S3` points it elsewhere;
 * `CDS_S3_FORCE_PATH_STYLE=1` for a server without bucket subdomains).
 *
 * @example
 * const buckets = await openStageBuckets("lab");
 * try { console.log(await buckets.library("lm").exists("manifest.json")); } finally { buckets.close(); }
 */
export async function openStageBuckets(stage: string, options: { env?: NodeJS.ProcessEnv; ssm?: SSMClient } = {}): Promise<StageBuckets> {
  const env = options.env ?? process.env;
  const names = await stageBucketNames(stage, options);
  const client = createS3Client(env);
  return {
    names,
    uploads: new S3BlobStore({ client, bucket: names.uploads }),
    library: (name) => libraryStore(client, names.library, name),
    resultsUrl: (key) => `s3://${names.results}/${key}`,
    close: () => client.destroy(),
  };
}
