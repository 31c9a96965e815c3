import { readdir, readFile, writeFile, mkdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { encodePackBitsTiff } from "@cds/core/image";
import { generateWebhookSecret } from "@cds/core/notify";
import { sidecarOfMetadata } from "@cds/core/pipeline";
import { MAX_CUSTOM_RESULTS, type ResultsDocument } from "@cds/core/results";
import { parseSearchParams } from "@cds/core/search";
import type { SubmissionSummary } from "@cds/core/submission";
import type { CatalogEvent } from "@cds/events";
import { s3StoreAt } from "../packages/aws/src/s3-url.ts";
import { stageBucketParameter } from "../packages/aws/src/stage-resources.ts";
import { cloudNames, lambdaEntries, startLocalCloud, type LocalCloud } from "./support/aws-over-http.ts";
import { runCliProcess } from "./support/run-cli.ts";
import { waitFor } from "@cds/testing/runtime-events";
import { indexSprinkledLibrary } from "@cds/testing/sprinkled-library";
import { runningAtOnce } from "./support/submission-log.ts";
import { referenceRanking } from "./support/submission-masks.ts";
import { sprinkledImage } from "@cds/testing/synthetic-targets";
import { tempDir } from "@cds/testing/temp-dir";
import { startWebhookReceiver, type WebhookReceiver } from "./support/webhook-receiver.ts";

// Issue 6, the cloud half: `cds submit --stage` against a stage played by the local cloud of
// aws-over-http.ts (the Lambda entries unchanged; S3 on s3rver, which reports stored objects as
// S3's EventBridge notifications would; the stage's table on dynalite; its bucket names in a
// fake SSM). The real CLI, in a child process without any CDS_*_BUCKET variable, must find the
// buckets through SSM, upload the masks with their parameters as object metadata (no sidecars),
// and follow the submission in the stage's table; admission lets at most CDS_MAX_RUNNING = 2
// searches run at once.

const STAGE = "test";
const LIBRARY = "tiny";
const TARGETS = 120;
const SHARD_SIZE = 40; // 3 batches a search: each search keeps a few workers busy for a moment
const GOOD = 7;
const MAX_RUNNING = 2;
const BUCKET_VARIABLES = ["CDS_UPLOADS_BUCKET", "CDS_LIBRARY_BUCKET", "CDS_RESULTS_BUCKET"];

// One local cloud as the stage, started once.
let root: string;
let cloud: LocalCloud;
let hooks: WebhookReceiver;
let secret: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  root = await tempDir("cds-aws-submit-");
  cloud = await startLocalCloud(join(root, "s3rver"), { stage: STAGE, s3Events: true });
  // What the stage sets on its functions; they run in this process.
  Object.assign(process.env, cloud.env, { CDS_MAX_RUNNING: String(MAX_RUNNING) });

  // A small library, indexed into a folder (for the reference rankings) and copied byte for
  // byte under <name>/ in the library bucket, where `cds library index --to s3://…` puts it.
  await indexSprinkledLibrary({ root, name: LIBRARY, count: TARGETS, shardSize: SHARD_SIZE });
  const bucket = s3StoreAt(`s3://${cloudNames.buckets.library}/${LIBRARY}`);
  const folder = join(root, "libraries", LIBRARY);
  for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    await bucket.put(relative(folder, path).split(sep).join("/"), new Uint8Array(await readFile(path)));
  }
  bucket.client.destroy();

  hooks = await startWebhookReceiver(() => 204);
  secret = generateWebhookSecret();
  await cloud.state.createSubscription({ url: hooks.url, events: ["Submission Completed"], secret, allowPrivate: true });
  cloud.deploy(lambdaEntries);
});

afterAll(async () => {
  await cloud?.idle().catch(() => undefined);
  await cloud?.close();
  await hooks?.close();
  for (const name of [...Object.keys(cloud?.env ?? {}), "CDS_MAX_RUNNING"]) {
    if (name in savedEnv) process.env[name] = savedEnv[name];
    else delete process.env[name];
  }
});

const resultsObject = async (key: string) => {
  const { Body } = await cloud.s3.send(new GetObjectCommand({ Bucket: cloudNames.buckets.results, Key: key }));
  return Body!.transformToString("utf8");
};

/** 7 good masks and a text file, in a CSV manifest; one mask with its own threshold. Returns the manifest. */
async function writeMasksAndManifest(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const rows = ["file,name,maskThreshold"];
  for (let i = 0; i < GOOD; i++) {
    await writeFile(join(dir, `good-${i}.tif`), encodePackBitsTiff(sprinkledImage(64, 32, 700 + i, 0.3)));
    rows.push(`good-${i}.tif,neuron ${i},${i === 0 ? 50 : ""}`);
  }
  await writeFile(join(dir, "not-an-image.png"), "this is a text file, not a PNG\n");
  rows.push("not-an-image.png,notes");
  const manifest = join(dir, "masks.csv");
  await writeFile(manifest, `${rows.join("\n")}\n`);
  return manifest;
}

/** The summary, JSON and CSV, in the results bucket; every mask's results equal an in-process search. */
async function expectSummaryAndResultsAsInProcess(submissionId: string, dir: string): Promise<void> {
  const summary = JSON.parse(await resultsObject(`submissions/${submissionId}.json`)) as SubmissionSummary;
  expect(summary.counts).toEqual({ masks: GOOD, completed: GOOD, failed: 0, rejected: 1 });
  expect((await resultsObject(`submissions/${submissionId}.csv`)).split("\r\n")[0]).toMatch(/^position,mask,file,status,/);
  for (const mask of summary.masks) {
    const document = JSON.parse(await resultsObject(mask.results!)) as ResultsDocument;
    expect(document).toMatchObject({ scored: TARGETS, partial: false });
    const params = parseSearchParams({ xyShift: 0, excludeTopLeft: "0x0", excludeTopRight: "0x0", ...(mask.name === "neuron 0" ? { maskThreshold: 50 } : {}) });
    const reference = await referenceRanking(join(root, "libraries", LIBRARY), join(dir, mask.file), params, MAX_CUSTOM_RESULTS);
    expect(document.results.map((r) => [r.index, r.matchingPixels, r.matchingRatio, r.mirrored]), mask.name).toEqual(
      reference.map((m) => [m.index, m.matchingPixels, m.matchingRatio, m.mirrored]),
    );
  }
}

