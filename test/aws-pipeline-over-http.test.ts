import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { generateWebhookSecret } from "@cds/core/notify";
import type { SearchJob } from "@cds/core/pipeline";
import { planDispatchTree, type DispatcherPayload, type WorkerPayload } from "@cds/core/planning";
import type { ResultsDocument } from "@cds/core/results";
import { searchEventSource, type CatalogEvent } from "@cds/events";
import { startLocalRuntime, writeSyntheticFiles, type LocalRuntime } from "@cds/local";
import { cloudNames, deployedFunctionNames, lambdaEntries, startLocalCloud, type LambdaHandler, type LocalCloud, type RoutedEvent } from "./support/aws-over-http.ts";
import { runCli, runCliProcess } from "./support/run-cli.ts";
import { acceptedSearchId, isSearchEvent, waitFor, waitForEvent } from "@cds/testing/runtime-events";
import { BJD, cdsearch, EM_12191, GMR, hasSharedCdm, SKIP_SHARED_NOTE, VT016795, VT033614 } from "@cds/testing/shared-data";
import { tempDir } from "@cds/testing/temp-dir";
import { startWebhookReceiver, type WebhookReceiver } from "./support/webhook-receiver.ts";

// Issue 5, part 3: one end-to-end run of the whole pipeline in which every AWS-facing adapter
// talks over HTTP to local servers, the Lambda entries (packages/aws/src/lambda/*.ts) unchanged
// and configured only through the environment a stage gives them, producing the same results
// file as the embedded default (`cds dev`'s runtime) on the same mask and library.
//
// The library is indexed twice from one folder of synthetic CDMs by the real CLI: into a folder
// for the embedded default, and with `--to s3://library` into the library bucket. Its shards of 6
// targets make one batch each (the entries use the default batch plan), so 34 workers run under
// a two-level dispatch tree (more than 32 batches).

if (!hasSharedCdm) console.warn(SKIP_SHARED_NOTE);

const LIBRARY = "syn";
const TARGETS = 200;
const REAL_LMS = [BJD, GMR, VT016795, VT033614];
const LIBRARY_COUNT = TARGETS + (hasSharedCdm ? REAL_LMS.length : 0);
const SHARD_SIZE = 6;
const BATCHES = Math.ceil(LIBRARY_COUNT / SHARD_SIZE);
const NOTIFY_EMAIL = "ada@example.org";
const SIDECAR = { notifyEmail: NOTIFY_EMAIL, xyShift: 2 };
/** NeuronBridge's precompute parameters (those of the upstream unit tests), every match kept. */
const REAL_SIDECAR = { maskThreshold: 20, dataThreshold: 20, pixColorFluctuation: 1, minMatchingPixRatio: 1, xyShift: 2, mirrorMask: true, maxResultsPerMask: 10_000, notifyEmail: NOTIFY_EMAIL };

type Searched = { searchId: string; document: ResultsDocument };

// One cloud for every test below, started once (the tests run in order, and the retried search
// is compared with the first): S3, DynamoDB and SQS on s3rver, dynalite and local-aws-sqs;
// EventBridge, Lambda and SES emulated by local wire-protocol endpoints.
let root: string;
let cloud: LocalCloud;
let runtime: LocalRuntime;
let hooks: WebhookReceiver;
let events: EventBridgeClient;
let secret: string;
let syntheticMask: Uint8Array;
let plantedNames: string[];
const savedEnv = { ...process.env };

beforeAll(async () => {
  root = await tempDir("cds-aws-e2e-");
  cloud = await startLocalCloud(join(root, "s3rver"));
  // What a stage sets on its functions, before any entry is loaded (they read it on first use).
  Object.assign(process.env, cloud.env);
  events = new EventBridgeClient({ endpoint: cloud.eventBridge.endpoint, region: cloudNames.region, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } });

  // The library's source: synthetic CDMs with the mask's neuron planted in 3 of them (plus the
  // real LM targets of the 12191 mask when ../shared/data/cdm is there).
  const files = await writeSyntheticFiles(join(root, "data"), { seed: "aws-e2e", count: TARGETS, masks: 1, plantedPerMask: 3 }, { workers: 2 });
  if (hasSharedCdm) for (const lm of REAL_LMS) await copyFile(cdsearch(lm), join(files.targets, basename(lm)));
  syntheticMask = new Uint8Array(await readFile(files.masks[0]));
  plantedNames = files.planted.map((p) => basename(p.file, ".tif"));

  // Indexed by the CLI into the library bucket (a child process, as a person runs it against a
  // stage) and into the embedded default's data folder.
  const index = ["library", "index", files.targets, "--name", LIBRARY, "--shard-size", String(SHARD_SIZE), "--workers", "1"];
  const [toBucket, toFolder] = await Promise.all([
    runCliProcess([...index, "--to", `s3://${cloudNames.buckets.library}`]),
    runCli([...index, "--to", join(root, "embedded", "libraries", LIBRARY)]),
  ]);
  expect(toBucket.stdout + toBucket.stderr).toContain(`into s3://${cloudNames.buckets.library}/${LIBRARY}/`);
  expect(toBucket.code).toBe(0);
  expect(toFolder.code).toBe(0);

  runtime = await startLocalRuntime({ root: join(root, "embedded"), pollMs: 50, scorerThreads: 2, onError: () => undefined });

  hooks = await startWebhookReceiver(() => 204);
  secret = generateWebhookSecret();
  await cloud.state.createSubscription({ url: hooks.url, events: ["Search Completed", "Search Failed"], secret, allowPrivate: true });

  cloud.deploy(lambdaEntries);
});

