import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodePackBitsTiff } from "@cds/core/image";
import { readUploadParameters, sidecarOfMetadata, uploadSettingsOf } from "@cds/core/pipeline";
import type { ResultsDocument } from "@cds/core/results";
import { canonicalSettings } from "@cds/core/submission";
import { matchesPattern } from "@cds/events";
import { liveSearchEventPattern } from "../packages/aws/src/console/broadcast.ts";
import type { HttpApiEvent, HttpResult } from "../packages/aws/src/console/http.ts";
import { s3StoreAt } from "../packages/aws/src/s3-url.ts";
import { cloudNames, lambdaEntries, startLocalCloud, type LocalCloud } from "./support/aws-over-http.ts";
import { CONSOLE_TABLE, createConsoleTable } from "./support/console-table.ts";
import { indexSprinkledLibrary, WHOLE_IMAGE_PARAMS } from "@cds/testing/sprinkled-library";
import { sprinkledImage } from "@cds/testing/synthetic-targets";
import { tempDir } from "@cds/testing/temp-dir";

// Issue 15, the stage half: the console's Lambda entries (packages/aws/src/lambda/console-*.ts)
// unchanged, on the local cloud of aws-over-http.ts: the browser's upload goes to s3rver by the
// presigned PUT the upload route hands out, s3rver reports it as S3's EventBridge notification
// would, and the pipeline's own entries run the search. Two parts of AWS have no emulator and are
// stood in for: API Gateway's JWT authorizer (the routes get the `sub` claim it would pass), and
// the API Gateway Management API the broadcaster posts to (a server on 127.0.0.1 that records
// the signed POSTs). The console's rule on the search bus is played by applying its pattern to
// every event the bus accepted, in order.

const LIBRARY = "tiny";
const ALICE = "0b6c2f4e-1111-4a5b-9c8d-000000000001";
const BOB = "0b6c2f4e-2222-4a5b-9c8d-000000000002";

type Handler<E> = (event: E) => Promise<unknown>;
interface Entries {
  libraries: Handler<HttpApiEvent>;
  uploads: Handler<HttpApiEvent>;
  searches: Handler<HttpApiEvent>;
  config: Handler<HttpApiEvent>;
  socket: Handler<{ requestContext: Record<string, unknown> }>;
  broadcaster: Handler<unknown>;
}

/** A request as API Gateway hands it on once its JWT authorizer verified the user's token. */
function asUser(sub: string, request: Omit<HttpApiEvent, "requestContext"> = {}): HttpApiEvent {
  return { ...request, requestContext: { authorizer: { jwt: { claims: { sub } } } } };
}

async function call(handler: Handler<HttpApiEvent>, event: HttpApiEvent): Promise<{ status: number; body: any }> {
  const result = (await handler(event)) as HttpResult;
  return { status: result.statusCode, body: JSON.parse(result.body) };
}