describe("cds submit --stage against the Lambda entries over HTTP", () => {
  it("uploads 7 masks with their parameters as metadata, reports the bad one, runs at most 2 at once and writes every result and the summary", async () => {
    // Prepare
    const dir = join(root, "masks");
    const manifest = await writeMasksAndManifest(dir);
    // The CLI gets the stage's endpoints and credentials, but no bucket name: it must ask SSM.
    const cliEnv = { ...process.env };
    for (const name of BUCKET_VARIABLES) delete cliEnv[name];

    // Act
    const started = Date.now();
    const run = await runCliProcess(
      ["submit", manifest, "--library", LIBRARY, "--stage", STAGE, "--xy-shift", "0", "--exclude-top-left", "0x0", "--exclude-top-right", "0x0", "--wait"],
      root,
      cliEnv,
    );
    const elapsedMs = Date.now() - started;
    await cloud.idle();

    // Assess: the bad mask is reported with its reason, the rest complete; exit 1 for the rejection
    expect(run.stderr).toMatch(/rejected not-an-image\.png: .*not an image/);
    expect(run.stdout).toContain(`${GOOD} of ${GOOD} masks completed, 0 failed, 1 rejected before upload`);
    expect(run.code, run.stderr).toBe(1);
    const submissionId = /submission (sub-\S+):/.exec(run.stdout)![1];
    expect(run.stdout).toMatch(/neuron 3\s+completed/);
    expect(run.stdout).toContain(`summary: s3://${cloudNames.buckets.results}/submissions/${submissionId}.csv (CSV)`);
    expect(run.stdout).toMatch(new RegExp(`s3://${cloudNames.buckets.results}/\\S+\\.html`));

    // the bucket names came from SST's SSM parameters
    expect(cloud.ssm!.requests.flatMap((r) => r.Names)).toEqual(expect.arrayContaining(["uploads", "library", "results"].map((role) => stageBucketParameter(STAGE, role as "uploads"))));

    // at most 2 searches ran at once, each started once, all 7 of them
    const searchBus = cloud.events.filter((e) => e.busName === cloudNames.bus).map((e) => e.event as unknown as CatalogEvent);
    const running = runningAtOnce(searchBus);
    expect(running.max).toBe(MAX_RUNNING);
    expect(running.started).toHaveLength(GOOD);
    expect(running.startedTwice).toEqual([]);

    // the uploads are the masks alone, their parameters in their metadata; one Object Created each, to intake
    const listed = await cloud.s3.send(new ListObjectsV2Command({ Bucket: cloudNames.buckets.uploads }));
    const keys = (listed.Contents ?? []).map((o) => o.Key!);
    expect(keys).toHaveLength(GOOD);
    expect(keys.filter((key) => key.endsWith(".json"))).toEqual([]);
    const created = cloud.events.filter((e) => e.event["detail-type"] === "Object Created");
    expect(created.map((e) => e.targets)).toEqual(keys.map(() => ["intake"]));
    for (const key of keys) {
      const head = await cloud.s3.send(new HeadObjectCommand({ Bucket: cloudNames.buckets.uploads, Key: key }));
      expect(sidecarOfMetadata(head.Metadata), key).toMatchObject({ xyShift: 0, submissionId });
    }

    // intake searched with them: --xy-shift 0 for all, the manifest's threshold for neuron 0
    const masks = await cloud.state.listSubmissionMasks(submissionId);
    expect(masks).toHaveLength(GOOD);
    for (const mask of masks) {
      const search = await cloud.state.getSearch(mask.searchId!);
      expect(search, mask.name).toMatchObject({ status: "completed", params: { xyShift: 0, maskThreshold: mask.name === "neuron 0" ? 50 : 100 } });
    }

    await expectSummaryAndResultsAsInProcess(submissionId, dir);

    // Submission Completed went on the stage's bus and reached the webhook, signed
    const completed = cloud.events.find((e) => e.event["detail-type"] === "Submission Completed");
    expect(completed?.event.detail).toMatchObject({ submissionId, maskCount: GOOD, completed: GOOD, failed: 0, rejected: 1 });
    const hook = await waitFor(() => hooks.received.find((r) => JSON.parse(r.body).id === completed!.event.id));
    expect(new Webhook(secret).verify(hook.body, hook.headers as Record<string, string>)).toMatchObject({ "detail-type": "Submission Completed", detail: { submissionId } });

    // and `cds submissions show|list --stage` read it back from the stage's table
    const shown = await runCliProcess(["submissions", "show", submissionId, "--stage", STAGE], root, cliEnv);
    expect(shown.stdout).toContain(`${GOOD} of ${GOOD} masks completed`);
    expect(shown.stdout).toContain(`s3://${cloudNames.buckets.results}/submissions/${submissionId}.json (JSON)`);
    const list = await runCliProcess(["submissions", "list", "--stage", STAGE], root, cliEnv);
    expect(list.stdout).toMatch(new RegExp(`${submissionId}\\s+completed`));
    console.info(`cds submit --stage: ${GOOD} masks in ${(elapsedMs / 1000).toFixed(1)} s`);
  }, 60_000);
});
