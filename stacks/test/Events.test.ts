import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CfnResource } from "aws-cdk-lib";
import { eventRules, ruleTargets, type RuleTarget } from "@cds/events";
import { getStack, use } from "sst/constructs";
import { Events } from "../Events.ts";
import { Pipeline, type LambdaEntry } from "../Pipeline.ts";
import { Storage } from "../Storage.ts";
import { synthesizedApp, type SynthesizedApp } from "./synthesized-app.ts";

type RuleResource = {
  Properties: {
    Name: string;
    Description?: string;
    EventBusName?: unknown;
    EventPattern?: unknown;
    ScheduleExpression?: string;
    Targets: { Arn: unknown; DeadLetterConfig?: { Arn: unknown }; RetryPolicy?: { MaximumRetryAttempts: number; MaximumEventAgeInSeconds: number } }[];
  };
};

// The Lambda entry each rule target names (the Pipeline stack's `functions`).
const functionOfTarget: Record<RuleTarget, LambdaEntry> = {
  intake: "intake",
  admission: "admission",
  combiner: "combiner",
  "submission-tracking": "submission-tracking",
  notify: "notify",
};

/** Stands in for the upload bucket's name token in the expected patterns. */
const BUCKET_NAME = "\u0000uploads-bucket-name\u0000";

let synthesized: SynthesizedApp;
let rules: RuleResource[];
let ids: { uploads: string; bus: string; deadLetters: string; functions: Record<string, string> };

beforeAll(async () => {
  // The rules need the Pipeline's functions but not their bundles: Pipeline stays inactive.
  synthesized = await synthesizedApp("test", { activeStacks: ["Storage", "State", "Events"] });
  const logicalId = (stackOf: Parameters<typeof getStack>[0], construct: { node: { defaultChild?: unknown } }) =>
    getStack(stackOf).getLogicalId(construct.node.defaultChild as CfnResource);
  const { functions } = use(Pipeline);
  const { bus, deadLetters } = use(Events);
  ids = {
    uploads: logicalId(Storage, use(Storage).uploadsBucket.cdk.bucket),
    bus: logicalId(Events, bus.cdk.eventBus),
    deadLetters: logicalId(Events, deadLetters.cdk.queue),
    functions: Object.fromEntries(Object.entries(functions).map(([name, fn]) => [name, logicalId(Pipeline, fn)])),
  };
  rules = Object.values(synthesized.template("Events").findResources("AWS::Events::Rule")) as RuleResource[];
});

afterAll(() => synthesized?.dispose());

/** A value with every cross-stack import replaced by what the exporting stack put there. */
function resolved(value: unknown): unknown {
  const direct = synthesized.resolveImport(value);
  if (direct !== value) return resolved(direct);
  if (Array.isArray(value)) return value.map(resolved);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolved(v)]));
  return value;
}

/** The catalog's pattern with the bucket-name placeholder replaced by a reference to the uploads bucket. */
function withBucketRef(value: unknown): unknown {
  if (value === BUCKET_NAME) return { Ref: ids.uploads };
  if (Array.isArray(value)) return value.map(withBucketRef);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withBucketRef(v)]));
  return value;
}

function ruleNamed(name: string): RuleResource {
  const rule = rules.find((r) => r.Properties.Name === `test-cdm-search-${name}`);
  if (!rule) throw new Error(`no rule ${name} in the Events stack`);
  return rule;
}

const catalog = eventRules({ uploadBucketName: BUCKET_NAME });

