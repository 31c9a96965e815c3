import { Duration, Fn } from "aws-cdk-lib";
import { HttpApi, HttpMethod, WebSocketApi, WebSocketStage } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpJwtAuthorizer, WebSocketLambdaAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration, WebSocketLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { AllowedMethods, CachePolicy, CacheHeaderBehavior, OriginProtocolPolicy, OriginRequestPolicy, ViewerProtocolPolicy } from "aws-cdk-lib/aws-cloudfront";
import { HttpOrigin } from "aws-cdk-lib/aws-cloudfront-origins";
import { AccountRecovery, UserPool, UserPoolClient } from "aws-cdk-lib/aws-cognito";
import { Rule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { ApplicationLogLevel, LoggingFormat, SystemLogLevel } from "aws-cdk-lib/aws-lambda";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Function, StaticSite, Table, use } from "sst/constructs";
import type { StackContext } from "sst/constructs";
import { liveSearchEventPattern } from "../packages/aws/src/console/broadcast.ts";
import { CONSOLE_TTL_ATTRIBUTE } from "../packages/aws/src/console/console-table.ts";
import { Events } from "./Events.ts";
import { LAMBDA_ENTRY_DIR, LOG_LEVEL } from "./Pipeline.ts";
import { readObjects, writeLogs } from "./policy-statements.ts";
import { metricsNamespace } from "./resource-names.ts";
import { stageLifetime } from "./stage-lifetime.ts";
import { State } from "./State.ts";
import { Storage } from "./Storage.ts";

/** The folder of the browser app's static files (the same app `cds dev` serves). */
export const CONSOLE_APP_DIR = "web/console";

/** Every Lambda entry the Console stack deploys, by file name in packages/aws/src/lambda. */
export const consoleEntries = [
  "console-config",
  "console-libraries",
  "console-uploads",
  "console-searches",
  "console-socket",
  "console-socket-authorizer",
  "console-broadcaster",
] as const;

/** A Console Lambda entry's file name. */
export type ConsoleEntry = (typeof consoleEntries)[number];

/** The HTTP routes, each with the entry that answers it. Only `GET /api/config` needs no sign-in. */
export const consoleRoutes = [
  { method: HttpMethod.GET, path: "/api/config", entry: "console-config", signedIn: false },
  { method: HttpMethod.GET, path: "/api/params", entry: "console-config", signedIn: true },
  { method: HttpMethod.POST, path: "/api/params/check", entry: "console-config", signedIn: true },
  { method: HttpMethod.GET, path: "/api/libraries", entry: "console-libraries", signedIn: true },
  { method: HttpMethod.POST, path: "/api/uploads", entry: "console-uploads", signedIn: true },
  { method: HttpMethod.GET, path: "/api/searches", entry: "console-searches", signedIn: true },
  { method: HttpMethod.GET, path: "/api/searches/{id}", entry: "console-searches", signedIn: true },
  { method: HttpMethod.GET, path: "/api/searches/{id}/page", entry: "console-searches", signedIn: true },
  { method: HttpMethod.GET, path: "/api/submissions", entry: "console-searches", signedIn: true },
] as const satisfies readonly { method: HttpMethod; path: string; entry: ConsoleEntry; signedIn: boolean }[];

/** The WebSocket stage's name (part of the wss:// URL and of the Management API's path). */
export const SOCKET_STAGE = "live";

/**
 * The console on a stage: the browser app (`web/console`) on CloudFront, with `/api/*` routed
 * to an HTTP API on the same origin (so the app calls `/api/...` as it does under `cds dev`,
 * without CORS); sign-in by a Cognito user pool whose JWTs API Gateway checks on every route but
 * `/api/config`; live search events over an API Gateway WebSocket API, fed by a rule on the
 * search bus. Each function has its own role with exactly the statements it needs.
 *
 * @example
 * const { httpApi, socketApi, userPool } = use(Console);
 */
