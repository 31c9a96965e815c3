import { createSign, generateKeyPairSync, randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PutBucketCorsCommand } from "@aws-sdk/client-s3";
import type { Browser } from "playwright-core";
import { hasChromium, launchChromium, warnIfNoChromium } from "./support/headless-chromium.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import { encodePackBitsTiff } from "@cds/core/image";
import { matchesPattern } from "@cds/events";
import { liveSearchEventPattern } from "../packages/aws/src/console/broadcast.ts";
import { cognitoJwtVerifier } from "../packages/aws/src/console/cognito-jwt.ts";
import type { HttpResult } from "../packages/aws/src/console/http.ts";
import { s3StoreAt } from "../packages/aws/src/s3-url.ts";
import { consoleRoutes } from "../stacks/Console.ts";
import { cloudNames, lambdaEntries, startLocalCloud, type LocalCloud } from "./support/aws-over-http.ts";
import { CONSOLE_TABLE, createConsoleTable } from "./support/console-table.ts";
import { indexSprinkledLibrary } from "@cds/testing/sprinkled-library";
import { sprinkledImage } from "@cds/testing/synthetic-targets";
import { tempDir } from "@cds/testing/temp-dir";

// Issue 15 on a stage: the browser app of web/console, in Debian's headless chromium, against
// the console's Lambda entries and the pipeline's on the local cloud (aws-over-http.ts). What
// has no emulator is played on 127.0.0.1 by one small server: CloudFront (the app's files, and
// /api/* to the routes), API Gateway's HTTP API with its JWT authorizer (the Bearer token
// verified against the test's own JWKS, as API Gateway checks Cognito's), and its WebSocket API
// (the $connect authorizer and connections entries run on upgrade; the Management API's POSTs
// go out on the socket). Cognito's InitiateAuth is answered in the browser (page.route) with an
// ID token signed by that key. The console's rule is played by feeding each event the bus
// accepts, as it is accepted, to the broadcaster.

warnIfNoChromium("the stage console's browser test");

const APP_DIR = fileURLToPath(new URL("../web/console/", import.meta.url));
const LIBRARY = "tiny";
const POOL = "us-east-1_TestPool";
const CLIENT = "test-client";
const ISSUER = `https://cognito-idp.us-east-1.amazonaws.com/${POOL}`;
const SUB = "0b6c2f4e-3333-4a5b-9c8d-000000000003";
const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8" };

type Handler = (event: unknown) => Promise<unknown>;

/** The user pool's signing key, as the JWKS it publishes, and the ID token Cognito would hand this user. */
function cognitoIdentity(): { jwks: string; idToken: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: "jwk" }), kid: "k1", alg: "RS256", use: "sig" }] });
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const unsigned = `${part({ alg: "RS256", kid: "k1" })}.${part({ sub: SUB, iss: ISSUER, aud: CLIENT, token_use: "id", exp: Math.floor(Date.now() / 1000) + 3600 })}`;
  return { jwks, idToken: `${unsigned}.${createSign("RSA-SHA256").update(unsigned).sign(privateKey).toString("base64url")}` };
}

/** What the gateway calls, filled in once it knows its own origin: the Lambda entries and API Gateway's JWT check. */
type GatewayTargets = { entries: Record<string, Handler>; verify: (token: string) => Promise<string | undefined> };

/** The gateway's state: its origin, the JWKS it serves and the open WebSocket connections by id. */
type Gateway = { origin: string; jwks: string; targets: GatewayTargets; sockets: Map<string, WebSocket>; wss: WebSocketServer };

