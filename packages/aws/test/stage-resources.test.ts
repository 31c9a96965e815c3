import { SSMClient } from "@aws-sdk/client-ssm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StageResourceMissingError } from "../src/errors.ts";
import { stageBucketNames, stageBucketParameter } from "../src/stage-resources.ts";
import { startFakeSsm, type FakeSsm } from "@cds/testing/aws/fake-ssm";
import { localClientConfig } from "@cds/testing/aws/local-endpoint";

describe("stageBucketNames: a deployed stage's buckets, from SST's SSM parameters", () => {
  let ssm: FakeSsm;
  let client: SSMClient;

  beforeAll(async () => {
    ssm = await startFakeSsm({
      [stageBucketParameter("lab", "uploads")]: "lab-cdm-search-storage-uploadsbucket-1a2b",
      [stageBucketParameter("lab", "library")]: "lab-cdm-search-storage-librarybucket-3c4d",
      [stageBucketParameter("lab", "results")]: "lab-cdm-search-storage-resultsbucket-5e6f",
      [stageBucketParameter("half", "uploads")]: "half-uploads",
    });
    client = new SSMClient(localClientConfig(ssm.endpoint, 1));
  });

  afterAll(async () => {
    client?.destroy();
    await ssm?.close();
  });

  it("names the parameters as SST v2 writes them for the Storage stack's buckets", () => {
    expect(stageBucketParameter("lab", "uploads")).toBe("/sst/cdm-search/lab/Bucket/Uploads/bucketName");
    expect(stageBucketParameter("lab", "library")).toBe("/sst/cdm-search/lab/Bucket/Library/bucketName");
    expect(stageBucketParameter("lab", "results")).toBe("/sst/cdm-search/lab/Bucket/Results/bucketName");
    expect(() => stageBucketParameter("../x", "uploads")).toThrow(/not a stage name/);
  });

  it("reads all three in one GetParameters call", async () => {
    const before = ssm.requests.length;

    const names = await stageBucketNames("lab", { env: {}, ssm: client });

    expect(names).toEqual({
      uploads: "lab-cdm-search-storage-uploadsbucket-1a2b",
      library: "lab-cdm-search-storage-librarybucket-3c4d",
      results: "lab-cdm-search-storage-resultsbucket-5e6f",
    });
    expect(ssm.requests.slice(before)).toEqual([{ Names: ["uploads", "library", "results"].map((role) => stageBucketParameter("lab", role as "uploads")) }]);
  });

  it("takes CDS_*_BUCKET over SSM, and asks SSM only for the rest (or not at all)", async () => {
    const before = ssm.requests.length;

    const some = await stageBucketNames("lab", { env: { CDS_RESULTS_BUCKET: "my-results" }, ssm: client });
    const all = await stageBucketNames("lab", { env: { CDS_UPLOADS_BUCKET: "u", CDS_LIBRARY_BUCKET: "l", CDS_RESULTS_BUCKET: "r" }, ssm: client });

    expect(some.results).toBe("my-results");
    expect(some.uploads).toBe("lab-cdm-search-storage-uploadsbucket-1a2b");
    expect(all).toEqual({ uploads: "u", library: "l", results: "r" });
    expect(ssm.requests.slice(before)).toEqual([{ Names: [stageBucketParameter("lab", "uploads"), stageBucketParameter("lab", "library")] }]);
  });

  it("names the missing parameters, and the variables that would stand in, for a stage that is not deployed", async () => {
    const missing = stageBucketNames("half", { env: { AWS_REGION: "eu-west-1" }, ssm: client });

    await expect(missing).rejects.toBeInstanceOf(StageResourceMissingError);
    await expect(missing).rejects.toThrow(
      "stage half has no /sst/cdm-search/half/Bucket/Library/bucketName, /sst/cdm-search/half/Bucket/Results/bucketName in SSM Parameter Store: " +
        "is the stage deployed (`npx sst deploy --stage half`), and are the AWS credentials and region (eu-west-1) those of its account? " +
        "Or name the buckets with CDS_LIBRARY_BUCKET, CDS_RESULTS_BUCKET.",
    );
  });
});