afterAll(async () => {
  await cloud?.idle().catch(() => undefined);
  await runtime?.stop();
  events?.destroy();
  await cloud?.close();
  await hooks?.close();
  for (const name of Object.keys(cloud?.env ?? {})) {
    if (name in savedEnv) process.env[name] = savedEnv[name];
    else delete process.env[name];
  }
});

/** Puts an object in the uploads bucket with the S3 API, then sends the event S3 would. */
async function upload(key: string, bytes: Uint8Array): Promise<void> {
  const { ETag } = await cloud.s3.send(new PutObjectCommand({ Bucket: cloudNames.buckets.uploads, Key: key, Body: bytes }));
  // s3rver sends no event notifications: post the `Object Created` event that S3 (with
  // EventBridge notifications on) would put on the default bus, over PutEvents.
  const detail = {
    version: "0",
    bucket: { name: cloudNames.buckets.uploads },
    object: { key, size: bytes.byteLength, etag: ETag!.replaceAll('"', ""), sequencer: Date.now().toString(16).toUpperCase() },
    "request-id": crypto.randomUUID(),
    requester: cloudNames.account,
    reason: "PutObject",
  };
  const put = await events.send(
    new PutEventsCommand({ Entries: [{ Source: "aws.s3", DetailType: "Object Created", Resources: [`arn:aws:s3:::${cloudNames.buckets.uploads}`], Detail: JSON.stringify(detail) }] }),
  );
  expect(put.FailedEntryCount).toBe(0);
}

async function uploadWithSidecar(file: string, mask: Uint8Array, sidecar?: object): Promise<string> {
  const key = `${LIBRARY}/${file}`;
  if (sidecar) await upload(`${key}.json`, new TextEncoder().encode(JSON.stringify(sidecar)));
  await upload(key, mask);
  return key;
}

const searchEvents = (searchId: string) => cloud.events.filter((e) => (e.event.detail as { searchId?: string }).searchId === searchId);
const cloudEvent = (detailType: string, searchId: string) => waitFor(() => searchEvents(searchId).find((e) => e.event["detail-type"] === detailType));
const cloudSearchId = (maskKey: string) =>
  waitFor(() => {
    const accepted = cloud.events.find((e) => e.event["detail-type"] === "Search Accepted" && (e.event.detail as { maskKey: string }).maskKey === maskKey);
    return (accepted?.event.detail as { searchId: string } | undefined)?.searchId;
  });
const resultsObject = async (key: string) => {
  const { Body } = await cloud.s3.send(new GetObjectCommand({ Bucket: cloudNames.buckets.results, Key: key }));
  return Body!.transformToString("utf8");
};

/** The embedded default: the same files dropped into the runtime's upload folder. */
async function searchEmbedded(file: string, mask: Uint8Array, sidecar?: object): Promise<Searched> {
  const folder = join(root, "embedded", "uploads", LIBRARY);
  await mkdir(folder, { recursive: true });
  if (sidecar) await writeFile(join(folder, `${file}.json`), JSON.stringify(sidecar));
  await writeFile(join(folder, file), mask);
  const searchId = await acceptedSearchId(runtime, `${LIBRARY}/${file}`);
  await waitForEvent(runtime, (e) => isSearchEvent(e, "Search Completed", searchId));
  return { searchId, document: JSON.parse(await readFile(join(root, "embedded", "results", `${searchId}.json`), "utf8")) as ResultsDocument };
}

