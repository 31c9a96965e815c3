// npm run bench:scale — what one search costs DynamoDB's partitions and items, how large each
// Lambda invocation is, and how much of the library each function reads, at scale.
//
// The Lambda entries (packages/aws/src/lambda) run unchanged over HTTP in the local cloud of
// test/support/aws-over-http.ts (s3rver, dynalite, local-aws-sqs, wire-protocol fakes of
// EventBridge and Lambda), with a counting proxy in front of dynalite. Partition load depends on
// the number of batches, not on the image size, so the libraries are small sprinkled CDMs
// (64×32) in shards of one target, one batch per shard, and the mask (sprinkled, the whole image
// counted) matches in every batch. Searches of 500 and 3,000 batches run one after the other
// at the default worker budget (800: the 3,000-batch search runs in waves). Then a synthetic
// 1,000,000-target layout (10,000 shards of 100, shards not written) is dispatched with workers
// that return at once: the library reads of intake and dispatch and the payload sizes at 1M.
//
// Options: --batches 500,3000 (searches to run), --skip-1m, --containers N (containers per
// function, default 48), --json (the figures as one JSON object on stdout).

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { stateTableLayout } from "@cds/core/entities";
import { encodePackBitsTiff } from "@cds/core/image";
import { MANIFEST_KEY, shardKey, writeLibraryFiles } from "@cds/core/library";
import { planDispatchTree } from "@cds/core/planning";
import type { BlobStore } from "@cds/core/ports";
import { createS3Client, S3BlobStore } from "@cds/aws";
import { cloudNames, lambdaEntries, startLocalCloud, type LocalCloud } from "../test/support/aws-over-http.ts";
import { startDynamoCountingProxy, writeLoad, type DynamoCountingProxy, type WriteLoad } from "../test/support/dynamo-counting-proxy.ts";
import { indexSprinkledLibrary, WHOLE_IMAGE_PARAMS } from "@cds/testing/sprinkled-library";
import { sprinkledImage } from "@cds/testing/synthetic-targets";
import { peakMemoryMiB } from "./peak-memory.ts";
import { measureInvocations, type FunctionFigures } from "./scale/measured-cloud.ts";

const { values: args } = parseArgs({
  options: {
    batches: { type: "string", default: "500,3000" },
    "skip-1m": { type: "boolean", default: false },
    containers: { type: "string", default: "48" },
    json: { type: "boolean", default: false },
  },
});
const searches = args.batches.split(",").map(Number);
if (searches.some((n) => !Number.isInteger(n) || n < 1 || n > 5000)) throw new Error("--batches: whole numbers from 1 to 5,000 (one batch per target here)");
const log = (line: string) => process.stderr.write(`${line}\n`);

/** What the issue allows (issue 10's done-when). */
const LIMITS = { writesPerKey: 64, payloadBytes: 8 * 1024, intakeDispatchBytes: 1_000_000, unitsAt500: 2_000 };
const WIDTH = 64;
const HEIGHT = 32;
const MASK = encodePackBitsTiff(sprinkledImage(WIDTH, HEIGHT, 99, 0.3));
/** The whole image counted, and colours within 5 %: a sprinkled target then matches in every batch. */
const SIDECAR = { ...WHOLE_IMAGE_PARAMS, pixColorFluctuation: 5, minMatchingPixRatio: 0 };

interface SearchFigures {
  library: string;
  targets: number;
  batches: number;
  batchesWithMatches: number;
  seconds: number;
  writes: WriteLoad;
  functions: Record<string, FunctionFigures>;
}

let root = "";
let client: ReturnType<typeof createS3Client> | undefined;
let failedRuns: () => number = () => 0;

