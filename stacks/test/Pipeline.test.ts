import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CfnResource } from "aws-cdk-lib";
import { Match } from "aws-cdk-lib/assertions";
import { functionNames } from "@cds/functions";
import { getStack, use } from "sst/constructs";
import { emailSettings } from "../email-settings.ts";
import { Events } from "../Events.ts";
import { DEFAULT_WORKER_BUDGET, reservedConcurrency, WEBHOOK_MAX_CONCURRENCY } from "../concurrency.ts";
import { functionSizing, LAMBDA_ENTRY_DIR, lambdaEntries, LOG_LEVEL, Pipeline, WEBHOOK_MAX_RECEIVE_COUNT, type LambdaEntry } from "../Pipeline.ts";
import { State } from "../State.ts";
import { Storage } from "../Storage.ts";
import { root, synthesizedApp, type StackId, type SynthesizedApp } from "./synthesized-app.ts";

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

const SENDER = "CDM search <cdm-search@lab.example.org>";

/** What one synthesis holds, resolved to the Pipeline template's logical ids. */
async function synth(stage: string, options: Parameters<typeof synthesizedApp>[1]) {
  const synthesized = await synthesizedApp(stage, options);
  const logicalId = (stackOf: Parameters<typeof getStack>[0], construct: { node: { defaultChild?: unknown } }) =>
    getStack(stackOf).getLogicalId(construct.node.defaultChild as CfnResource);
  const pipeline = use(Pipeline);
  const storage = use(Storage);
  const resources = synthesized.template("Pipeline").toJSON().Resources as Record<string, Resource>;
  const functionIds = Object.fromEntries(lambdaEntries.map((entry) => [entry, logicalId(Pipeline, pipeline.functions[entry])])) as Record<LambdaEntry, string>;
  // Logical ids (in whichever stack) that resource names in policies are told apart by.
  const named: Record<string, string> = {
    uploads: logicalId(Storage, storage.uploadsBucket.cdk.bucket),
    library: logicalId(Storage, storage.libraryBucket.cdk.bucket),
    results: logicalId(Storage, storage.resultsBucket.cdk.bucket),
    state: logicalId(State, use(State).table.cdk.table),
    "webhook-queue": logicalId(Pipeline, pipeline.webhookQueue.cdk.queue),
    "webhook-dlq": logicalId(Pipeline, pipeline.webhookDeadLetters.cdk.queue),
    "failed-invocations": logicalId(Pipeline, pipeline.failedInvocations.cdk.queue),
    ...Object.fromEntries(lambdaEntries.map((entry) => [`function:${entry}`, functionIds[entry]])),
  };
  for (const entry of lambdaEntries) {
    named[`logs:${entry}`] = (resources[functionIds[entry]].Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
  }
  const sender = Object.entries(resources).find(([, r]) => r.Type === "AWS::SES::EmailIdentity")?.[0];
  if (sender) named["sender-identity"] = sender;
  getStack(Events); // the app lists every stack
  return { synthesized, resources, functionIds, named, stage };
}

type Synth = Awaited<ReturnType<typeof synth>>;

function fn(s: Synth, entry: LambdaEntry): Resource {
  return s.resources[s.functionIds[entry]];
}

/**
 * A policy resource as a short name: `uploads/*`, `state/index/gsi1`, `bus`,
 * `function:search-worker` (by deployed name), `function:on-failure:*`, …
 */
function nameOf(s: Synth, resource: unknown): string {
  const value = resolvedDeep(s, resource);
  const json = JSON.stringify(value);
  const parts = (value as { "Fn::Join"?: [string, unknown[]] })["Fn::Join"]?.[1];
  const tail = parts && typeof parts[parts.length - 1] === "string" ? (parts[parts.length - 1] as string) : "";
  const byArn = /:(event-bus\/|function:)(.+)$/.exec(tail);
  if (byArn) {
    const name = byArn[2].replace(`${s.stage}-cdm-search-`, "");
    return byArn[1] === "event-bus/" ? `bus:${name}` : `function:${name}`;
  }
  for (const [name, id] of Object.entries(s.named)) {
    if (json.includes(`"${id}"`)) return `${name}${tail.startsWith("/") || tail.startsWith(":") ? tail : ""}`;
  }
  return json;
}

function resolvedDeep(s: Synth, value: unknown): unknown {
  const direct = s.synthesized.resolveImport(value);
  if (direct !== value) return resolvedDeep(s, direct);
  if (Array.isArray(value)) return value.map((v) => resolvedDeep(s, v));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolvedDeep(s, v)]));
  return value;
}