/** Through the entries: upload, wait for Search Completed and for the cloud to settle, read the results file. */
async function searchInCloud(file: string, mask: Uint8Array, sidecar?: object): Promise<Searched & { completed: RoutedEvent }> {
  const key = await uploadWithSidecar(file, mask, sidecar);
  const searchId = await cloudSearchId(key);
  const completed = await cloudEvent("Search Completed", searchId);
  await cloud.idle();
  return { searchId, completed, document: JSON.parse(await resultsObject(`${searchId}.json`)) as ResultsDocument };
}

/** A results document without what differs between two runs of the same search: its id, when, how long. */
function comparable(document: ResultsDocument) {
  const { searchId: _id, createdAt: _at, elapsedMs: _ms, ...rest } = document;
  return rest;
}

const runsOf = (searchId: string) =>
  cloud.runs.filter((r) => JSON.stringify(r.payload ?? null).includes(searchId));

describe("the Lambda entries end to end over HTTP: a search's results, page, events, webhook and email", () => {
  it("writes the embedded default's results file, the HTML page, a signed webhook and an SES email for a mask with planted matches", async () => {
    // Act: the same mask and sidecar through both runtimes
    const [embedded, aws] = await Promise.all([searchEmbedded("mask.tif", syntheticMask, SIDECAR), searchInCloud("mask.tif", syntheticMask, SIDECAR)]);
    const { searchId, document } = aws;

    // Assess: the same results file (names, scores, order, counts), and the planted targets on top
    expect(comparable(document)).toEqual(comparable(embedded.document));
    expect(document).toMatchObject({ searchId, scored: LIBRARY_COUNT, partial: false, library: { name: LIBRARY, count: LIBRARY_COUNT }, mask: { key: `${LIBRARY}/mask.tif` } });
    expect(document.results.slice(0, 3).map((r) => r.name).sort()).toEqual([...plantedNames].sort());
    expect(document.matchCount).toBe(document.results.length);

    // the page, beside it in the results bucket
    const html = await resultsObject(`${searchId}.html`);
    expect(html).toContain("Matches for mask.tif");
    expect(html).toContain(document.results[0].name);

    // the events, in order, on the stage's bus; the sidecar's Object Created reached no rule
    const types = searchEvents(searchId).map((e) => e.event["detail-type"]);
    const lifecycle = ["Search Accepted", "Search Started", "Search Batches Completed", "Search Completed"];
    expect(types.filter((type) => lifecycle.includes(type))).toEqual(lifecycle);
    expect(searchEvents(searchId).every((e) => e.busName === cloudNames.bus && e.event.source === searchEventSource)).toBe(true);
    const uploads = cloud.events.filter((e) => e.event["detail-type"] === "Object Created" && (e.event.detail as { object: { key: string } }).object.key.startsWith(`${LIBRARY}/mask.tif`));
    expect(uploads.map((e) => [e.busName, (e.event.detail as { object: { key: string } }).object.key, e.targets])).toEqual([
      ["default", `${LIBRARY}/mask.tif.json`, []],
      ["default", `${LIBRARY}/mask.tif`, ["intake"]],
    ]);
    expect(aws.completed.targets).toContain("notify");

    // the dispatch tree, as real Invoke requests: Event invocations of the deployed names, two
    // levels of dispatchers, one worker invocation per batch
    const invokes = cloud.lambda.requests.filter((r) => JSON.stringify(r.payload).includes(searchId));
    expect(new Set(invokes.map((r) => r.invocationType))).toEqual(new Set(["Event"]));
    const dispatchers = invokes.filter((r) => r.functionName === process.env.CDS_DISPATCH_NODE_FUNCTION).map((r) => r.payload as DispatcherPayload<SearchJob>);
    const workers = invokes.filter((r) => r.functionName === process.env.CDS_WORKER_FUNCTION).map((r) => r.payload as WorkerPayload<SearchJob>);
    expect(dispatchers.length + workers.length).toBe(invokes.length);
    expect(dispatchers[0].tree).toMatchObject({ batchCount: BATCHES, levels: 2 });
    expect(dispatchers.filter((d) => d.node.level === 0)).toHaveLength(1);
    expect(dispatchers.filter((d) => d.node.level === 1).length).toBeGreaterThanOrEqual(2);
    expect(workers.map((w) => w.batch.batchId).sort((a, b) => a - b)).toEqual(Array.from({ length: BATCHES }, (_, i) => i));
    expect(cloud.containers("worker")).toBeGreaterThanOrEqual(2); // concurrent invocations, each in its own container
    // every function ran once per invocation: nothing failed, nothing was retried
    expect(runsOf(searchId).filter((r) => r.error !== undefined || r.attempt > 1)).toEqual([]);
    expect(cloud.undeliverable).toEqual([]);

    // the state in DynamoDB
    expect(await cloud.state.getSearch(searchId)).toMatchObject({ status: "completed", batchCount: BATCHES, completedBatches: BATCHES, resultsKey: `${searchId}.json` });

    // the webhook, signed (Standard Webhooks) with the subscription's secret, delivered via SQS
    const hook = await waitFor(() => hooks.received.find((r) => JSON.parse(r.body).id === aws.completed.event.id));
    const verified = new Webhook(secret).verify(hook.body, hook.headers as Record<string, string>) as CatalogEvent;
    expect(verified).toMatchObject({ "detail-type": "Search Completed", detail: { searchId, matchCount: document.matchCount, resultsKey: `${searchId}.json` } });
    expect(cloud.runs.some((r) => r.fn === "webhook-delivery" && JSON.stringify(r.payload).includes(aws.completed.event.id))).toBe(true);

    // the email, a SendEmail request from the stage's sender to the upload's notifyEmail
    const email = cloud.ses.requests.find((r) => r.Content.Simple?.Subject.Data.includes(searchId));
    expect(email).toMatchObject({ FromEmailAddress: cloudNames.emailFrom, Destination: { ToAddresses: [NOTIFY_EMAIL] } });
    expect(email!.Content.Simple!.Body.Text!.Data).toContain(document.results[0].name);
  });

  it.skipIf(!hasSharedCdm)("writes the embedded default's results file for the real 12191 mask against the real LM targets among the decoys", async () => {
    // Prepare
    const mask = new Uint8Array(await readFile(cdsearch(EM_12191)));
    // Act
    const [embedded, aws] = await Promise.all([searchEmbedded("12191.tif", mask, REAL_SIDECAR), searchInCloud("12191.tif", mask, REAL_SIDECAR)]);
    // Assess
    expect(comparable(aws.document)).toEqual(comparable(embedded.document));
    expect(aws.document).toMatchObject({ scored: LIBRARY_COUNT, partial: false });
    const scoreOf = (lm: string) => aws.document.results.find((r) => r.name === basename(lm, ".tif"));
    // the upstream-asserted scores of 12191 against the LM targets (colormipsearch's tests)
    expect(scoreOf(VT033614)).toMatchObject({ matchingPixels: 439, mirrored: false });
    expect(scoreOf(BJD)).toMatchObject({ matchingPixels: 414, mirrored: false });
    expect(scoreOf(VT016795)).toMatchObject({ matchingPixels: 426, mirrored: true });
    await waitFor(() => hooks.received.find((r) => JSON.parse(r.body).id === aws.completed.event.id));
  });
});

