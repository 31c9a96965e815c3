import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CfnResource } from "aws-cdk-lib";
import { getStack, use } from "sst/constructs";
import { liveSearchEventPattern, liveSearchEventTypes } from "../../packages/aws/src/console/broadcast.ts";
import { Console, consoleEntries, consoleRoutes, SOCKET_STAGE, type ConsoleEntry } from "../Console.ts";
import { OBSERVED_PHASE } from "../../packages/aws/src/lambda/observability.ts";
import { Events } from "../Events.ts";
import { LAMBDA_ENTRY_DIR } from "../Pipeline.ts";
import { State } from "../State.ts";
import { Storage } from "../Storage.ts";
import { root, synthesizedApp, type SynthesizedApp } from "./synthesized-app.ts";

type Resource = { Type: string; Properties: Record<string, any> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

let synthesized: SynthesizedApp;
let resources: Record<string, Resource>;
let ids: Record<string, string>;

beforeAll(async () => {
  // Console in full (its functions bundled, its site archived); the other stacks as placeholders.
  synthesized = await synthesizedApp("test", { activeStacks: ["Console"] });
  const logicalId = (stackOf: Parameters<typeof getStack>[0], construct: { node: { defaultChild?: unknown } }) =>
    getStack(stackOf).getLogicalId(construct.node.defaultChild as CfnResource);
  const built = use(Console);
  const storage = use(Storage);
  ids = {
    uploads: logicalId(Storage, storage.uploadsBucket.cdk.bucket),
    library: logicalId(Storage, storage.libraryBucket.cdk.bucket),
    results: logicalId(Storage, storage.resultsBucket.cdk.bucket),
    state: logicalId(State, use(State).table.cdk.table),
    bus: logicalId(Events, use(Events).bus.cdk.eventBus),
    console: logicalId(Console, built.consoleTable.cdk.table),
    userPool: logicalId(Console, built.userPool),
    client: logicalId(Console, built.userPoolClient),
    httpApi: logicalId(Console, built.httpApi),
    socketApi: logicalId(Console, built.socketApi),
    ...Object.fromEntries(consoleEntries.map((entry) => [`function:${entry}`, logicalId(Console, built.functions[entry])])),
  };
  resources = synthesized.template("Console").toJSON().Resources as Record<string, Resource>;
});

afterAll(() => synthesized?.dispose());

function ofType(type: string): [string, Resource][] {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

/** A value with every cross-stack import replaced by what the exporting stack put there. */
function resolved(value: unknown): unknown {
  const direct = synthesized.resolveImport(value);
  if (direct !== value) return resolved(direct);
  if (Array.isArray(value)) return value.map(resolved);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolved(v)]));
  return value;
}

/** A policy resource as a short name: `uploads/*`, `library/*\/manifest.json`, `console`, `logs:console-uploads`, … */
function nameOf(resource: unknown): string {
  const value = resolved(resource);
  const json = JSON.stringify(value);
  const parts = (value as { "Fn::Join"?: [string, unknown[]] })["Fn::Join"]?.[1];
  const tail = parts && typeof parts[parts.length - 1] === "string" ? (parts[parts.length - 1] as string) : "";
  if (json.includes(`"${ids.socketApi}"`)) return `socket${tail}`;
  for (const entry of consoleEntries) {
    const logGroup = (resources[ids[`function:${entry}`]].Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    if (json.includes(`"${logGroup}"`)) return `logs:${entry}`;
  }
  for (const name of ["uploads", "library", "results", "state", "console"]) if (json.includes(`"${ids[name]}"`)) return `${name}${tail}`;
  return json;
}

/** A function's grants, as "action on resource" lines, sorted. */
function grantsOf(entry: ConsoleEntry): string[] {
  const roleId = (resources[ids[`function:${entry}`]].Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  const statements = ofType("AWS::IAM::Policy")
    .filter(([, policy]) => (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleId))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Statement[]);
  expect(ofType("AWS::IAM::Role").find(([id]) => id === roleId)?.[1].Properties.ManagedPolicyArns, `${entry} has managed policies`).toBeUndefined();
  return statements
    .flatMap((statement) => {
      expect(statement.Effect).toBe("Allow");
      const actions = [statement.Action].flat();
      const targets = [statement.Resource].flat();
      return actions.flatMap((action) => targets.map((target) => `${action} on ${nameOf(target)}`));
    })
    .sort();
}

describe("Console stack: HTTP API", () => {
  const routes = () => ofType("AWS::ApiGatewayV2::Route").filter(([, r]) => r.Properties.ApiId.Ref === ids.httpApi);
  const integrationOf = (route: Resource) => resources[(route.Properties.Target["Fn::Join"][1] as [string, { Ref: string }])[1].Ref];

  it("has exactly the console's routes", () => {
    expect(routes().map(([, r]) => r.Properties.RouteKey).sort()).toEqual(consoleRoutes.map((r) => `${r.method} ${r.path}`).sort());
  });

  it.each(consoleRoutes.map((r) => [`${r.method} ${r.path}`, r.entry] as const))("%s is answered by %s", (routeKey, entry) => {
    const [, route] = routes().find(([, r]) => r.Properties.RouteKey === routeKey)!;
    expect(integrationOf(route).Properties).toMatchObject({ IntegrationType: "AWS_PROXY", PayloadFormatVersion: "2.0", IntegrationUri: { "Fn::GetAtt": [ids[`function:${entry}`], "Arn"] } });
  });

  it("checks the user pool's JWT on every route but GET /api/config", () => {
    const [[authorizerId, authorizer]] = ofType("AWS::ApiGatewayV2::Authorizer").filter(([, a]) => a.Properties.ApiId.Ref === ids.httpApi);
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: "JWT",
      IdentitySource: ["$request.header.Authorization"],
      JwtConfiguration: { Audience: [{ Ref: ids.client }], Issuer: { "Fn::Join": ["", ["https://cognito-idp.us-east-1.", { Ref: "AWS::URLSuffix" }, "/", { Ref: ids.userPool }]] } },
    });
    for (const [, route] of routes()) {
      if (route.Properties.RouteKey === "GET /api/config") {
        expect(route.Properties.AuthorizationType).toBe("NONE");
        expect(route.Properties.AuthorizerId).toBeUndefined();
      } else {
        expect(route.Properties.AuthorizationType, route.Properties.RouteKey).toBe("JWT");
        expect(route.Properties.AuthorizerId, route.Properties.RouteKey).toEqual({ Ref: authorizerId });
      }
    }
  });

  it("lets only API Gateway invoke the route functions, from this API", () => {
    for (const entry of new Set(consoleRoutes.map((r) => r.entry))) {
      const permissions = ofType("AWS::Lambda::Permission").filter(([, p]) => JSON.stringify(p.Properties.FunctionName).includes(`"${ids[`function:${entry}`]}"`));
      expect(permissions.length, entry).toBeGreaterThan(0);
      for (const [, permission] of permissions) {
        expect(permission.Properties.Principal).toBe("apigateway.amazonaws.com");
        expect(JSON.stringify(permission.Properties.SourceArn)).toContain(`"${ids.httpApi}"`);
      }
    }
  });
});