/** The statements of the policies attached to a role (by its logical id). */
function statementsOfRole(s: Synth, roleId: string): Statement[] {
  return Object.values(s.resources)
    .filter((r) => r.Type === "AWS::IAM::Policy" && (r.Properties.Roles as unknown[]).some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleId })))
    .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);
}

/** Every "action resource" pair a function's role allows, sorted; its own log group as `logs`. */
function grantsOf(s: Synth, entry: LambdaEntry): string[] {
  const roleId = (fn(s, entry).Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  const grants: string[] = [];
  for (const statement of statementsOfRole(s, roleId)) {
    expect(statement.Effect).toBe("Allow");
    for (const action of [statement.Action].flat()) {
      for (const resource of [statement.Resource].flat()) grants.push(`${action} ${nameOf(s, resource).replace(`logs:${entry}`, "logs")}`);
    }
  }
  return [...new Set(grants)].sort();
}

// The grants each function needs, from the ports its Lambda entry builds (packages/aws/src/lambda).
const read = (bucket: string) => [`s3:GetObject ${bucket}/*`, `s3:ListBucket ${bucket}`];
const writeResults = ["s3:PutObject results/*", "s3:AbortMultipartUpload results/*"];
const state = ["GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query"].flatMap((a) => [`dynamodb:${a} state`, `dynamodb:${a} state/index/gsi1`]);
const putEvents = ["events:PutEvents bus:search-events"];
const invoke = (...names: string[]) => names.map((name) => `lambda:InvokeFunction function:${name}`);
const failsToOnFailure = invoke("on-failure", "on-failure:*");
const failsToQueue = ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"].map((a) => `${a} failed-invocations`);
const logs = ["logs:CreateLogStream logs", "logs:PutLogEvents logs"];
const expectedGrants: Record<LambdaEntry, string[]> = {
  // s3:GetObject also allows HeadObject, with which intake reads the parameters `cds submit --stage` put in an upload's metadata.
  intake: [...logs, ...read("uploads"), ...read("library"), ...state, ...putEvents, ...failsToOnFailure],
  admission: [...logs, ...read("library"), ...state, ...putEvents, ...invoke(functionNames.dispatchNode), ...failsToOnFailure],
  "dispatch-node": [...logs, ...read("library"), ...state, ...invoke(functionNames.dispatchNode, functionNames.worker), ...failsToOnFailure],
  worker: [...logs, ...read("uploads"), ...read("library"), ...state, ...putEvents, ...invoke(functionNames.dispatchNode), ...failsToOnFailure],
  combiner: [...logs, ...read("uploads"), ...read("library"), ...writeResults, ...state, ...putEvents, ...failsToOnFailure],
  "submission-tracking": [...logs, ...read("results"), ...writeResults, ...state, ...putEvents, ...failsToOnFailure],
  notify: [...logs, ...state, "sqs:SendMessage webhook-queue", ...failsToQueue],
  "webhook-delivery": [
    ...logs,
    ...state,
    "sqs:SendMessage webhook-queue",
    "sqs:SendMessage webhook-dlq",
    ...["ReceiveMessage", "ChangeMessageVisibility", "GetQueueUrl", "DeleteMessage", "GetQueueAttributes"].map((a) => `sqs:${a} webhook-queue`),
  ],
  sweeper: [...logs, ...read("uploads"), ...read("library"), ...writeResults, ...state, ...putEvents, ...invoke(functionNames.dispatchNode), ...failsToQueue],
  "on-failure": [...logs, ...state, ...putEvents, ...failsToQueue],
};

// The contract's environment variables each function reads, and no others.
const expectedSettings: Record<LambdaEntry, string[]> = {
  intake: ["CDS_UPLOADS_BUCKET", "CDS_LIBRARY_BUCKET", "CDS_STATE_TABLE", "CDS_EVENT_BUS"],
  admission: ["CDS_LIBRARY_BUCKET", "CDS_STATE_TABLE", "CDS_EVENT_BUS", "CDS_DISPATCH_NODE_FUNCTION", "CDS_WORKER_FUNCTION", "CDS_WORKER_BUDGET"],
  "dispatch-node": ["CDS_LIBRARY_BUCKET", "CDS_STATE_TABLE", "CDS_DISPATCH_NODE_FUNCTION", "CDS_WORKER_FUNCTION"],
  worker: ["CDS_UPLOADS_BUCKET", "CDS_LIBRARY_BUCKET", "CDS_STATE_TABLE", "CDS_EVENT_BUS", "CDS_DISPATCH_NODE_FUNCTION", "CDS_WORKER_FUNCTION"],
  combiner: ["CDS_UPLOADS_BUCKET", "CDS_LIBRARY_BUCKET", "CDS_RESULTS_BUCKET", "CDS_STATE_TABLE", "CDS_EVENT_BUS"],
  "submission-tracking": ["CDS_RESULTS_BUCKET", "CDS_STATE_TABLE", "CDS_EVENT_BUS"],
  notify: ["CDS_STATE_TABLE", "CDS_WEBHOOK_QUEUE_URL"],
  "webhook-delivery": ["CDS_STATE_TABLE", "CDS_WEBHOOK_QUEUE_URL", "CDS_WEBHOOK_DLQ_URL"],
  sweeper: [
    "CDS_UPLOADS_BUCKET",
    "CDS_LIBRARY_BUCKET",
    "CDS_RESULTS_BUCKET",
    "CDS_STATE_TABLE",
    "CDS_EVENT_BUS",
    "CDS_DISPATCH_NODE_FUNCTION",
    "CDS_WORKER_FUNCTION",
    "CDS_WORKER_BUDGET",
  ],
  "on-failure": ["CDS_STATE_TABLE", "CDS_EVENT_BUS"],
};

function settingsOf(s: Synth, entry: LambdaEntry): Record<string, unknown> {
  const variables = (fn(s, entry).Properties.Environment?.Variables ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(variables).filter(([name]) => name.startsWith("CDS_")));
}

/** Every identity-based statement in every stack of the app. */
function allIdentityStatements(s: Synth): { where: string; statement: Statement }[] {
  const found: { where: string; statement: Statement }[] = [];
  for (const id of ["Storage", "State", "Pipeline", "Events", "Monitoring"] as StackId[]) {
    for (const [logicalId, r] of Object.entries(s.synthesized.template(id).toJSON().Resources as Record<string, Resource>)) {
      if (r.Type === "AWS::IAM::Policy" || r.Type === "AWS::IAM::ManagedPolicy") {
        for (const statement of r.Properties.PolicyDocument.Statement) found.push({ where: `${id}/${logicalId}`, statement });
      }
      if (r.Type === "AWS::IAM::Role") {
        for (const policy of (r.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]) {
          for (const statement of policy.PolicyDocument.Statement) found.push({ where: `${id}/${logicalId}`, statement });
        }
      }
    }
  }
  return found;
}

describe("Pipeline stack on a non-prod stage (functions bundled)", () => {
  let s: Synth;
  beforeAll(async () => {
    // No sender configured: the stage sends no email.
    s = await synth("test", { env: { CDS_EMAIL_FROM: "" } });
    // Bundling nine functions takes ~50 s on an idle core; more when the machine is shared.
  }, 240_000);
  afterAll(() => s?.synthesized.dispose());

  it("deploys one function per Lambda entry, each with an existing handler file", () => {
    for (const entry of lambdaEntries) {
      expect(existsSync(join(root, LAMBDA_ENTRY_DIR, `${entry}.ts`)), `${entry}.ts`).toBe(true);
      expect(fn(s, entry).Properties.Handler).toBe(`${LAMBDA_ENTRY_DIR}/${entry}.handler`);
    }
  });

  it("stages each function's bundle, an ES module exporting `handler`, as its code asset", () => {
    for (const entry of lambdaEntries) {
      const { Code, Handler } = fn(s, entry).Properties as { Code: { S3Key: string }; Handler: string };
      const folder = join(s.synthesized.outdir, `asset.${Code.S3Key.replace(/\.zip$/, "")}`);
      const bundle = join(folder, Handler.replace(/\.handler$/, ".mjs"));
      expect(existsSync(bundle), `${entry}: ${bundle}`).toBe(true);
      expect(statSync(bundle).size, entry).toBeGreaterThan(1000);
      // An ES module whose exports include `handler` (minified: `export{xy as handler}`).
      expect(readFileSync(bundle, "utf8"), entry).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
    }
  });

  it("runs every function on Node 22, arm64, without X-Ray", () => {
    for (const entry of lambdaEntries) {
      expect(fn(s, entry).Properties).toMatchObject({ Runtime: "nodejs22.x", Architectures: ["arm64"] });
      expect(fn(s, entry).Properties.TracingConfig, entry).toBeUndefined();
    }
  });

  it("gives every function its chosen memory and timeout; the worker one full vCPU", () => {
    for (const entry of lambdaEntries) {
      expect(fn(s, entry).Properties, entry).toMatchObject({ MemorySize: functionSizing[entry].memorySize, Timeout: functionSizing[entry].timeout });
    }
    expect(fn(s, "worker").Properties.MemorySize).toBe(1769);
  });

  it("reserves concurrency for every control function, so that workers cannot starve them; the worker, dispatch nodes and webhook delivery run unreserved", () => {
    for (const entry of ["intake", "admission", "combiner", "submission-tracking", "notify", "on-failure", "sweeper"] as const) {
      expect(fn(s, entry).Properties.ReservedConcurrentExecutions, entry).toBe(reservedConcurrency[entry]);
      expect(reservedConcurrency[entry], entry).toBeGreaterThan(0);
    }
    for (const entry of ["worker", "dispatch-node", "webhook-delivery"] as const) expect(fn(s, entry).Properties.ReservedConcurrentExecutions, entry).toBeUndefined();
    const reserved = lambdaEntries.reduce((sum, entry) => sum + (fn(s, entry).Properties.ReservedConcurrentExecutions ?? 0), 0);
    // With the default budget, an account at the default 1,000 keeps Lambda's minimum 100 besides.
    expect(reserved + DEFAULT_WORKER_BUDGET).toBeLessThanOrEqual(1000 - 100);
  });

  it("gives admission (admission, sweeper) the worker budget, 800 by default, and no other function", () => {
    for (const entry of ["admission", "sweeper"] as const) expect(settingsOf(s, entry).CDS_WORKER_BUDGET, entry).toBe("800");
    for (const entry of lambdaEntries.filter((e) => e !== "admission" && e !== "sweeper")) expect(settingsOf(s, entry).CDS_WORKER_BUDGET, entry).toBeUndefined();
  });

  it("holds webhook delivery to its SQS event source's maximum concurrency", () => {
    s.synthesized.template("Pipeline").hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: { Ref: s.functionIds["webhook-delivery"] },
      ScalingConfig: { MaximumConcurrency: WEBHOOK_MAX_CONCURRENCY },
    });
  });

  it("logs JSON from every function: Lambda's JSON log format at the level Powertools is given, Powertools' service and metric namespace set", () => {
    for (const entry of lambdaEntries) {
      expect(fn(s, entry).Properties.LoggingConfig, entry).toEqual({
        LogGroup: { Ref: s.named[`logs:${entry}`] },
        LogFormat: "JSON",
        ApplicationLogLevel: LOG_LEVEL,
        SystemLogLevel: "INFO",
      });
      expect(fn(s, entry).Properties.Environment.Variables, entry).toMatchObject({
        POWERTOOLS_SERVICE_NAME: "cdm-search",
        POWERTOOLS_METRICS_NAMESPACE: "cdm-search/test",
        LOG_LEVEL,
      });
    }
  });

  it("lets no function call CloudWatch: the metrics travel in its logs (embedded metric format), which it may write to its own log group only", () => {
    for (const entry of lambdaEntries) {
      const grants = grantsOf(s, entry);
      expect(grants.filter((g) => g.startsWith("cloudwatch:")), entry).toEqual([]);
      expect(grants.filter((g) => g.startsWith("logs:")), entry).toEqual(["logs:CreateLogStream logs", "logs:PutLogEvents logs"]);
    }
  });

  it("names functions after the stage; the dispatch tree's by @cds/functions' functionNames", () => {
    for (const entry of lambdaEntries) expect(fn(s, entry).Properties.FunctionName).toMatch(/^test-cdm-search-/);
    expect(fn(s, "dispatch-node").Properties.FunctionName).toBe(`test-cdm-search-${functionNames.dispatchNode}`);
    expect(fn(s, "worker").Properties.FunctionName).toBe(`test-cdm-search-${functionNames.worker}`);
  });

  it.each(lambdaEntries.map((entry) => [entry]))("%s gets exactly the settings its entry reads", (entry) => {
    expect(Object.keys(settingsOf(s, entry)).sort()).toEqual([...expectedSettings[entry]].sort());
  });

  it("points the settings at this stage's resources", () => {
    const sweeper = resolvedDeep(s, settingsOf(s, "sweeper")) as Record<string, unknown>;
    expect(sweeper).toEqual({
      CDS_UPLOADS_BUCKET: { Ref: s.named.uploads },
      CDS_LIBRARY_BUCKET: { Ref: s.named.library },
      CDS_RESULTS_BUCKET: { Ref: s.named.results },
      CDS_STATE_TABLE: { Ref: s.named.state },
      CDS_EVENT_BUS: "test-cdm-search-search-events",
      CDS_DISPATCH_NODE_FUNCTION: fn(s, "dispatch-node").Properties.FunctionName,
      CDS_WORKER_FUNCTION: fn(s, "worker").Properties.FunctionName,
      CDS_WORKER_BUDGET: String(DEFAULT_WORKER_BUDGET),
    });
    expect(settingsOf(s, "webhook-delivery")).toEqual({
      CDS_STATE_TABLE: expect.anything(),
      CDS_WEBHOOK_QUEUE_URL: { Ref: s.named["webhook-queue"] },
      CDS_WEBHOOK_DLQ_URL: { Ref: s.named["webhook-dlq"] },
    });
  });

  it.each(lambdaEntries.map((entry) => [entry]))("%s is allowed exactly what it uses", (entry) => {
    expect(grantsOf(s, entry)).toEqual([...new Set(expectedGrants[entry])].sort());
  });

  it("keeps the worker from writing results, invoking workers or sending email (it invokes only the next wave's dispatcher)", () => {
    const grants = grantsOf(s, "worker");
    expect(grants.filter((g) => g.includes("results"))).toEqual([]);
    expect(grants.filter((g) => g.startsWith("lambda:InvokeFunction") && !g.includes("on-failure") && !g.includes(functionNames.dispatchNode))).toEqual([]);
    expect(grants.filter((g) => g.startsWith("ses:") || g.startsWith("sqs:"))).toEqual([]);
  });

  it("allows no email on a stage without a sender, and creates no identity", () => {
    s.synthesized.template("Pipeline").resourceCountIs("AWS::SES::EmailIdentity", 0);
    for (const entry of lambdaEntries) expect(grantsOf(s, entry).filter((g) => g.startsWith("ses:")), entry).toEqual([]);
    expect(settingsOf(s, "notify").CDS_EMAIL_FROM).toBeUndefined();
  });

  it("allows no '*' action, no service-wide action and no '*' resource in any identity policy of the app", () => {
    const statements = allIdentityStatements(s);
    expect(statements.length).toBeGreaterThan(lambdaEntries.length);
    for (const { where, statement } of statements) {
      for (const action of [statement.Action].flat()) expect(action, where).not.toMatch(/(^|:)\*$/);
      for (const resource of [statement.Resource].flat()) expect(resource, where).not.toBe("*");
    }
  });

  it("gives the pipeline's functions no AWS managed policy: they write logs to their own log group only", () => {
    for (const entry of lambdaEntries) {
      const roleId = (fn(s, entry).Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
      expect(s.resources[roleId].Properties.ManagedPolicyArns, entry).toBeUndefined();
      expect(fn(s, entry).Properties.LoggingConfig, entry).toMatchObject({ LogGroup: { Ref: s.named[`logs:${entry}`] } });
      expect(s.resources[s.named[`logs:${entry}`]].Properties.LogGroupName).toBe(`/aws/lambda/${fn(s, entry).Properties.FunctionName}`);
    }
  });

  it("attaches no AWS managed policy beyond basic Lambda logging to the framework's own functions", () => {
    for (const id of ["Storage", "State", "Pipeline", "Events", "Monitoring"] as StackId[]) {
      for (const role of Object.values(s.synthesized.template(id).findResources("AWS::IAM::Role")) as Resource[]) {
        for (const arn of (role.Properties.ManagedPolicyArns ?? []) as unknown[]) {
          expect(JSON.stringify(arn)).toMatch(/:iam::aws:policy\/service-role\/AWSLambdaBasicExecutionRole"/);
        }
      }
    }
  });

  it("hands the dispatch tree's, intake's and the combiner's failed invocations to the on-failure function after 2 retries", () => {
    const configs = Object.values(s.resources).filter((r) => r.Type === "AWS::Lambda::EventInvokeConfig");
    const configOf = (entry: LambdaEntry) => configs.find((c) => JSON.stringify(c.Properties.FunctionName) === JSON.stringify({ Ref: s.functionIds[entry] }));
    for (const entry of ["intake", "admission", "dispatch-node", "worker", "combiner", "submission-tracking"] as const) {
      expect(configOf(entry)?.Properties, entry).toMatchObject({
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": [s.functionIds["on-failure"], "Arn"] } } },
      });
    }
    for (const entry of ["notify", "sweeper", "on-failure"] as const) {
      expect(configOf(entry)?.Properties, entry).toMatchObject({
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": [s.named["failed-invocations"], "Arn"] } } },
      });
    }
    expect(configOf("webhook-delivery"), "webhook-delivery is polled, not invoked asynchronously").toBeUndefined();
    // A batch older than the search deadline (400 s) can only be wasted work.
    for (const entry of ["dispatch-node", "worker"] as const) expect(configOf(entry)?.Properties.MaximumEventAgeInSeconds).toBeLessThanOrEqual(400);
  });

  it("redrives webhook messages that keep failing to the webhook dead-letter queue", () => {
    const queue = s.resources[s.named["webhook-queue"]].Properties;
    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: { "Fn::GetAtt": [s.named["webhook-dlq"], "Arn"] }, maxReceiveCount: WEBHOOK_MAX_RECEIVE_COUNT });
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * fn(s, "webhook-delivery").Properties.Timeout);
  });

  it("feeds the webhook queue to webhook-delivery, reporting failed messages one by one", () => {
    s.synthesized.template("Pipeline").hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      EventSourceArn: { "Fn::GetAtt": [s.named["webhook-queue"], "Arn"] },
      FunctionName: { Ref: s.functionIds["webhook-delivery"] },
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
    s.synthesized.template("Pipeline").resourceCountIs("AWS::Lambda::EventSourceMapping", 1);
  });

  it("encrypts every queue and refuses non-TLS access to it", () => {
    const queues = Object.values(s.resources).filter((r) => r.Type === "AWS::SQS::Queue");
    expect(queues).toHaveLength(3);
    for (const queue of queues) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    s.synthesized.template("Pipeline").resourceCountIs("AWS::SQS::QueuePolicy", 3);
    s.synthesized.template("Pipeline").allResourcesProperties("AWS::SQS::QueuePolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Action: "sqs:*", Condition: { Bool: { "aws:SecureTransport": "false" } }, Principal: { AWS: "*" } }),
        ]),
      },
    });
  });

  it("deletes queues and log groups with the stage", () => {
    for (const r of Object.values(s.resources).filter((r) => r.Type === "AWS::SQS::Queue" || r.Type === "AWS::Logs::LogGroup")) {
      expect(r.DeletionPolicy).toBe("Delete");
    }
  });
});