describe("Events stack", () => {
  it("creates one rule per entry of the events/ rule list, plus the sweeper's schedule", () => {
    expect(rules.map((r) => r.Properties.Name).sort()).toEqual(
      [...catalog.map((rule) => `test-cdm-search-${rule.name}`), "test-cdm-search-sweep-schedule"].sort(),
    );
  });

  it.each(catalog.map((rule) => [rule.name, rule] as const))("rule %s has exactly the catalog's pattern and description", (name, rule) => {
    const deployed = ruleNamed(name);
    expect(resolved(deployed.Properties.EventPattern)).toEqual(withBucketRef(rule.pattern));
    expect(deployed.Properties.Description).toBe(rule.description);
  });

  it("matches S3 uploads of the uploads bucket only, on the default bus", () => {
    const pattern = resolved(ruleNamed("mask-uploaded").Properties.EventPattern) as { detail: { bucket: { name: unknown[] } } };
    expect(pattern.detail.bucket.name).toEqual([{ Ref: ids.uploads }]);
    expect(ruleNamed("mask-uploaded").Properties.EventBusName).toBeUndefined();
  });

  it.each(catalog.map((rule) => [rule.name, rule] as const))("rule %s is on its bus and targets its function", (name, rule) => {
    const deployed = ruleNamed(name);
    if (rule.bus === "default") expect(deployed.Properties.EventBusName).toBeUndefined();
    else expect(deployed.Properties.EventBusName).toEqual({ Ref: ids.bus });
    expect(deployed.Properties.Targets).toHaveLength(1);
    expect(resolved(deployed.Properties.Targets[0].Arn)).toEqual({ "Fn::GetAtt": [ids.functions[functionOfTarget[rule.target]], "Arn"] });
  });

  it("routes the completion rule (Search Batches Completed) to the combiner", () => {
    const completion = ruleNamed("search-batches-completed");
    expect(completion.Properties.EventPattern).toMatchObject({ "detail-type": ["Search Batches Completed"] });
    expect(resolved(completion.Properties.Targets[0].Arn)).toEqual({ "Fn::GetAtt": [ids.functions.combiner, "Arn"] });
  });

  it("has a function for every rule target events/ knows", () => {
    for (const target of ruleTargets) expect(ids.functions[functionOfTarget[target]], target).toBeDefined();
  });

  it("runs the sweeper every minute", () => {
    const schedule = ruleNamed("sweep-schedule");
    expect(schedule.Properties.ScheduleExpression).toBe("rate(1 minute)");
    expect(schedule.Properties.EventBusName).toBeUndefined();
    expect(resolved(schedule.Properties.Targets[0].Arn)).toEqual({ "Fn::GetAtt": [ids.functions.sweeper, "Arn"] });
  });

  it("retries every target and dead-letters what EventBridge could not deliver", () => {
    for (const rule of rules) {
      const [target] = rule.Properties.Targets;
      expect(target.DeadLetterConfig, rule.Properties.Name).toEqual({ Arn: { "Fn::GetAtt": [ids.deadLetters, "Arn"] } });
      expect(target.RetryPolicy?.MaximumRetryAttempts, rule.Properties.Name).toBeGreaterThan(0);
      expect(target.RetryPolicy?.MaximumEventAgeInSeconds, rule.Properties.Name).toBeGreaterThanOrEqual(60);
    }
  });

  it("lets EventBridge send to the dead-letter queue only on behalf of these rules", () => {
    const policies = Object.values(synthesized.template("Events").findResources("AWS::SQS::QueuePolicy")) as {
      Properties: { Queues: unknown[]; PolicyDocument: { Statement: { Effect: string; Action: unknown; Principal?: unknown; Condition?: unknown }[] } };
    }[];
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).filter((s) => s.Effect === "Allow");
    expect(statements).toHaveLength(rules.length);
    for (const statement of statements) {
      expect(statement.Action).toBe("sqs:SendMessage");
      expect(statement.Principal).toEqual({ Service: "events.amazonaws.com" });
      expect(statement.Condition).toEqual({ ArnEquals: { "aws:SourceArn": { "Fn::GetAtt": [expect.any(String), "Arn"] } } });
    }
  });

  it("lets each rule invoke its target function and nothing else", () => {
    const permissions = Object.values(synthesized.template("Events").findResources("AWS::Lambda::Permission")) as {
      Properties: { Action: string; Principal: string; FunctionName: unknown; SourceArn: unknown };
    }[];
    expect(permissions).toHaveLength(rules.length);
    for (const permission of permissions) {
      expect(permission.Properties.Action).toBe("lambda:InvokeFunction");
      expect(permission.Properties.Principal).toBe("events.amazonaws.com");
      expect(permission.Properties.SourceArn).toEqual({ "Fn::GetAtt": [expect.any(String), "Arn"] });
    }
  });

  it("names the search bus after the stage, as the functions expect it", () => {
    synthesized.template("Events").hasResourceProperties("AWS::Events::EventBus", { Name: "test-cdm-search-search-events" });
  });
});
