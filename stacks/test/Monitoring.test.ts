import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CfnResource } from "aws-cdk-lib";
import { telemetryMetrics } from "@cds/core/ports";
import { getStack, use } from "sst/constructs";
import { Events } from "../Events.ts";
import { lambdaEntries, Pipeline, type LambdaEntry } from "../Pipeline.ts";
import { State } from "../State.ts";
import { synthesizedApp, type SynthesizedApp } from "./synthesized-app.ts";

type Dimension = { Name: string; Value: unknown };
type AlarmResource = {
  Properties: {
    AlarmName: string;
    Namespace: string;
    MetricName: string;
    Dimensions: Dimension[];
    Statistic: string;
    Threshold: number;
    ComparisonOperator: string;
    EvaluationPeriods: number;
    TreatMissingData: string;
    AlarmActions: unknown[];
    OKActions: unknown[];
  };
};

let synthesized: SynthesizedApp;
let alarms: AlarmResource[];
let ids: { functions: Record<LambdaEntry, string>; queues: Record<string, string>; table: string; topic: string };
let indexNames: string[];

beforeAll(async () => {
  // Templates only: no function is bundled.
  synthesized = await synthesizedApp("test", { activeStacks: ["Monitoring"], env: { CDS_ALARM_EMAIL: "oncall@lab.example.org" } });
  const logicalId = (stackOf: Parameters<typeof getStack>[0], construct: { node: { defaultChild?: unknown } }) =>
    getStack(stackOf).getLogicalId(construct.node.defaultChild as CfnResource);
  const pipeline = use(Pipeline);
  indexNames = use(State).indexNames;
  ids = {
    functions: Object.fromEntries(lambdaEntries.map((entry) => [entry, logicalId(Pipeline, pipeline.functions[entry])])) as Record<LambdaEntry, string>,
    queues: {
      undelivered: logicalId(Events, use(Events).deadLetters.cdk.queue),
      failed: logicalId(Pipeline, pipeline.failedInvocations.cdk.queue),
      webhooks: logicalId(Pipeline, pipeline.webhookDeadLetters.cdk.queue),
    },
    table: logicalId(State, use(State).table.cdk.table),
    topic: Object.keys(synthesized.template("Monitoring").findResources("AWS::SNS::Topic"))[0],
  };
  alarms = Object.values(synthesized.template("Monitoring").findResources("AWS::CloudWatch::Alarm")) as AlarmResource[];
});

afterAll(() => synthesized?.dispose());

/** An alarm's metric as `Namespace MetricName Dim=value,…`, values resolved to what they name. */
function watched(alarm: AlarmResource): string {
  const dims = alarm.Properties.Dimensions.map((d) => `${d.Name}=${nameOf(d.Value)}`).sort();
  return `${alarm.Properties.Namespace} ${alarm.Properties.MetricName} ${dims.join(",")}`;
}

/** A dimension value: a literal, or the resource (function entry, queue, table) it refers to. */
function nameOf(value: unknown): string {
  const resolved = JSON.stringify(synthesized.resolveImport(value));
  if (typeof value === "string") return value;
  for (const [entry, id] of Object.entries(ids.functions)) if (resolved === JSON.stringify({ Ref: id })) return `function:${entry}`;
  for (const [name, id] of Object.entries(ids.queues)) if (resolved === JSON.stringify({ "Fn::GetAtt": [id, "QueueName"] })) return `queue:${name}`;
  if (resolved === JSON.stringify({ Ref: ids.table })) return "table:state";
  return resolved;
}

/** The dashboard's body as JSON, each reference written as `<ref:…>` (or what an import stands for). */
function dashboardBody(): { widgets: { type: string; properties: Record<string, any> }[] } {
  const [dashboard] = Object.values(synthesized.template("Monitoring").findResources("AWS::CloudWatch::Dashboard")) as { Properties: { DashboardBody: unknown } }[];
  const body = dashboard.Properties.DashboardBody as { "Fn::Join": [string, unknown[]] };
  const text = body["Fn::Join"][1].map((part) => (typeof part === "string" ? part : `<ref:${nameOf(part)}>`.replaceAll('"', "'"))).join("");
  return JSON.parse(text);
}