describe("Pipeline stack on the prod stage, with a sender", () => {
  let s: Synth;
  beforeAll(async () => {
    // Template assertions only: the Pipeline stack keeps SST's placeholder code (not bundled).
    s = await synth("prod", {
      activeStacks: ["Storage", "State", "Events"],
      env: { CDS_EMAIL_FROM: SENDER, CDS_NOTIFY_EMAIL: "lab@lab.example.org", CDS_WORKER_BUDGET: "600" },
    });
  });
  afterAll(() => s?.synthesized.dispose());

  it("creates the sender's SES identity and retains it", () => {
    const identities = Object.values(s.resources).filter((r) => r.Type === "AWS::SES::EmailIdentity");
    expect(identities).toHaveLength(1);
    expect(identities[0].Properties.EmailIdentity).toBe("cdm-search@lab.example.org");
    expect(identities[0].DeletionPolicy).toBe("Retain");
  });

  it("lets notify, and only notify, send email, and only as that identity", () => {
    expect(grantsOf(s, "notify")).toEqual([...expectedGrants.notify, "ses:SendEmail sender-identity"].sort());
    for (const entry of lambdaEntries.filter((e) => e !== "notify")) {
      expect(grantsOf(s, entry).filter((g) => g.startsWith("ses:")), entry).toEqual([]);
    }
  });

  it("gives notify the sender and the default recipient", () => {
    expect(settingsOf(s, "notify")).toMatchObject({ CDS_EMAIL_FROM: SENDER, CDS_NOTIFY_EMAIL: "lab@lab.example.org" });
  });

  it("takes the worker budget from the deploy's environment (.env.<stage>)", () => {
    for (const entry of ["admission", "sweeper"] as const) expect(settingsOf(s, entry).CDS_WORKER_BUDGET, entry).toBe("600");
  });

  it("retains queues and log groups", () => {
    for (const r of Object.values(s.resources).filter((r) => r.Type === "AWS::SQS::Queue" || r.Type === "AWS::Logs::LogGroup")) {
      expect(r.DeletionPolicy).toBe("Retain");
      expect(r.UpdateReplacePolicy).toBe("Retain");
    }
  });

  it("keeps every other function's grants as on other stages", () => {
    for (const entry of lambdaEntries.filter((e) => e !== "notify")) {
      expect(grantsOf(s, entry), entry).toEqual([...new Set(expectedGrants[entry])].sort());
    }
  });
});

describe("email settings", () => {
  it("take the identity from the sender's address unless one is given", () => {
    expect(emailSettings({ CDS_EMAIL_FROM: SENDER })).toMatchObject({ identity: "cdm-search@lab.example.org", identityExists: false });
    expect(emailSettings({ CDS_EMAIL_FROM: SENDER, CDS_EMAIL_IDENTITY: "lab.example.org", CDS_EMAIL_IDENTITY_EXISTS: "1" })).toMatchObject({
      identity: "lab.example.org",
      identityExists: true,
    });
  });

  it("are absent without a sender", () => {
    expect(emailSettings({})).toBeUndefined();
    expect(emailSettings({ CDS_EMAIL_FROM: " " })).toBeUndefined();
  });
});