/** Stands in for the API Gateway Management API: records each POST /@connections/{id}; `gone` ids answer 410. */
async function startManagementApi(gone: ReadonlySet<string>) {
  const posts: { connectionId: string; authorization: string; message: any }[] = [];
  const server: Server = createServer(async (request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const connectionId = decodeURIComponent(/\/@connections\/([^/?]+)$/.exec(request.url ?? "")?.[1] ?? "");
    posts.push({ connectionId, authorization: String(request.headers.authorization), message: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
    response.statusCode = gone.has(connectionId) ? 410 : 200;
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}/live`, posts, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

// One local cloud and one stand-in Management API for every test below, started once (the tests run
// in order: the last one's uploader connected in the one before it).
let cloud: LocalCloud;
let management: Awaited<ReturnType<typeof startManagementApi>>;
let entries: Entries;
const savedEnv = { ...process.env };
const mask = encodePackBitsTiff(sprinkledImage(64, 32, 4242, 0.3));

beforeAll(async () => {
  const root = await tempDir("cds-aws-console-");
  cloud = await startLocalCloud(join(root, "s3rver"), { s3Events: true });
  management = await startManagementApi(new Set(["gone-1"]));
  Object.assign(process.env, cloud.env, {
    CDS_CONSOLE_TABLE: CONSOLE_TABLE,
    CDS_SOCKET_ENDPOINT: management.endpoint,
    CDS_SOCKET_URL: "wss://socket.example.org/live",
    CDS_USER_POOL_ID: "us-east-1_TestPool",
    CDS_USER_POOL_CLIENT_ID: "test-client",
  });
  await createConsoleTable(cloud);
  // The library under <name>/ in the library bucket, as `cds library index --to s3://…` writes it.
  const store = s3StoreAt(`s3://${cloudNames.buckets.library}/${LIBRARY}`);
  await indexSprinkledLibrary({ root, name: LIBRARY, count: 60, shardSize: 20, store });
  store.client.destroy();
  cloud.deploy(lambdaEntries);
  const load = async (entry: string) => ((await import(`../packages/aws/src/lambda/${entry}.ts`)) as { handler: Handler<never> }).handler;
  entries = {
    libraries: await load("console-libraries"),
    uploads: await load("console-uploads"),
    searches: await load("console-searches"),
    config: await load("console-config"),
    socket: await load("console-socket"),
    broadcaster: await load("console-broadcaster"),
  } as Entries;
});

afterAll(async () => {
  await cloud?.idle().catch(() => undefined);
  await cloud?.close();
  await management?.close();
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
  Object.assign(process.env, savedEnv);
});

describe("the console's Lambda entries over HTTP: the config, the parameter form and the libraries", () => {
  it("answers /api/config with the stage's runtime, WebSocket and user pool", async () => {
    expect(await call(entries.config, { routeKey: "GET /api/config" } as HttpApiEvent)).toEqual({
      status: 200,
      body: {
        runtime: "stage",
        live: { kind: "websocket", url: "wss://socket.example.org/live" },
        auth: { kind: "cognito", userPoolId: "us-east-1_TestPool", clientId: "test-client", region: "us-east-1" },
        maxMaskBytes: 64 * 1024 * 1024,
      },
    });
  });

  it("answers the parameter form, and checks parameters as intake does (API Gateway's JWT authorizer stood in for)", async () => {
    const routed = (routeKey: string, request: Omit<HttpApiEvent, "requestContext"> = {}) => ({ ...asUser(ALICE, request), routeKey }) as HttpApiEvent;
    const form = await call(entries.config, routed("GET /api/params"));
    expect(form.status).toBe(200);
    expect(form.body.defaults).toMatchObject({ maskThreshold: 100, xyShift: 2, excludeTopRight: "270x90", maxResultsPerMask: 400 });
    expect(form.body.fields.map((f: { name: string }) => f.name)).toContain("pixColorFluctuation");
    expect(await call(entries.config, routed("POST /api/params/check", { body: JSON.stringify({ params: { xyShift: 4 }, notifyEmail: "ada@example.org" }) }))).toEqual({ status: 200, body: { ok: true } });
    const bad = await call(entries.config, routed("POST /api/params/check", { body: JSON.stringify({ params: { maskThreshold: 300 } }) }));
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe("maskThreshold");
    expect((await call(entries.config, { routeKey: "GET /api/params" } as HttpApiEvent)).status).toBe(401);
    expect(await call(entries.searches, { ...asUser(ALICE), routeKey: "GET /api/submissions" } as HttpApiEvent)).toEqual({ status: 200, body: { submissions: [] } });
  });

  it("lists the library bucket's libraries with their size (API Gateway's JWT authorizer stood in for)", async () => {
    expect(await call(entries.libraries, asUser(ALICE))).toEqual({ status: 200, body: { libraries: [{ name: LIBRARY, count: 60, width: 64, height: 32 }] } });
    expect((await call(entries.libraries, {})).status).toBe(401);
  });
});

describe("the console's Lambda entries over HTTP: upload requests refused before anything is uploaded", () => {
  it.each([
    [{ library: "nowhere", fileName: "m.tif", bytes: 10, params: {} }, "library", /no library named "nowhere"/],
    [{ library: LIBRARY, fileName: "notes.txt", bytes: 10, params: {} }, "fileName", /PNG, TIFF or JPEG/],
    [{ library: LIBRARY, fileName: "../m.tif", bytes: 10, params: {} }, "fileName", /without '\/'/],
    [{ library: LIBRARY, fileName: "m.tif", bytes: 64 * 1024 * 1024 + 1, params: {} }, "bytes", /over the 67108864 bytes/],
    [{ library: LIBRARY, fileName: "m.tif", bytes: 10, params: { xyShift: 3 } }, "xyShift", /xyShift/],
    [{ library: LIBRARY, fileName: "m.tif", bytes: 10, params: { colour: "red" } }, "colour", /unknown search parameter "colour"/],
    [{ library: LIBRARY, fileName: "m.tif", bytes: 10, params: { submissionId: "sub-1" } }, "submissionId", /not a search parameter/],
    [{ library: LIBRARY, fileName: "m.tif", bytes: 10, params: {}, notifyEmail: "not an address" }, "notifyEmail", /notifyEmail must be (exactly one|an) email address/],
  ])("refuses a bad upload request %j with a reason for field %s, before anything is uploaded", async (request, field, reason) => {
    const { status, body } = await call(entries.uploads, asUser(ALICE, { body: JSON.stringify(request) }));
    expect(status).toBe(400);
    expect(body.field).toBe(field);
    expect(body.error).toMatch(reason);
  });

  it("refuses a body that is not JSON, and a request without a signed-in user", async () => {
    expect(await call(entries.uploads, asUser(ALICE, { body: "{not json" }))).toEqual({ status: 400, body: { error: "the request body is not JSON" } });
    expect((await call(entries.uploads, { body: "{}" })).status).toBe(401);
  });
});

describe("the console's Lambda entries over HTTP: a browser's upload, live to its uploader and listed for them only", () => {
  it("runs a browser's upload through intake to completed, pushes each step live to the uploader's connections only, and lists it for the uploader only", async () => {
    // Prepare: Alice has two connections open (one of them gone since), Bob one.
    for (const [sub, connectionId] of [[ALICE, "conn-a"], [ALICE, "gone-1"], [BOB, "conn-b"]]) {
      expect(await entries.socket({ requestContext: { routeKey: "$connect", connectionId, authorizer: { sub } } })).toEqual({ statusCode: 200 });
    }
    const params = { ...WHOLE_IMAGE_PARAMS, xyShift: 0, maskThreshold: 50 };

    // Act: the browser asks for an upload, then PUTs the mask with the headers it was given
    const asked = await call(entries.uploads, asUser(ALICE, { body: JSON.stringify({ library: LIBRARY, fileName: "LC4 left.tif", bytes: mask.byteLength, params }) }));
    expect(asked.status, JSON.stringify(asked.body)).toBe(200);
    const { key, put } = asked.body as { key: string; put: { url: string; method: string; headers: Record<string, string> } };
    expect(key).toMatch(new RegExp(`^${LIBRARY}/web-${ALICE}-[0-9a-f]{12}-LC4_left\\.tif$`));
    expect(put.method).toBe("PUT");
    const url = new URL(put.url);
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("content-length;content-type;host;x-amz-meta-cds-settings");
    const uploaded = await fetch(url, { method: "PUT", headers: put.headers, body: mask });
    expect(uploaded.status).toBe(200);
    await cloud.idle(60_000);
    // The console's rule on the search bus, played: its pattern over every event the bus accepted.
    for (const { event } of cloud.events) if (matchesPattern(liveSearchEventPattern, event)) await entries.broadcaster(event);

    // Assess: the object carries the parameters exactly as `cds submit --stage` writes them, which intake read
    const uploads = s3StoreAt(`s3://${cloudNames.buckets.uploads}`);
    const carried = await readUploadParameters(uploads, key);
    expect(carried.source).toBe("metadata");
    const sidecar = sidecarOfMetadata(await uploads.metadata!(key)) as Record<string, unknown>;
    expect(sidecar).toEqual({ ...canonicalSettings(uploadSettingsOf(params)), submissionId: expect.stringMatching(`^web-${ALICE}-`), submissionMaskId: expect.any(String) });
    uploads.client.destroy();

    // Live: Alice's open connection saw the whole life in order; the gone one was tried once and dropped; Bob saw nothing
    const toAlice = management.posts.filter((p) => p.connectionId === "conn-a").map((p) => p.message);
    expect(toAlice.map((m) => m["detail-type"])).toEqual(["Search Accepted", "Search Started", "Search Batches Completed", "Search Completed"]);
    const searchId = toAlice[0].detail.searchId as string;
    for (const message of toAlice) {
      expect(message.detail.searchId).toBe(searchId);
      expect(message.maskKey).toBe(key);
      expect(typeof message.time).toBe("string");
    }
    expect(management.posts.filter((p) => p.connectionId === "gone-1")).toHaveLength(1);
    expect(management.posts.some((p) => p.connectionId === "conn-b")).toBe(false);
    for (const post of management.posts) expect(post.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/us-east-1\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/);
    const posted = management.posts.length;
    await entries.broadcaster(cloud.events.find(({ event }) => event["detail-type"] === "Search Started")!.event);
    expect(management.posts.slice(posted).map((p) => p.connectionId)).toEqual(["conn-a"]);

    // Reading: Alice lists it completed and gets presigned links to her results; Bob sees none of it
    const listed = await call(entries.searches, asUser(ALICE, { queryStringParameters: { limit: "10" } }));
    expect(listed.status).toBe(200);
    expect(listed.body.searches).toHaveLength(1);
    expect(listed.body.searches[0]).toMatchObject({
      searchId,
      maskKey: key,
      maskName: key.split("/")[1],
      library: LIBRARY,
      status: "completed",
      batchCount: 3,
      completedBatches: 3,
      targetCount: 60,
      createdAt: expect.any(String),
      matchCount: expect.any(Number),
      results: { json: expect.stringContaining("X-Amz-Signature="), csv: expect.stringContaining("X-Amz-Signature="), page: `/api/searches/${searchId}/page` },
    });
    const one = await call(entries.searches, asUser(ALICE, { pathParameters: { id: searchId } }));
    expect(one.status).toBe(200);
    const results = (await (await fetch(one.body.results.json)).json()) as ResultsDocument;
    expect(results.searchId ?? searchId).toBe(searchId);
    expect(Array.isArray(results.results)).toBe(true);
    expect((await fetch(one.body.results.csv)).headers.get("content-type")).toMatch(/^text\/csv/);
    // The page comes through the API with its own files presigned: the bucket is private, so a
    // relative image path would be refused once the page is opened from a presigned URL.
    const page = await call(entries.searches, asUser(ALICE, { routeKey: "GET /api/searches/{id}/page", pathParameters: { id: searchId } } as HttpApiEvent));
    expect(page.status).toBe(200);
    expect(page.body.title).toMatch(/^Matches for .+ in /);
    const html = page.body.html as string;
    expect(html).toContain("<html");
    expect(html).not.toMatch(/"[^"/]*-files\//);
    const signed = [...html.matchAll(/"(https?:\/\/[^"]+-files\/[^"]+)"/g)].map((m) => m[1].replace(/&amp;/g, "&"));
    // The library was indexed from a folder here, so its matches have placeholders: the mask is the page's one picture.
    expect(signed.some((url) => new URL(url).pathname.endsWith(`/${searchId}-files/mask.png`))).toBe(true);
    for (const url of new Set(signed)) {
      const image = await fetch(url);
      expect(image.status, url).toBe(200);
      expect(image.headers.get("content-type")).toBe("image/png");
    }
    expect((await call(entries.searches, asUser(BOB, { routeKey: "GET /api/searches/{id}/page", pathParameters: { id: searchId } } as HttpApiEvent))).status).toBe(404);
    expect(await call(entries.searches, asUser(BOB))).toEqual({ status: 200, body: { searches: [] } });
    expect((await call(entries.searches, asUser(BOB, { pathParameters: { id: searchId } }))).status).toBe(404);
    expect((await call(entries.searches, asUser(ALICE, { queryStringParameters: { limit: "500" } }))).body.field).toBe("limit");

    // Disconnecting removes the connection: the next event reaches no one of Alice's
    await entries.socket({ requestContext: { routeKey: "$disconnect", connectionId: "conn-a", authorizer: { sub: ALICE } } });
    const before = management.posts.length;
    await entries.broadcaster(cloud.events.find(({ event }) => event["detail-type"] === "Search Completed")!.event);
    expect(management.posts.slice(before)).toEqual([]);
  }, 120_000);
});

describe("the console's Lambda entries over HTTP: a mask that intake refuses", () => {
  it("shows a mask intake refuses as a failed search with the reason, live", async () => {
    const asked = await call(entries.uploads, asUser(BOB, { body: JSON.stringify({ library: LIBRARY, fileName: "wrong-size.tif", bytes: 0 + encodePackBitsTiff(sprinkledImage(32, 32, 7, 0.3)).byteLength, params: WHOLE_IMAGE_PARAMS }) }));
    expect(asked.status).toBe(200);
    const bytes = encodePackBitsTiff(sprinkledImage(32, 32, 7, 0.3));
    expect((await fetch(asked.body.put.url, { method: "PUT", headers: asked.body.put.headers, body: bytes })).status).toBe(200);
    await cloud.idle(60_000);
    const failed = cloud.events.filter(({ event }) => event["detail-type"] === "Search Failed").map(({ event }) => event);
    expect(failed).toHaveLength(1);
    await entries.broadcaster(failed[0]);
    const toBob = management.posts.filter((p) => p.connectionId === "conn-b").map((p) => p.message);
    expect(toBob.map((m) => m["detail-type"])).toEqual(["Search Failed"]);
    const { body } = await call(entries.searches, asUser(BOB));
    expect(body.searches).toHaveLength(1);
    expect(body.searches[0]).toMatchObject({ status: "failed", failure: { stage: "intake", reason: expect.stringMatching(/32x32|size/) } });
  }, 120_000);
});