describe("Monitoring stack: alarms", () => {
  it("alarms on every dead-letter queue holding any message", () => {
    const onQueues = alarms.filter((a) => a.Properties.Namespace === "AWS/SQS");
    expect(onQueues.map(watched).sort()).toEqual(
      ["failed", "undelivered", "webhooks"].map((q) => `AWS/SQS ApproximateNumberOfMessagesVisible QueueName=queue:${q}`).sort(),
    );
    for (const alarm of onQueues) expect(alarm.Properties).toMatchObject({ Statistic: "Maximum", Threshold: 0, ComparisonOperator: "GreaterThanThreshold" });
  });

  it("alarms on each function's errors and throttles", () => {
    const onFunctions = alarms.filter((a) => a.Properties.Namespace === "AWS/Lambda");
    expect(onFunctions.map(watched).sort()).toEqual(
      lambdaEntries.flatMap((entry) => ["Errors", "Throttles"].map((metric) => `AWS/Lambda ${metric} FunctionName=function:${entry}`)).sort(),
    );
    for (const alarm of onFunctions) expect(alarm.Properties).toMatchObject({ Statistic: "Sum", Threshold: 0, ComparisonOperator: "GreaterThanThreshold" });
  });

  it("alarms on DynamoDB read and write throttling, of the table and of each global secondary index", () => {
    expect(indexNames.length).toBeGreaterThan(0);
    const onTable = alarms.filter((a) => a.Properties.Namespace === "AWS/DynamoDB");
    const scopes = ["", ...indexNames.map((index) => `GlobalSecondaryIndexName=${index},`)];
    expect(onTable.map(watched).sort()).toEqual(
      scopes.flatMap((scope) => ["ReadThrottleEvents", "WriteThrottleEvents"].map((metric) => `AWS/DynamoDB ${metric} ${scope}TableName=table:state`)).sort(),
    );
  });

  it("has no other alarm, and each fires on the first occurrence, treats no data as healthy, and tells the topic", () => {
    expect(alarms).toHaveLength(3 + 2 * lambdaEntries.length + 2 * (1 + indexNames.length));
    for (const alarm of alarms) {
      expect(alarm.Properties, alarm.Properties.AlarmName).toMatchObject({
        Threshold: 0,
        ComparisonOperator: "GreaterThanThreshold",
        EvaluationPeriods: 1,
        TreatMissingData: "notBreaching",
        AlarmActions: [{ Ref: ids.topic }],
        OKActions: [{ Ref: ids.topic }],
      });
      expect(alarm.Properties.AlarmName).toMatch(/^test-cdm-search-/);
    }
  });

  it("subscribes the alarm email from the deploy's environment, and refuses non-TLS publishing", () => {
    synthesized.template("Monitoring").hasResourceProperties("AWS::SNS::Subscription", { Protocol: "email", Endpoint: "oncall@lab.example.org", TopicArn: { Ref: ids.topic } });
    const [policy] = Object.values(synthesized.template("Monitoring").findResources("AWS::SNS::TopicPolicy")) as { Properties: { PolicyDocument: { Statement: any[] } } }[];
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual(expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }));
  });
});