describe("Console stack: sign-in", () => {
  it("has a user pool without self sign-up (operators create the users), and a public app client", () => {
    const [[, pool]] = ofType("AWS::Cognito::UserPool");
    expect(pool.Properties.AdminCreateUserConfig).toEqual({ AllowAdminCreateUserOnly: true });
    const [[, client]] = ofType("AWS::Cognito::UserPoolClient");
    expect(client.Properties.GenerateSecret).toBe(false);
    expect(client.Properties.UserPoolId).toEqual({ Ref: ids.userPool });
  });

  it("tells the app, in /api/config's function, the user pool, its client and the WebSocket URL", () => {
    const environment = resources[ids["function:console-config"]].Properties.Environment.Variables;
    expect(environment.CDS_USER_POOL_ID).toEqual({ Ref: ids.userPool });
    expect(environment.CDS_USER_POOL_CLIENT_ID).toEqual({ Ref: ids.client });
    expect(JSON.stringify(environment.CDS_SOCKET_URL)).toContain(`"${ids.socketApi}"`);
    expect(JSON.stringify(environment.CDS_SOCKET_URL)).toContain(`/${SOCKET_STAGE}`);
  });
});

describe("Console stack: WebSocket API", () => {
  const routes = () => ofType("AWS::ApiGatewayV2::Route").filter(([, r]) => r.Properties.ApiId.Ref === ids.socketApi);

  it("has $connect behind a Lambda authorizer of the ?token= JWT, and $disconnect, both on the connections function", () => {
    expect(routes().map(([, r]) => r.Properties.RouteKey).sort()).toEqual(["$connect", "$disconnect"]);
    const [[authorizerId, authorizer]] = ofType("AWS::ApiGatewayV2::Authorizer").filter(([, a]) => a.Properties.ApiId.Ref === ids.socketApi);
    expect(authorizer.Properties.AuthorizerType).toBe("REQUEST");
    expect(authorizer.Properties.IdentitySource).toEqual(["route.request.querystring.token"]);
    expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain(`"${ids["function:console-socket-authorizer"]}"`);
    const connect = routes().find(([, r]) => r.Properties.RouteKey === "$connect")![1];
    expect(connect.Properties).toMatchObject({ AuthorizationType: "CUSTOM", AuthorizerId: { Ref: authorizerId } });
    for (const [, route] of routes()) {
      const integration = resources[(route.Properties.Target["Fn::Join"][1] as [string, { Ref: string }])[1].Ref];
      expect(JSON.stringify(integration.Properties.IntegrationUri)).toContain(`"${ids["function:console-socket"]}"`);
    }
  });

  it("keeps connections in a table whose items expire (TTL)", () => {
    expect(resources[ids.console].Properties.TimeToLiveSpecification).toEqual({ AttributeName: "expiresAt", Enabled: true });
  });

  it("feeds the broadcaster from a rule on the search bus, for every search event of the catalog", () => {
    const [[, rule]] = ofType("AWS::Events::Rule");
    expect(resolved(rule.Properties.EventBusName)).toEqual({ Ref: ids.bus });
    expect(rule.Properties.EventPattern).toEqual(liveSearchEventPattern);
    expect(liveSearchEventPattern.source).toEqual(["cds.search"]);
    expect(liveSearchEventTypes).toEqual(["Search Accepted", "Search Started", "Search Batches Completed", "Search Completed", "Search Failed"]);
    expect(rule.Properties.Targets).toHaveLength(1);
    expect(rule.Properties.Targets[0].Arn).toEqual({ "Fn::GetAtt": [ids["function:console-broadcaster"], "Arn"] });
    const invoke = ofType("AWS::Lambda::Permission").filter(([, p]) => p.Properties.Principal === "events.amazonaws.com");
    expect(invoke).toHaveLength(1);
    expect(invoke[0][1].Properties.FunctionName).toEqual({ "Fn::GetAtt": [ids["function:console-broadcaster"], "Arn"] });
  });
});