async function main(): Promise<void> {
  root = await mkdtemp(join(tmpdir(), "cds-bench-scale-"));
  let cloud: LocalCloud | undefined;
  let proxy: DynamoCountingProxy | undefined;
  try {
    cloud = await startLocalCloud(join(root, "s3rver"), { s3Events: true, maxContainers: Number(args.containers) });
    const { fields } = stateTableLayout({ tableName: cloud.tableName });
    proxy = await startDynamoCountingProxy(cloud.env.AWS_ENDPOINT_URL_DYNAMODB, fields);
    // The entries build their clients from process.env on first use: they talk to the proxy; the
    // bench's own state store (cloud.state) goes to dynalite directly and is not counted.
    Object.assign(process.env, cloud.env, { AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint });
    const measured = measureInvocations(cloud, cloudNames.buckets.library);
    cloud.deploy(lambdaEntries);
    failedRuns = () => cloud!.runs.filter((r) => r.error).length;

    const results: SearchFigures[] = [];
    for (const batches of searches) results.push(await runSearch(cloud, proxy, measured, batches));
    const million = args["skip-1m"] ? undefined : await dispatchMillion(cloud, proxy, measured);
    const report = { searches: results, million, peakMemoryMiB: peakMemoryMiB() };
    if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else process.stdout.write(render(results, million));
  } finally {
    await cloud?.close().catch(() => undefined);
    await proxy?.close();
    client?.destroy();
    await rm(root, { recursive: true, force: true });
  }
}

async function runSearch(cloud: LocalCloud, proxy: DynamoCountingProxy, measured: ReturnType<typeof measureInvocations>, batches: number): Promise<SearchFigures> {
  const library = `s${batches}`;
  log(`${library}: indexing ${batches} sprinkled targets into s3://${cloudNames.buckets.library}/${library}/ (shards of 1) …`);
  const store = new S3BlobStore({ client: libraryClient(cloud), bucket: cloudNames.buckets.library, prefix: `${library}/` });
  await indexSprinkledLibrary({ root: join(root, "build"), name: library, count: batches, shardSize: 1, width: WIDTH, height: HEIGHT, store });
  await cloud.idle(60_000);
  proxy.reset();
  const from = measured.records.length;
  const started = performance.now();
  const searchId = await upload(cloud, library);
  log(`${library}: search ${searchId} accepted; waiting for Search Completed …`);
  const batchCount = await waitFor(() => detailOf(cloud, "Search Started", searchId)?.batchCount as number | undefined, 120_000);
  await waitFor(() => detailOf(cloud, "Search Completed", searchId) ?? failure(cloud, searchId), 30 * 60_000, () => `${progress(measured, from)} after ${elapsed(started)}`);
  await cloud.idle(120_000);
  const seconds = (performance.now() - started) / 1000;
  const stored = await cloud.state.listBatchResults(searchId, planDispatchTree(batchCount));
  const figures: SearchFigures = {
    library,
    targets: batches,
    batches: batchCount,
    batchesWithMatches: stored.results.filter((r) => r.matches.length > 0).length,
    seconds,
    writes: writeLoad(proxy.writes),
    functions: measured.figures(from),
  };
  log(`${library}: completed in ${seconds.toFixed(1)} s; ${figures.writes.requests} write requests`);
  return figures;
}

/** The project's S3 client (packages/aws's SDK copy) on the local cloud, for indexing into the library bucket. */
function libraryClient(cloud: LocalCloud) {
  return (client ??= createS3Client(cloud.env));
}

