import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Match } from "aws-cdk-lib/assertions";
import type { CfnBucket } from "aws-cdk-lib/aws-s3";
import { getStack, use } from "sst/constructs";
import { Storage } from "../Storage.ts";
import { synthesizedApp, type SynthesizedApp } from "./synthesized-app.ts";

const synthesized: SynthesizedApp[] = [];

// Synthesizes the app the way `sst deploy` would, minus the AWS calls, through sst.config.ts
// (so the test also proves the app really lists Storage). Only Storage is built in full: the
// other stacks' functions are not bundled, as with `sst deploy Storage`.
async function synth(stage: string) {
  const result = await synthesizedApp(stage, { activeStacks: ["Storage"] });
  synthesized.push(result);
  const stack = getStack(Storage);
  const { libraryBucket, resultsBucket, uploadsBucket } = use(Storage);
  const logicalId = (b: typeof libraryBucket) =>
    stack.getLogicalId(b.cdk.bucket.node.defaultChild as CfnBucket);
  return {
    stack,
    template: result.template("Storage"),
    libraryId: logicalId(libraryBucket),
    resultsId: logicalId(resultsBucket),
    uploadsId: logicalId(uploadsBucket),
  };
}

afterAll(() => {
  for (const result of synthesized) result.dispose();
});

type Synth = Awaited<ReturnType<typeof synth>>;

const allBuckets = (s: Synth) => [s.libraryId, s.resultsId, s.uploadsId];

describe("Storage stack on a non-prod stage", () => {
  let s: Synth;
  beforeAll(async () => {
    s = await synth("test");
  });

  it("names the stack after the stage so stages can share an account", () => {
    expect(s.stack.stackName).toBe("test-cdm-search-Storage");
  });

  it("creates exactly the library, results and uploads buckets", () => {
    s.template.resourceCountIs("AWS::S3::Bucket", 3);
    expect(new Set(allBuckets(s)).size).toBe(3);
  });

  it("blocks every form of public access on all three buckets", () => {
    s.template.allResourcesProperties("AWS::S3::Bucket", {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
    });
  });

  // The console's browsers PUT masks and GET results with presigned URLs (stacks/Console.ts).
  it("serves CORS only for the console's presigned requests: PUT of a mask with its signed headers, GET of results; none on the library", () => {
    const cors = (id: string) => (s.template.toJSON().Resources[id].Properties as { CorsConfiguration?: unknown }).CorsConfiguration;
    expect(cors(s.libraryId)).toBeUndefined();
    expect(cors(s.uploadsId)).toEqual({
      CorsRules: [{ AllowedMethods: ["PUT"], AllowedOrigins: ["*"], AllowedHeaders: ["content-type", "x-amz-meta-cds-settings"], MaxAge: 3600 }],
    });
    expect(cors(s.resultsId)).toEqual({ CorsRules: [{ AllowedMethods: ["GET"], AllowedOrigins: ["*"], AllowedHeaders: [], MaxAge: 3600 }] });
  });

  it("denies non-TLS requests to all three buckets", () => {
    const policies = Object.values(s.template.findResources("AWS::S3::BucketPolicy")) as {
      Properties: { Bucket: { Ref: string }; PolicyDocument: { Statement: Record<string, unknown>[] } };
    }[];
    for (const id of allBuckets(s)) {
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

  it("expires results after 30 days and uploads after 7, but never expires the library", () => {
    const resources = s.template.toJSON().Resources;
    expect(resources[s.resultsId].Properties.LifecycleConfiguration).toEqual({
      Rules: [{ Id: "expire-results", Status: "Enabled", ExpirationInDays: 30 }],
    });
    expect(resources[s.uploadsId].Properties.LifecycleConfiguration).toEqual({
      Rules: [{ Id: "expire-uploads", Status: "Enabled", ExpirationInDays: 7, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }],
    });
    expect(resources[s.libraryId].Properties.LifecycleConfiguration).toBeUndefined();
  });

  it("sends the uploads bucket's object events to EventBridge, and no other bucket's", () => {
    const notifications = Object.values(s.template.findResources("Custom::S3BucketNotifications")) as {
      Properties: { BucketName: { Ref: string }; NotificationConfiguration: Record<string, unknown> };
    }[];
    expect(notifications).toHaveLength(1);
    expect(notifications[0].Properties.BucketName).toEqual({ Ref: s.uploadsId });
    // EventBridge only: no SNS, SQS or Lambda targets wired to the bucket directly.
    expect(notifications[0].Properties.NotificationConfiguration).toEqual({ EventBridgeConfiguration: {} });
  });

  it("lets the notification handler configure the uploads bucket only", () => {
    s.template.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: [{ Action: "s3:PutBucketNotification", Effect: "Allow", Resource: { "Fn::GetAtt": [s.uploadsId, "Arn"] } }],
      },
    });
  });

  it("deletes all three buckets and their objects when the stage is removed", () => {
    const resources = s.template.toJSON().Resources;
    for (const id of allBuckets(s)) {
      expect(resources[id].DeletionPolicy).toBe("Delete");
      expect(resources[id].UpdateReplacePolicy).toBe("Delete");
    }
    const autoDelete = Object.values(s.template.findResources("Custom::S3AutoDeleteObjects")) as {
      Properties: { BucketName: { Ref: string } };
    }[];
    expect(autoDelete.map((r) => r.Properties.BucketName.Ref).sort()).toEqual(allBuckets(s).sort());
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

  it("retains all three buckets and their objects when the stack is deleted or replaced", () => {
    const resources = s.template.toJSON().Resources;
    for (const id of allBuckets(s)) {
      expect(resources[id].DeletionPolicy).toBe("Retain");
      expect(resources[id].UpdateReplacePolicy).toBe("Retain");
    }
    s.template.resourceCountIs("Custom::S3AutoDeleteObjects", 0);
  });

  it("keeps the same private, TLS-only, expiring, EventBridge-notifying configuration as other stages", () => {
    s.template.resourceCountIs("AWS::S3::Bucket", 3);
    s.template.allResourcesProperties("AWS::S3::Bucket", {
      PublicAccessBlockConfiguration: Match.objectEquals({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      }),
    });
    for (const id of allBuckets(s)) {
      s.template.hasResourceProperties("AWS::S3::BucketPolicy", {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
          ]),
        },
      });
    }
    s.template.hasResourceProperties("AWS::S3::Bucket", {
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 30 })] },
    });
    s.template.hasResourceProperties("AWS::S3::Bucket", {
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 7 })] },
    });
    s.template.hasResourceProperties("Custom::S3BucketNotifications", {
      BucketName: { Ref: s.uploadsId },
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    });
  });
});