describe("Monitoring stack: dashboard", () => {
  /** Each graph's metrics as `Namespace MetricName dim=value…` (and search expressions as they are), by title. */
  function graphs(): Map<string, string[]> {
    const found = new Map<string, string[]>();
    for (const widget of dashboardBody().widgets.filter((w) => w.type === "metric")) {
      const lines: string[] = [];
      for (const metric of widget.properties.metrics as unknown[][]) {
        const options = metric.at(-1) as { expression?: string } | undefined;
        if (options && typeof options === "object" && options.expression) {
          lines.push(options.expression);
          continue;
        }
        // [namespace, name, dim, value, …, {options}]; "." repeats the previous line's field.
        const fields = metric.filter((f) => typeof f === "string") as string[];
        lines.push(fields.join(" "));
      }
      found.set(widget.properties.title, lines);
    }
    return found;
  }

  it("is one dashboard", () => {
    synthesized.template("Monitoring").resourceCountIs("AWS::CloudWatch::Dashboard", 1);
    synthesized.template("Monitoring").hasResourceProperties("AWS::CloudWatch::Dashboard", { DashboardName: "test-cdm-search-pipeline" });
  });

  it("graphs invocations, errors, throttles and duration of every function", () => {
    const byTitle = graphs();
    for (const [title, metric] of [
      ["Invocations", "Invocations"],
      ["Errors", "Errors"],
      ["Throttles", "Throttles"],
      ["Duration (p99, ms)", "Duration"],
    ]) {
      const lines = byTitle.get(title) ?? [];
      expect(lines, title).toHaveLength(lambdaEntries.length);
      for (const entry of lambdaEntries) expect(lines, `${title} ${entry}`).toContainEqual(expect.stringMatching(new RegExp(`${metric} FunctionName <ref:function:${entry}>`)));
    }
  });

  it("graphs the depth of every dead-letter queue, and the workers' concurrency against the budget", () => {
    const lines = graphs().get("Dead-letter queues (messages)") ?? [];
    for (const queue of ["undelivered", "failed", "webhooks"]) expect(lines).toContainEqual(expect.stringContaining(`ApproximateNumberOfMessagesVisible QueueName <ref:queue:${queue}>`));
    const concurrency = dashboardBody().widgets.find((w) => w.properties.title === "Concurrent executions");
    expect(concurrency?.properties.annotations.horizontal).toContainEqual(expect.objectContaining({ value: 800, label: "CDS_WORKER_BUDGET" }));
  });

  it("graphs DynamoDB consumed capacity and throttled requests for the table and each index", () => {
    const consumed = graphs().get("DynamoDB consumed capacity (units)") ?? [];
    const throttled = graphs().get("DynamoDB throttled requests") ?? [];
    for (const index of indexNames) {
      expect(consumed.join("\n")).toContain(`GlobalSecondaryIndexName ${index}`);
      expect(throttled.join("\n")).toContain(`GlobalSecondaryIndexName ${index}`);
    }
    for (const metric of ["ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits"]) expect(consumed.join("\n")).toContain(`AWS/DynamoDB ${metric} TableName <ref:table:state>`);
    for (const metric of ["ReadThrottleEvents", "WriteThrottleEvents"]) expect(throttled.join("\n")).toContain(`AWS/DynamoDB ${metric} TableName <ref:table:state>`);
  });

  it("graphs the functions' own metrics from the stage's namespace, under the dimensions they are emitted with", () => {
    const lines = [...graphs().values()].flat();
    const all = lines.join("\n");
    // CloudWatch takes the dimensions in any order; CDK writes them sorted.
    const graphed = (metric: string, phase: string) => lines.some((line) => line === `cdm-search/test ${metric} phase ${phase} service cdm-search`);
    expect(graphed(telemetryMetrics.batchesScored, "worker")).toBe(true);
    for (const entry of lambdaEntries) {
      expect(graphed(telemetryMetrics.phaseDuration, entry), entry).toBe(true);
      expect(graphed(telemetryMetrics.coldStarts, entry), entry).toBe(true);
    }
    for (const metric of [
      telemetryMetrics.dynamoDbThrottles,
      telemetryMetrics.dynamoDbRetries,
      telemetryMetrics.s3Throttles,
      telemetryMetrics.s3Retries,
      telemetryMetrics.lambdaThrottles,
      telemetryMetrics.lambdaRetries,
      telemetryMetrics.writeRetries,
    ]) {
      expect(all).toContain(`SEARCH('{cdm-search/test,service,phase} MetricName="${metric}"', 'Sum', 60)`);
    }
  });

  it("shows every alarm's state", () => {
    const widget = dashboardBody().widgets.find((w) => w.type === "alarm");
    expect(widget?.properties.alarms).toHaveLength(alarms.length);
  });
});