/** One HTTP request to the gateway: the JWKS, the Management API's POSTs, /api/* to the routes, else the app's files. */
async function serve(gateway: Gateway, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { entries, verify } = gateway.targets;
  const url = new URL(request.url ?? "/", gateway.origin);
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString("utf8");
  if (url.pathname === "/jwks.json") return void response.end(gateway.jwks);
  const management = /^\/live-management\/@connections\/([^/]+)$/.exec(url.pathname);
  if (management && request.method === "POST") {
    const socket = gateway.sockets.get(decodeURIComponent(management[1]));
    response.statusCode = socket ? 200 : 410;
    socket?.send(body);
    return void response.end();
  }
  if (url.pathname.startsWith("/api/")) {
    const route = consoleRoutes.find((r) => r.method === request.method && new RegExp(`^${r.path.replace("{id}", "[^/]+")}$`).test(url.pathname));
    if (!route) return void ((response.statusCode = 404), response.end(JSON.stringify({ message: "Not Found" })));
    let claims: Record<string, string> | undefined;
    if (route.signedIn) {
      const sub = await verify(String(request.headers.authorization ?? "").replace(/^Bearer /, ""));
      if (!sub) return void ((response.statusCode = 401), response.end(JSON.stringify({ message: "Unauthorized" })));
      claims = { sub };
    }
    const idAt = route.path.split("/").indexOf("{id}");
    const id = idAt < 0 ? undefined : decodeURIComponent(url.pathname.split("/")[idAt]);
    const result = (await entries[route.entry]({
      routeKey: `${route.method} ${route.path}`,
      rawPath: url.pathname,
      ...(id ? { pathParameters: { id } } : {}),
      ...(url.search ? { queryStringParameters: Object.fromEntries(url.searchParams) } : {}),
      ...(body ? { body, isBase64Encoded: false } : {}),
      requestContext: claims ? { authorizer: { jwt: { claims } } } : {},
    })) as HttpResult;
    response.writeHead(result.statusCode, result.headers);
    return void response.end(result.body);
  }
  const file = url.pathname === "/" ? "index.html" : url.pathname.slice(1);
  if (!/^[a-z0-9-]+\.(html|js|css)$/.test(file)) return void ((response.statusCode = 404), response.end());
  response.setHeader("content-type", TYPES[extname(file)]);
  response.end(await readFile(join(APP_DIR, file)));
}

/** A WebSocket upgrade: the $connect authorizer decides, then the connections entry hears of it and of its close. */
async function upgrade(gateway: Gateway, request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const { entries } = gateway.targets;
  const url = new URL(request.url ?? "/", gateway.origin);
  const methodArn = "arn:aws:execute-api:us-east-1:123456789012:local/live/$connect";
  const decision = (await entries["console-socket-authorizer"]({ methodArn, queryStringParameters: Object.fromEntries(url.searchParams) })) as {
    policyDocument: { Statement: { Effect: string }[] };
    context?: { sub: string };
  };
  if (url.pathname !== "/live" || decision.policyDocument.Statement[0].Effect !== "Allow") {
    socket.end("HTTP/1.1 401 Unauthorized\r\n\r\n");
    return;
  }
  const connectionId = randomBytes(9).toString("base64");
  const authorizer = decision.context!;
  await entries["console-socket"]({ requestContext: { routeKey: "$connect", connectionId, authorizer } });
  gateway.wss.handleUpgrade(request, socket, head, (ws) => {
    gateway.sockets.set(connectionId, ws);
    ws.on("close", () => {
      gateway.sockets.delete(connectionId);
      void entries["console-socket"]({ requestContext: { routeKey: "$disconnect", connectionId, authorizer } });
    });
  });
}