describe("the Lambda entries end to end over HTTP: a worker or a dispatcher that throws", () => {
  it("scores every target once when a worker throws on its first two attempts at one batch (Lambda retries it)", async () => {
    // Prepare: the worker of batch 7 of this upload's search fails twice, then works
    const maskKey = `${LIBRARY}/retried.tif`;
    let thrown = 0;
    const restore = cloud.wrap("worker", (handler: LambdaHandler) => async (payload) => {
      const { job, batch } = payload as WorkerPayload<SearchJob>;
      if (job.maskKey === maskKey && batch.batchId === 7 && thrown < 2) {
        thrown++;
        throw new Error(`injected: the worker of batch 7 died (${thrown})`);
      }
      return handler(payload);
    });
    try {
      // Act
      const { searchId, document } = await searchInCloud("retried.tif", syntheticMask, SIDECAR);

      // Assess: two failed runs and Lambda's retry, all from one Invoke request
      expect(thrown).toBe(2);
      const batch7 = runsOf(searchId).filter((r) => r.fn === "worker" && (r.payload as WorkerPayload<SearchJob>).batch.batchId === 7);
      expect(batch7.map((r) => [r.attempt, r.error === undefined])).toEqual([[1, false], [2, false], [3, true]]);
      const invoked = cloud.lambda.requests.filter((r) => r.functionName === deployedFunctionNames.worker && (r.payload as WorkerPayload<SearchJob>).job.searchId === searchId);
      expect(invoked.filter((r) => (r.payload as WorkerPayload<SearchJob>).batch.batchId === 7)).toHaveLength(1);
      expect(runsOf(searchId).some((r) => r.fn === "on-failure")).toBe(false);
      expect(searchEvents(searchId).some((e) => e.event["detail-type"] === "Batch Failed")).toBe(false);
      // every target scored once: one result per batch, counts adding up to the library
      const { results: batches } = await cloud.state.listBatchResults(searchId, planDispatchTree(BATCHES));
      expect(batches.map((b) => b.batchId)).toEqual(Array.from({ length: BATCHES }, (_, i) => i));
      expect(batches.reduce((sum, b) => sum + b.scored, 0)).toBe(LIBRARY_COUNT);
      expect(document).toMatchObject({ scored: LIBRARY_COUNT, partial: false });
      // and the same ranking as the first search of this mask
      const first = JSON.parse(await resultsObject(`${await cloudSearchId(`${LIBRARY}/mask.tif`)}.json`)) as ResultsDocument;
      expect(document.results).toEqual(first.results);
    } finally {
      restore();
    }
  });

  it("fails the search through the on-failure function when a dispatcher gives up, and tells the webhook", async () => {
    // Prepare: every attempt of this upload's root dispatcher throws
    const maskKey = `${LIBRARY}/undispatched.tif`;
    const restore = cloud.wrap("dispatch-node", (handler: LambdaHandler) => async (payload) => {
      if ((payload as DispatcherPayload<SearchJob>).job.maskKey === maskKey) throw new Error("injected: the dispatcher cannot start its children");
      return handler(payload);
    });
    try {
      // Act
      const key = await uploadWithSidecar("undispatched.tif", syntheticMask, SIDECAR);
      const searchId = await cloudSearchId(key);
      const failed = await cloudEvent("Search Failed", searchId);
      await cloud.idle();

      // Assess: three attempts, then Lambda's destination record to on-failure
      const runs = runsOf(searchId);
      expect(runs.filter((r) => r.fn === "dispatch-node").map((r) => r.attempt)).toEqual([1, 2, 3]);
      const [record] = runs.filter((r) => r.fn === "on-failure");
      expect(record.payload).toMatchObject({
        requestContext: { functionArn: expect.stringContaining(`:function:${deployedFunctionNames["dispatch-node"]}`), condition: "RetriesExhausted", approximateInvokeCount: 3 },
        requestPayload: { job: { searchId, maskKey } },
        responsePayload: { errorMessage: "injected: the dispatcher cannot start its children", errorType: "Error" },
      });
      expect(failed.event.detail).toMatchObject({ searchId, stage: "dispatch", reason: expect.stringContaining("the dispatcher cannot start its children") });
      expect(await cloud.state.getSearch(searchId)).toMatchObject({ status: "failed" });
      const hook = await waitFor(() => hooks.received.find((r) => JSON.parse(r.body).id === failed.event.id));
      expect(new Webhook(secret).verify(hook.body, hook.headers as Record<string, string>)).toMatchObject({ "detail-type": "Search Failed", detail: { searchId } });
      expect(cloud.ses.requests.find((r) => r.Content.Simple?.Subject.Data.includes(searchId))).toMatchObject({ Destination: { ToAddresses: [NOTIFY_EMAIL] } });
    } finally {
      restore();
    }
  });
});