export function Console({ stack, app }: StackContext) {
  const { uploadsBucket, libraryBucket, resultsBucket } = use(Storage);
  const { table: stateTable } = use(State);
  const { bus } = use(Events);
  const { isProduction, removalPolicy } = stageLifetime(app);

  stack.setDefaultFunctionProps({ runtime: "nodejs22.x", architecture: "arm_64", tracing: "disabled", nodejs: { format: "esm", minify: true } });

  // Users are created by an operator (no self sign-up): no anonymous uploads, and no stranger's either.
  const userPool = new UserPool(stack, "Users", {
    userPoolName: app.logicalPrefixedName("console-users"),
    selfSignUpEnabled: false,
    signInAliases: { email: true },
    accountRecovery: AccountRecovery.EMAIL_ONLY,
    passwordPolicy: { minLength: 12 },
    removalPolicy,
  });
  // A public client (a browser keeps no secret); the app signs in with USER_PASSWORD_AUTH or SRP.
  const userPoolClient = new UserPoolClient(stack, "ConsoleClient", {
    userPool,
    generateSecret: false,
    authFlows: { userPassword: true, userSrp: true },
    preventUserExistenceErrors: true,
    idTokenValidity: Duration.hours(1),
    accessTokenValidity: Duration.hours(1),
  });

  // Connections and uploads per user (packages/aws/src/console/console-table.ts).
  const consoleTable = new Table(stack, "ConsoleTable", {
    fields: { pk: "string", sk: "string" },
    primaryIndex: { partitionKey: "pk", sortKey: "sk" },
    timeToLiveAttribute: CONSOLE_TTL_ATTRIBUTE,
    cdk: { table: { tableName: app.logicalPrefixedName("console"), removalPolicy } },
  });
  const tableArn = consoleTable.tableArn;
  const consoleTableAccess = (actions: string[]) => [new PolicyStatement({ actions: actions.map((a) => `dynamodb:${a}`), resources: [tableArn] })];

  const logRetention = isProduction ? RetentionDays.THREE_MONTHS : RetentionDays.TWO_WEEKS;
  const observability = { POWERTOOLS_SERVICE_NAME: app.name, POWERTOOLS_METRICS_NAMESPACE: metricsNamespace(app), LOG_LEVEL };
  const functions = {} as Record<ConsoleEntry, Function>;
  function consoleFunction(id: string, entry: ConsoleEntry, props: { environment?: Record<string, string>; permissions?: PolicyStatement[] }): Function {
    const functionName = app.logicalPrefixedName(entry);
    const logGroup = new LogGroup(stack, `${id}Logs`, { logGroupName: `/aws/lambda/${functionName}`, retention: logRetention, removalPolicy });
    const role = new Role(stack, `${id}Role`, { assumedBy: new ServicePrincipal("lambda.amazonaws.com") });
    const fn = new Function(stack, id, {
      handler: `${LAMBDA_ENTRY_DIR}/${entry}.handler`,
      functionName,
      memorySize: 512,
      timeout: 10,
      environment: { ...props.environment, ...observability },
      role,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel[LOG_LEVEL],
      systemLogLevelV2: SystemLogLevel.INFO,
      permissions: [...writeLogs(logGroup), ...(props.permissions ?? [])],
    });
    functions[entry] = fn;
    return fn;
  }

  const libraryManifests = new PolicyStatement({ actions: ["s3:GetObject"], resources: [`${libraryBucket.bucketArn}/*/manifest.json`] });
  // Without s3:ListBucket S3 answers the GET of a missing manifest (an unknown library) with 403, not 404.
  const listLibrary = new PolicyStatement({ actions: ["s3:ListBucket"], resources: [libraryBucket.bucketArn] });
  const stateStatement = (actions: string[]) => new PolicyStatement({ actions: actions.map((a) => `dynamodb:${a}`), resources: [stateTable.tableArn] });

  // The WebSocket API first: the config route hands out its URL.
  const authorizerFn = consoleFunction("SocketAuthorizer", "console-socket-authorizer", {
    environment: { CDS_USER_POOL_ID: userPool.userPoolId, CDS_USER_POOL_CLIENT_ID: userPoolClient.userPoolClientId },
  });
  const socketFn = consoleFunction("Socket", "console-socket", {
    environment: { CDS_CONSOLE_TABLE: consoleTable.tableName },
    permissions: consoleTableAccess(["PutItem", "DeleteItem"]),
  });
  const socketApi = new WebSocketApi(stack, "LiveSocket", {
    apiName: app.logicalPrefixedName("console-live"),
    connectRouteOptions: {
      integration: new WebSocketLambdaIntegration("Connect", socketFn),
      authorizer: new WebSocketLambdaAuthorizer("JwtFromQuery", authorizerFn, { identitySource: ["route.request.querystring.token"] }),
    },
    disconnectRouteOptions: { integration: new WebSocketLambdaIntegration("Disconnect", socketFn) },
  });
  const socketStage = new WebSocketStage(stack, "LiveSocketStage", { webSocketApi: socketApi, stageName: SOCKET_STAGE, autoDeploy: true });
  const managementEndpoint = `https://${socketApi.apiId}.execute-api.${stack.region}.${stack.urlSuffix}/${SOCKET_STAGE}`;

  consoleFunction("Config", "console-config", {
    environment: { CDS_SOCKET_URL: socketStage.url, CDS_USER_POOL_ID: userPool.userPoolId, CDS_USER_POOL_CLIENT_ID: userPoolClient.userPoolClientId },
  });
  consoleFunction("Libraries", "console-libraries", {
    environment: { CDS_LIBRARY_BUCKET: libraryBucket.bucketName },
    permissions: [listLibrary, libraryManifests],
  });
  consoleFunction("Uploads", "console-uploads", {
    environment: {
      CDS_UPLOADS_BUCKET: uploadsBucket.bucketName,
      CDS_LIBRARY_BUCKET: libraryBucket.bucketName,
      CDS_STATE_TABLE: stateTable.tableName,
      CDS_CONSOLE_TABLE: consoleTable.tableName,
    },
    // The presigned PUT is made with this role's credentials: PutObject is all S3 will let it do.
    permissions: [
      new PolicyStatement({ actions: ["s3:PutObject"], resources: [`${uploadsBucket.bucketArn}/*`] }),
      listLibrary,
      libraryManifests,
      // The one-mask submission: conditional puts, and the reads after them.
      stateStatement(["PutItem", "GetItem", "Query"]),
      ...consoleTableAccess(["PutItem"]),
    ],
  });
  consoleFunction("Searches", "console-searches", {
    environment: { CDS_RESULTS_BUCKET: resultsBucket.bucketName, CDS_STATE_TABLE: stateTable.tableName, CDS_CONSOLE_TABLE: consoleTable.tableName },
    // Read-only; GetObject for the presigned links to results and the page it signs.
    permissions: [stateStatement(["GetItem", "BatchGetItem", "Query"]), ...consoleTableAccess(["Query"]), readObjects(resultsBucket)[0]],
  });
  const broadcaster = consoleFunction("Broadcaster", "console-broadcaster", {
    environment: { CDS_STATE_TABLE: stateTable.tableName, CDS_CONSOLE_TABLE: consoleTable.tableName, CDS_SOCKET_ENDPOINT: managementEndpoint },
    permissions: [
      stateStatement(["GetItem"]),
      ...consoleTableAccess(["Query", "DeleteItem"]),
      new PolicyStatement({
        actions: ["execute-api:ManageConnections"],
        resources: [stack.formatArn({ service: "execute-api", resource: socketApi.apiId, resourceName: `${SOCKET_STAGE}/POST/@connections/*` })],
      }),
    ],
  });

  new Rule(stack, "console-search-events", {
    ruleName: app.logicalPrefixedName("console-search-events"),
    description: "A search's life (accepted, started, batches completed, completed, failed) → the console's open WebSocket connections of its owner.",
    eventBus: bus.cdk.eventBus,
    eventPattern: { source: liveSearchEventPattern.source, detailType: liveSearchEventPattern["detail-type"] },
    // A live update is worth something for minutes; the page reads the search's state when it opens.
    targets: [new LambdaFunction(broadcaster, { retryAttempts: 2, maxEventAge: Duration.minutes(5) })],
  });

  const jwt = new HttpJwtAuthorizer("CognitoJwt", `https://cognito-idp.${stack.region}.${stack.urlSuffix}/${userPool.userPoolId}`, {
    jwtAudience: [userPoolClient.userPoolClientId],
    identitySource: ["$request.header.Authorization"],
  });
  const httpApi = new HttpApi(stack, "ConsoleApi", {
    apiName: app.logicalPrefixedName("console-api"),
    // No CORS: the app reaches the API through CloudFront, on its own origin.
    createDefaultStage: true,
  });
  const integrations = new Map<ConsoleEntry, HttpLambdaIntegration>();
  for (const route of consoleRoutes) {
    let integration = integrations.get(route.entry);
    if (!integration) integrations.set(route.entry, (integration = new HttpLambdaIntegration(`${route.entry}-integration`, functions[route.entry])));
    httpApi.addRoutes({ path: route.path, methods: [route.method], integration, ...(route.signedIn ? { authorizer: jwt } : {}) });
  }

  // The API's requests carry the user's token: forwarded, and never cached (the answers also say no-store).
  const apiCachePolicy = new CachePolicy(stack, "ApiCachePolicy", {
    cachePolicyName: app.logicalPrefixedName("console-api"),
    minTtl: Duration.seconds(0),
    defaultTtl: Duration.seconds(0),
    maxTtl: Duration.seconds(1),
    headerBehavior: CacheHeaderBehavior.allowList("Authorization"),
  });
  const site = new StaticSite(stack, "ConsoleSite", {
    path: CONSOLE_APP_DIR,
    errorPage: "redirect_to_index_page",
    cdk: {
      distribution: {
        additionalBehaviors: {
          "/api/*": {
            origin: new HttpOrigin(Fn.select(2, Fn.split("/", httpApi.apiEndpoint)), { protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY }),
            viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
            allowedMethods: AllowedMethods.ALLOW_ALL,
            cachePolicy: apiCachePolicy,
            originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          },
        },
      },
    },
  });

  stack.addOutputs({
    ConsoleUrl: site.url ?? "",
    ConsoleApiUrl: httpApi.apiEndpoint,
    ConsoleSocketUrl: socketStage.url,
    ConsoleUserPoolId: userPool.userPoolId,
    ConsoleUserPoolClientId: userPoolClient.userPoolClientId,
  });

  return { userPool, userPoolClient, consoleTable, functions, httpApi, jwt, socketApi, socketStage, site };
}