/** A 1,000,000-target layout (descriptor and shard pages only) dispatched in one wave to workers that return at once. */
async function dispatchMillion(cloud: LocalCloud, proxy: DynamoCountingProxy, measured: ReturnType<typeof measureInvocations>) {
  const library = "m1";
  const count = 1_000_000;
  const perShard = 100;
  log(`${library}: writing a synthetic ${count}-target layout (${count / perShard} shards; shards and item chunks not written) …`);
  const objects = new Map<string, Uint8Array>();
  const memory = { location: "memory", put: async (key: string, bytes: Uint8Array) => void objects.set(key, bytes) } as unknown as BlobStore;
  const buildId = "bench1m";
  const shards = Array.from({ length: count / perShard }, (_, s) => ({ key: shardKey(buildId, s), start: s * perShard, count: perShard, bytes: 21_000_000, crc32: 4_000_000_000 - s }));
  const items = Array.from({ length: count }, (_, i) => ({ name: `t${i}`, sourcePath: `t${i}.tif` }));
  await writeLibraryFiles(memory, { formatVersion: 2, name: library, width: WIDTH, height: HEIGHT, count, shards, items, source: { location: "memory", layout: "folder" }, skipped: [], createdAt: new Date().toISOString(), shuffleSeed: library, buildId });
  for (const [key, bytes] of objects) {
    if (key === MANIFEST_KEY || key.includes("/pages/")) await cloud.s3.send(new PutObjectCommand({ Bucket: cloudNames.buckets.library, Key: `${library}/${key}`, Body: bytes }));
  }
  const descriptorBytes = objects.get(MANIFEST_KEY)!.byteLength;
  const previousBudget = process.env.CDS_WORKER_BUDGET;
  process.env.CDS_WORKER_BUDGET = String(count / perShard); // one wave: every leaf dispatcher runs
  const unwrap = measured.stub("worker");
  try {
    proxy.reset();
    const from = measured.records.length;
    const searchId = await upload(cloud, library);
    const batchCount = await waitFor(() => detailOf(cloud, "Search Started", searchId)?.batchCount as number | undefined, 120_000);
    await waitFor(() => (measured.records.slice(from).filter((r) => r.fn === "worker").length >= batchCount ? true : undefined), 10 * 60_000, () => progress(measured, from));
    await cloud.idle(120_000);
    return { targets: count, shards: shards.length, batches: batchCount, descriptorBytes, pageBytes: [...objects].filter(([k]) => k.includes("/pages/")).reduce((n, [, b]) => Math.max(n, b.byteLength), 0), writes: writeLoad(proxy.writes), functions: measured.figures(from) };
  } finally {
    unwrap();
    if (previousBudget === undefined) delete process.env.CDS_WORKER_BUDGET;
    else process.env.CDS_WORKER_BUDGET = previousBudget;
  }
}

/** Puts the sidecar, then the mask, into the uploads bucket (s3rver's notifications become `Object Created`); the search's id. */
async function upload(cloud: LocalCloud, library: string): Promise<string> {
  const key = `${library}/mask.tif`;
  await cloud.s3.send(new PutObjectCommand({ Bucket: cloudNames.buckets.uploads, Key: `${key}.json`, Body: JSON.stringify(SIDECAR) }));
  await cloud.s3.send(new PutObjectCommand({ Bucket: cloudNames.buckets.uploads, Key: key, Body: MASK }));
  return waitFor(() => {
    const accepted = cloud.events.find((e) => e.event["detail-type"] === "Search Accepted" && (e.event.detail as { maskKey?: string }).maskKey === key);
    return (accepted?.event.detail as { searchId?: string } | undefined)?.searchId ?? failedUpload(cloud, key);
  }, 120_000);
}

function detailOf(cloud: LocalCloud, type: string, searchId: string): Record<string, unknown> | undefined {
  return cloud.events.find((e) => e.event["detail-type"] === type && (e.event.detail as { searchId?: string }).searchId === searchId)?.event.detail as Record<string, unknown> | undefined;
}

function failure(cloud: LocalCloud, searchId: string): undefined {
  const failed = detailOf(cloud, "Search Failed", searchId);
  if (failed) throw new Error(`search ${searchId} failed: ${JSON.stringify(failed)}`);
  return undefined;
}

function failedUpload(cloud: LocalCloud, key: string): undefined {
  const failed = cloud.events.find((e) => e.event["detail-type"] === "Search Failed" && (e.event.detail as { maskKey?: string }).maskKey === key);
  if (failed) throw new Error(`the upload ${key} failed: ${JSON.stringify(failed.event.detail)}`);
  return undefined;
}

function progress(measured: ReturnType<typeof measureInvocations>, from: number): string {
  const counts = new Map<string, number>();
  for (const r of measured.records.slice(from)) counts.set(r.fn, (counts.get(r.fn) ?? 0) + 1);
  const failed = measured.records.length > from ? failedRuns() : 0;
  return `${[...counts].map(([fn, n]) => `${fn} ${n}`).join(", ")}${failed ? `; ${failed} failed runs so far` : ""}`;
}