describe("the Lambda entries end to end over HTTP: an upload that is not an image", () => {
  it("ends an upload that is a text file as Search Failed from intake, delivered to the webhook", async () => {
    // Act
    const maskKey = await uploadWithSidecar("notes.tif", new TextEncoder().encode("this is not an image\n"));
    const failed = await waitFor(async () => {
      for (const routed of cloud.events.filter((e) => e.event["detail-type"] === "Search Failed")) {
        const search = await cloud.state.getSearch((routed.event.detail as { searchId: string }).searchId);
        if (search?.maskKey === maskKey) return routed;
      }
      return undefined;
    });
    await cloud.idle();

    // Assess
    const { searchId } = failed.event.detail as { searchId: string };
    expect(failed.event.detail).toMatchObject({ stage: "intake", reason: expect.stringMatching(/image|TIFF|PNG|JPEG/i) });
    expect(searchEvents(searchId).map((e) => e.event["detail-type"])).toEqual(["Search Failed"]);
    const hook = await waitFor(() => hooks.received.find((r) => JSON.parse(r.body).id === failed.event.id));
    expect(new Webhook(secret).verify(hook.body, hook.headers as Record<string, string>)).toMatchObject({
      "detail-type": "Search Failed",
      detail: { searchId, stage: "intake", reason: (failed.event.detail as { reason: string }).reason },
    });
    expect(cloud.undeliverable).toEqual([]);
  });
});