/** The gateway: CloudFront + the HTTP API + the WebSocket API, on one port of 127.0.0.1. */
async function startGateway(jwks: string, targets: GatewayTargets): Promise<{ origin: string; close: () => Promise<void> }> {
  const gateway: Gateway = { origin: "", jwks, targets, sockets: new Map(), wss: new WebSocketServer({ noServer: true }) };
  const server = createServer((request, response) => void serve(gateway, request, response).catch((error: unknown) => {
    response.statusCode = 500;
    response.end(String(error));
  }));
  server.on("upgrade", (request, socket, head) => void upgrade(gateway, request, socket, head));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  gateway.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = async () => {
    for (const socket of gateway.sockets.values()) socket.terminate();
    gateway.wss.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { origin: gateway.origin, close };
}

/** The buckets' CORS rules as stacks/Storage.ts sets them, for the gateway's origin here. */
async function setBucketCors(cloud: LocalCloud): Promise<void> {
  const rule = (method: string, headers: string[]) => ({ CORSRules: [{ AllowedMethods: [method], AllowedOrigins: ["*"], AllowedHeaders: headers, MaxAgeSeconds: 3600 }] });
  await cloud.s3.send(new PutBucketCorsCommand({ Bucket: cloudNames.buckets.uploads, CORSConfiguration: rule("PUT", ["content-type", "x-amz-meta-cds-settings"]) }));
  await cloud.s3.send(new PutBucketCorsCommand({ Bucket: cloudNames.buckets.results, CORSConfiguration: rule("GET", []) }));
}

/** The console's rule on the search bus: each event the bus accepted, in order, to the broadcaster. Returns its stop. */
function startConsoleRule(cloud: LocalCloud, entries: Record<string, Handler>): () => void {
  let fed = 0;
  let feeding = Promise.resolve();
  const timer = setInterval(() => {
    for (; fed < cloud.events.length; fed++) {
      const { event } = cloud.events[fed];
      if (matchesPattern(liveSearchEventPattern, event)) feeding = feeding.then(() => entries["console-broadcaster"](event)).then(() => undefined);
    }
  }, 20);
  return () => clearInterval(timer);
}

let cloud: LocalCloud;
let browser: Browser;
let origin: string;
let closeGateway: () => Promise<void>;
let idToken: string;
let maskFile: string;
let stopRule = () => undefined as void;
const savedEnv = { ...process.env };

// File-level, for the one describe below: vitest runs none of them when that describe is skipped.
beforeAll(async () => {
  const root = await tempDir("cds-stage-console-");
  cloud = await startLocalCloud(join(root, "s3rver"), { s3Events: true });
  const identity = cognitoIdentity();
  idToken = identity.idToken;
  const targets: GatewayTargets = { entries: {}, verify: async () => undefined };
  ({ origin, close: closeGateway } = await startGateway(identity.jwks, targets));

  Object.assign(process.env, cloud.env, {
    CDS_CONSOLE_TABLE: CONSOLE_TABLE,
    CDS_SOCKET_ENDPOINT: `${origin}/live-management`,
    CDS_SOCKET_URL: `${origin.replace("http:", "ws:")}/live`,
    CDS_USER_POOL_ID: POOL,
    CDS_USER_POOL_CLIENT_ID: CLIENT,
    CDS_USER_POOL_JWKS_URL: `${origin}/jwks.json`,
  });
  targets.verify = cognitoJwtVerifier({ issuer: ISSUER, clientId: CLIENT, jwksUrl: `${origin}/jwks.json` });
  await createConsoleTable(cloud);
  await setBucketCors(cloud);

  const store = s3StoreAt(`s3://${cloudNames.buckets.library}/${LIBRARY}`);
  await indexSprinkledLibrary({ root, name: LIBRARY, count: 80, shardSize: 10, store });
  store.client.destroy();
  maskFile = join(root, "my mask.tif");
  await writeFile(maskFile, encodePackBitsTiff(sprinkledImage(64, 32, 9090, 0.3)));
  cloud.deploy(lambdaEntries);
  for (const entry of ["console-config", "console-libraries", "console-uploads", "console-searches", "console-socket", "console-socket-authorizer", "console-broadcaster"]) {
    targets.entries[entry] = ((await import(`../packages/aws/src/lambda/${entry}.ts`)) as { handler: Handler }).handler;
  }
  stopRule = startConsoleRule(cloud, targets.entries);

  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  stopRule();
  await browser?.close();
  await cloud?.idle().catch(() => undefined);
  await closeGateway?.();
  await cloud?.close();
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
  Object.assign(process.env, savedEnv);
});

describe.skipIf(!hasChromium)("the browser console on a stage, in headless chromium", () => {
  it("signs in with Cognito, uploads a mask straight to the uploads bucket, follows it live over the WebSocket to completed and opens its results", async () => {
    const page = await browser.newPage();
    const signIns: unknown[] = [];
    // Cognito itself (InitiateAuth, USER_PASSWORD_AUTH), answered in the browser.
    await page.route("https://cognito-idp.us-east-1.amazonaws.com/**", async (route) => {
      const cors = { "access-control-allow-origin": "*", "access-control-allow-headers": "content-type, x-amz-target", "access-control-allow-methods": "POST" };
      if (route.request().method() === "OPTIONS") return route.fulfill({ status: 204, headers: cors });
      signIns.push(route.request().postDataJSON());
      await route.fulfill({ status: 200, headers: { ...cors, "content-type": "application/x-amz-json-1.1" }, body: JSON.stringify({ AuthenticationResult: { IdToken: idToken } }) });
    });
    await page.goto(origin);
    await page.fill("#user", "ada@lab.example.org");
    await page.fill("#password", "correct horse battery staple");
    await page.click('button[type="submit"]');
    await page.waitForSelector(`#library option[value="${LIBRARY}"]`, { state: "attached" });
    expect(signIns).toEqual([{ AuthFlow: "USER_PASSWORD_AUTH", ClientId: CLIENT, AuthParameters: { USERNAME: "ada@lab.example.org", PASSWORD: "correct horse battery staple" } }]);
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector("#live-state")?.textContent?.startsWith("Live:"));
    await page.evaluate(() => ((globalThis as unknown as { marker: string }).marker = "same page"));

    await page.fill("#param-excludeTopLeft", "0x0");
    await page.fill("#param-excludeTopRight", "0x0");
    await page.setInputFiles("#file", maskFile);
    await page.click("#submit");

    const row = `#searches tbody tr[data-mask-key^="${LIBRARY}/web-${SUB}-"]`;
    await page.waitForSelector(`${row}[data-status="completed"]`, { timeout: 120_000 });
    const steps = (await page.getAttribute(row, "data-steps"))!.split(" ");
    expect(steps).toEqual(expect.arrayContaining(["accepted", "running", "completed"]));
    expect(steps.indexOf("accepted")).toBeLessThan(steps.indexOf("running"));
    expect(steps.indexOf("running")).toBeLessThan(steps.indexOf("completed"));
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: string }).marker)).toBe("same page");

    // The results page, from the row's link after a reload (the list carries presigned links)
    await page.reload();
    const link = page.locator(`${row} a`, { hasText: "open results" });
    await link.waitFor();
    const [results] = await Promise.all([page.context().waitForEvent("page"), link.click()]);
    // The page, shown in a sandboxed frame, draws the mask from the private bucket through a
    // presigned URL (the library was indexed from a folder, so its matches have placeholders).
    await results.waitForFunction(() => (globalThis as unknown as { document: { title: string } }).document.title.startsWith("Matches for"));
    const frame = results.frameLocator("iframe");
    await frame.locator("#mask-image").waitFor();
    const naturalWidth = (selector: string) => frame.locator(selector).first().evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth);
    await expect.poll(() => naturalWidth("#mask-image")).toBeGreaterThan(0);
    await frame.locator("#matches li").first().waitFor();
    await results.close();
    await page.close();
  }, 180_000);

  it("refuses the API and the WebSocket without a valid token", async () => {
    expect((await fetch(`${origin}/api/libraries`)).status).toBe(401);
    expect((await fetch(`${origin}/api/searches`, { headers: { authorization: "Bearer not.a.token" } })).status).toBe(401);
    expect((await fetch(`${origin}/api/config`)).status).toBe(200);
    const refused = await new Promise<string>((resolve) => {
      const socket = new globalThis.WebSocket(`${origin.replace("http:", "ws:")}/live?token=forged`);
      socket.onerror = () => resolve("refused");
      socket.onopen = () => resolve("opened");
    });
    expect(refused).toBe("refused");
  });
});