function elapsed(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(0)} s`;
}

async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, describe?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastNote = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs / 1000} s${describe ? `: ${describe()}` : ""}`);
    if (describe && Date.now() - lastNote > 15_000) {
      lastNote = Date.now();
      log(`  … ${describe()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function render(results: SearchFigures[], million: Awaited<ReturnType<typeof dispatchMillion>> | undefined): string {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const n = (x: number) => Math.round(x).toLocaleString("en-US");
  const lines: string[] = ["# bench:scale", ""];
  lines.push("| search | batches (with matches) | write requests | write units | most writes to one partition key | most writes to one item | most writes to one GSI key | wall |");
  lines.push("|---|---:|---:|---:|---|---|---|---:|");
  for (const r of results) {
    const w = r.writes;
    lines.push(
      `| ${r.library} | ${n(r.batches)} (${n(r.batchesWithMatches)}) | ${n(w.requests)} | ${n(w.units)} | ${w.perPartition.requests} req, ${n(w.perPartition.units)} units (${w.perPartition.key}) | ${w.perItem.requests} req, ${n(w.perItem.units)} units (${w.perItem.key}) | ${w.perGsiPartition.requests} (${w.perGsiPartition.key || "none"}) | ${r.seconds.toFixed(1)} s |`,
    );
  }
  lines.push("", "Largest payload and library bytes read, per function:", "");
  const rows = [...results.map((r) => [r.library, r.functions] as const), ...(million ? [["m1 (1M layout)", million.functions] as const] : [])];
  lines.push("| search | function | invocations | largest payload | library read (total) | largest read by one invocation | objects read |");
  lines.push("|---|---|---:|---:|---:|---:|---|");
  for (const [library, functions] of rows) {
    for (const [fn, f] of Object.entries(functions)) {
      const objects = Object.entries(f.objects).map(([k, c]) => `${k} ${c}`).join(", ") || "—";
      lines.push(`| ${library} | ${fn} | ${n(f.invocations)} | ${kb(f.largestPayloadBytes)} | ${kb(f.libraryBytes)} | ${kb(f.largestLibraryRead)} | ${objects} |`);
    }
  }
  lines.push("", "Checks (issue 10's done-when):", "");
  const check = (ok: boolean, what: string) => lines.push(`- ${ok ? "met" : "**missed**"}: ${what}`);
  for (const r of results) {
    const w = r.writes;
    const worst = Math.max(w.perPartition.requests, w.perItem.requests, w.perGsiPartition.requests);
    check(worst <= LIMITS.writesPerKey, `${r.library}: no partition key, item or GSI key over ${LIMITS.writesPerKey} write requests (most: ${worst})`);
    const largest = Math.max(...Object.values(r.functions).map((f) => f.largestPayloadBytes));
    check(largest <= LIMITS.payloadBytes, `${r.library}: every payload ≤ 8 KB (largest: ${kb(largest)})`);
    check(r.batchesWithMatches === r.batches, `${r.library}: the mask matches in every batch (${r.batchesWithMatches} of ${r.batches})`);
    if (r.batches === 500) check(w.units <= LIMITS.unitsAt500, `${r.library}: ≤ ${n(LIMITS.unitsAt500)} write units for 500 batches (${n(w.units)})`);
    const read = (r.functions.intake?.libraryBytes ?? 0) + (r.functions.admission?.libraryBytes ?? 0);
    check(read <= LIMITS.intakeDispatchBytes, `${r.library}: intake + admission read ≤ 1 MB of library (${kb(read)})`);
  }
  if (million) {
    const read = (million.functions.intake?.libraryBytes ?? 0) + (million.functions.admission?.libraryBytes ?? 0);
    check(read <= LIMITS.intakeDispatchBytes, `1M layout: intake + admission read ≤ 1 MB of library (${kb(read)}; descriptor ${kb(million.descriptorBytes)}, largest shard page ${kb(million.pageBytes)}; leaf dispatchers read ${kb(million.functions["dispatch-node"]?.largestLibraryRead ?? 0)} each at most)`);
    const largest = Math.max(...Object.values(million.functions).map((f) => f.largestPayloadBytes));
    check(largest <= LIMITS.payloadBytes, `1M layout: every payload ≤ 8 KB (largest: ${kb(largest)})`);
    const w = million.writes;
    const worst = Math.max(w.perPartition.requests, w.perItem.requests);
    check(worst <= LIMITS.writesPerKey, `1M layout: dispatching ${n(million.batches)} batches writes no key more than ${LIMITS.writesPerKey} times (most: ${worst}, ${w.perItem.key})`);
  }
  return `${lines.join("\n")}\n`;
}

await main();