describe("Console stack: grants (least privilege)", () => {
  const logs = (entry: ConsoleEntry) => [`logs:CreateLogStream on logs:${entry}`, `logs:PutLogEvents on logs:${entry}`];
  const expected: Record<ConsoleEntry, string[]> = {
    "console-config": logs("console-config"),
    "console-socket-authorizer": logs("console-socket-authorizer"),
    "console-libraries": [...logs("console-libraries"), "s3:GetObject on library/*/manifest.json", "s3:ListBucket on library"],
    // The presigned PUT carries this role's permission: on S3, PutObject on the uploads bucket and nothing else.
    "console-uploads": [
      ...logs("console-uploads"),
      "dynamodb:GetItem on state",
      "dynamodb:PutItem on console",
      "dynamodb:PutItem on state",
      "dynamodb:Query on state",
      "s3:GetObject on library/*/manifest.json",
      "s3:ListBucket on library",
      "s3:PutObject on uploads/*",
    ],
    "console-searches": [...logs("console-searches"), "dynamodb:BatchGetItem on state", "dynamodb:GetItem on state", "dynamodb:Query on console", "dynamodb:Query on state", "s3:GetObject on results/*"],
    "console-socket": [...logs("console-socket"), "dynamodb:DeleteItem on console", "dynamodb:PutItem on console"],
    "console-broadcaster": [
      ...logs("console-broadcaster"),
      "dynamodb:DeleteItem on console",
      "dynamodb:GetItem on state",
      "dynamodb:Query on console",
      `execute-api:ManageConnections on socket/${SOCKET_STAGE}/POST/@connections/*`,
    ],
  };

  it("gives no statement anywhere in the stack a wildcard action, and attaches no AWS managed policy beyond basic Lambda logging (the site's upload helpers)", () => {
    for (const [id, policy] of ofType("AWS::IAM::Policy")) {
      for (const statement of policy.Properties.PolicyDocument.Statement as Statement[]) {
        for (const action of [statement.Action].flat()) expect(action, id).not.toMatch(/\*/);
      }
    }
    for (const [, role] of ofType("AWS::IAM::Role")) {
      for (const arn of (role.Properties.ManagedPolicyArns ?? []) as unknown[]) expect(JSON.stringify(arn)).toMatch(/:iam::aws:policy\/service-role\/AWSLambdaBasicExecutionRole"/);
    }
  });

  it.each(consoleEntries.map((entry) => [entry]))("%s has exactly its statements", (entry) => {
    expect(grantsOf(entry)).toEqual([...expected[entry]].sort());
  });
});

describe("Console stack: the app", () => {
  it("serves web/console from CloudFront, with /api/* sent to the HTTP API, the token forwarded and nothing cached", () => {
    const [[, distribution]] = ofType("AWS::CloudFront::Distribution");
    const config = distribution.Properties.DistributionConfig;
    const [api] = config.CacheBehaviors;
    expect(config.CacheBehaviors).toHaveLength(1);
    expect(api).toMatchObject({ PathPattern: "/api/*", ViewerProtocolPolicy: "https-only" });
    expect(api.AllowedMethods).toEqual(expect.arrayContaining(["GET", "POST"]));
    const origin = (config.Origins as { Id: string; DomainName: unknown }[]).find((o) => o.Id === api.TargetOriginId)!;
    expect(JSON.stringify(origin.DomainName)).toContain(`"${ids.httpApi}"`);
    const policy = resources[(api.CachePolicyId as { Ref: string }).Ref].Properties.CachePolicyConfig;
    expect(policy.ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig).toEqual({ HeaderBehavior: "whitelist", Headers: ["Authorization"] });
    expect(policy.DefaultTTL).toBe(0);
  });
});

describe("the Console's Lambda entries", () => {
  it.each(consoleEntries.map((entry) => [entry]))("%s exports its handler observed (JSON logs, EMF metrics), its name as the phase", async (entry) => {
    const { handler } = (await import(pathToFileURL(join(root, LAMBDA_ENTRY_DIR, `${entry}.ts`)).href)) as { handler: { [OBSERVED_PHASE]?: string } };
    expect(handler[OBSERVED_PHASE]).toBe(entry);
  });
});
