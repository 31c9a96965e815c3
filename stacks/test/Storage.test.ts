import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Match, Template } from "aws-cdk-lib/assertions";
import type { CfnBucket } from "aws-cdk-lib/aws-s3";
import { App, getStack, use } from "sst/constructs";
import { initProject, useProject } from "sst/project.js";
import sstConfig from "../../sst.config.ts";
import { Storage } from "../Storage.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const outdirs: string[] = [];

// Synthesizes the app the way `sst deploy` would, minus the AWS calls: no
// credentials exist offline, so the account is a placeholder.
async function synth(stage: string) {
  process.env.SST_TELEMETRY_DISABLED = "1";
  process.env.CDK_DEFAULT_ACCOUNT = "123456789012";
  process.env.CDK_DEFAULT_REGION = "us-east-1";
  // Makes App.finish() skip the bootstrap-stack lookup, which needs AWS.
  process.env.NODE_ENV = "test";

  await initProject({ root, stage });
  const { config } = useProject();
  // Keep CDK's asset staging out of the repo and out of a shared cdk.out.
  const outdir = mkdtempSync(join(tmpdir(), "cdm-search-cdk-"));
  outdirs.push(outdir);
  // App does not read the stage from the project; without it every synth is "dev".
  const app = new App(
    { mode: "deploy", stage: config.stage, name: config.name, region: config.region },
    { outdir },
  );
  // Through sst.config.ts, so the test also proves the app really lists Storage.
  await sstConfig.stacks(app);
  await app.finish();

  const stack = getStack(Storage);
  const { libraryBucket, resultsBucket } = use(Storage);
  const logicalId = (b: typeof libraryBucket) =>
    stack.getLogicalId(b.cdk.bucket.node.defaultChild as CfnBucket);
  return {
    stack,
    template: Template.fromStack(stack),
    libraryId: logicalId(libraryBucket),
    resultsId: logicalId(resultsBucket),
  };
}

afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

type Synth = Awaited<ReturnType<typeof synth>>;

describe("Storage stack on a non-prod stage", () => {
  let s: Synth;
  beforeAll(async () => {
    s = await synth("test");
  });

  it("names the stack after the stage so stages can share an account", () => {
    expect(s.stack.stackName).toBe("test-cdm-search-Storage");
  });

  it("creates exactly the library and results buckets", () => {
    s.template.resourceCountIs("AWS::S3::Bucket", 2);
    expect(s.libraryId).not.toBe(s.resultsId);
  });

  it("blocks every form of public access on both buckets and serves no CORS", () => {
    s.template.allResourcesProperties("AWS::S3::Bucket", {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
      CorsConfiguration: Match.absent(),
    });
  });

  it("denies non-TLS requests to both buckets", () => {
    const policies = Object.values(s.template.findResources("AWS::S3::BucketPolicy")) as {
      Properties: { Bucket: { Ref: string }; PolicyDocument: { Statement: Record<string, unknown>[] } };
    }[];
    for (const id of [s.libraryId, s.resultsId]) {
      const policy = policies.find((p) => p.Properties.Bucket.Ref === id);
      expect(policy, `policy for ${id}`).toBeDefined();
      expect(policy!.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: "Deny",
          Action: "s3:*",
          Principal: { AWS: "*" },
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        }),
      );
    }
  });

  it("expires results after 30 days but never expires the library", () => {
    const resources = s.template.toJSON().Resources;
    expect(resources[s.resultsId].Properties.LifecycleConfiguration).toEqual({
      Rules: [{ Id: "expire-results", Status: "Enabled", ExpirationInDays: 30 }],
    });
    expect(resources[s.libraryId].Properties.LifecycleConfiguration).toBeUndefined();
  });

  it("deletes both buckets and their objects when the stage is removed", () => {
    const resources = s.template.toJSON().Resources;
    for (const id of [s.libraryId, s.resultsId]) {
      expect(resources[id].DeletionPolicy).toBe("Delete");
      expect(resources[id].UpdateReplacePolicy).toBe("Delete");
    }
    const autoDelete = Object.values(s.template.findResources("Custom::S3AutoDeleteObjects")) as {
      Properties: { BucketName: { Ref: string } };
    }[];
    expect(autoDelete.map((r) => r.Properties.BucketName.Ref).sort()).toEqual(
      [s.libraryId, s.resultsId].sort(),
    );
  });
});

describe("Storage stack on the prod stage", () => {
  let s: Synth;
  beforeAll(async () => {
    s = await synth("prod");
  });

  it("names the stack after the prod stage", () => {
    expect(s.stack.stackName).toBe("prod-cdm-search-Storage");
  });

  it("retains both buckets and their objects when the stack is deleted or replaced", () => {
    const resources = s.template.toJSON().Resources;
    for (const id of [s.libraryId, s.resultsId]) {
      expect(resources[id].DeletionPolicy).toBe("Retain");
      expect(resources[id].UpdateReplacePolicy).toBe("Retain");
    }
    s.template.resourceCountIs("Custom::S3AutoDeleteObjects", 0);
  });

  it("keeps the same private, TLS-only, expiring configuration as other stages", () => {
    s.template.resourceCountIs("AWS::S3::Bucket", 2);
    s.template.allResourcesProperties("AWS::S3::Bucket", {
      PublicAccessBlockConfiguration: Match.objectEquals({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      }),
    });
    s.template.hasResourceProperties("AWS::S3::BucketPolicy", {
      Bucket: { Ref: s.resultsId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    });
    s.template.hasResourceProperties("AWS::S3::Bucket", {
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 30 })] },
    });
  });
});
