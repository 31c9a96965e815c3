// `npm run bench:cost [-- --targets 50000 --sample 40 --s3-mb-per-s 90 --init-ms 250]`
//
// What one search costs on AWS, estimated from what can be measured here: the worker's own code
// path (`inProcessBatchScorer`, exactly what the Lambda worker runs) timed batch by batch on one
// thread over the library `npm run bench` caches, the stored batch-result sizes, the dispatch
// tree's shape and the request counts of the pipeline. What cannot be measured offline (S3's
// throughput into a Lambda, a Lambda's init) is an explicit, printed assumption that the
// options change. Prices are us-east-1 list prices, arm64 Lambda.
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { encodePackBitsTiff } from "@cds/core/image";
import { readManifest } from "@cds/core/library";
import { childrenOf, planDispatchTree, rootOf, type DispatcherNode, type DispatchTree } from "@cds/core/planning";
import { parseSearchParams } from "@cds/core/search";
import { encodeMatches } from "@cds/core/state";
import { renderMask, syntheticLibrary } from "@cds/synthetic";
import { inProcessBatchScorer } from "@cds/functions";
import { libraryWorkerPayloads } from "./worker-payloads.ts";
import { FolderBlobStore, indexSyntheticLibrary } from "@cds/local";
import { peakMemoryMiB } from "./peak-memory.ts";

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    targets: { type: "string", default: "50000" },
    sample: { type: "string", default: "40" },
    "s3-mb-per-s": { type: "string", default: "90" },
    "init-ms": { type: "string", default: "250" },
    "overhead-ms": { type: "string", default: "40" },
    cache: { type: "string", default: join(here, ".cache") },
  },
});
const targets = Number(args.targets);
const sample = Number(args.sample);
const assumed = {
  /** One ranged-GET stream into a Lambda; parallel ranges would only make it faster. */
  s3MegabytesPerSecond: Number(args["s3-mb-per-s"]),
  /** A cold container's init, billed since August 2025; every worker is counted cold. */
  initMs: Number(args["init-ms"]),
  /** Per worker: the DynamoDB put and counter update, and the odd PutEvents. */
  overheadMs: Number(args["overhead-ms"]),
};

// us-east-1 list prices (checked 2026-11); arm64 Lambda.
const price = {
  lambdaGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  eventBridgeEvent: 1.0 / 1e6,
  s3Get: 0.0004 / 1000,
  s3Put: 0.005 / 1000,
  dynamoWriteUnit: 0.625 / 1e6,
  dynamoReadUnit: 0.125 / 1e6,
  sqsRequest: 0.4 / 1e6,
  sesEmail: 0.1 / 1000,
};
// Memory of each function, as stacks/Pipeline.ts sizes them.
const memoryGb = { worker: 1769 / 1024, dispatcher: 512 / 1024, intake: 1024 / 1024, combiner: 1769 / 1024, small: 256 / 1024 };

const log = (line: string) => process.stderr.write(`${line}\n`);
const realMaskPath = resolve(here, "../../shared/data/cdm/colormipsearch/cdsearch/ems/12191_JRC2018U.tif");

// ---- the library and mask (shared with `npm run bench` / `bench:pipeline`) -------------------
const spec = { seed: "bench-e2e", count: targets, masks: 2, plantedPerMask: 2 };
const libraryDir = join(resolve(args.cache!), `e2e-${targets}`);
if (!existsSync(join(libraryDir, ".complete"))) {
  log(`building a ${targets}-target synthetic library in ${libraryDir} (cached for later runs) …`);
  await indexSyntheticLibrary({ name: `bench-${targets}`, store: new FolderBlobStore(libraryDir), spec });
  await writeFile(join(libraryDir, ".complete"), new Date().toISOString());
}
const library = new FolderBlobStore(libraryDir);
const manifest = await readManifest(library);
const maskBytes = existsSync(realMaskPath) ? new Uint8Array(await readFile(realMaskPath)) : encodePackBitsTiff(renderMask(syntheticLibrary(spec).neurons[0]));
const maskName = existsSync(realMaskPath) ? "12191 (real)" : "synthetic 0";
const uploads = { location: "memory", get: async () => maskBytes } as unknown as FolderBlobStore;

// ---- measured: the worker, batch by batch, one thread ----------------------------------------
const { plan, payloadOf } = await libraryWorkerPayloads(library, manifest, { searchId: "cost", libraryName: "bench", maskKey: "mask.tif", spec: { params: parseSearchParams({}), top: 400 } });
const scorer = inProcessBatchScorer({ uploads, libraries: () => library });
const picks = Array.from({ length: Math.min(sample, plan.batches.length) }, (_, i) => plan.batches[Math.floor((i * plan.batches.length) / Math.min(sample, plan.batches.length))]);
await scorer.score(payloadOf(picks[0])); // prepares the mask once, as a warm container has
const computeMs: number[] = [];
const storedKb: number[] = [];
for (const batch of picks) {
  const started = performance.now();
  const { matches } = await scorer.score(payloadOf(batch));
  computeMs.push(performance.now() - started);
  storedKb.push(encodeMatches(matches).byteLength / 1024);
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const shardMb = mean(manifest.shards.map((s) => s.bytes)) / 1e6;

// ---- the model -------------------------------------------------------------------------------
const batches = plan.batches.length;
const dispatchers = countDispatchers(planDispatchTree(batches));
const workerSeconds = (mean(computeMs) + (shardMb / assumed.s3MegabytesPerSecond) * 1000 + assumed.overheadMs + assumed.initMs) / 1000;
const shardGets = Math.ceil((shardMb * 1e6) / (8 * 1024 * 1024));
const batchResultWriteUnits = Math.ceil(mean(storedKb) + 0.3) + 1; // the item, plus its leaf group's count
const lines: [string, number, string][] = [
  ["Lambda workers (GB-s)", batches * workerSeconds * memoryGb.worker * price.lambdaGbSecond, `${batches} × ${workerSeconds.toFixed(3)} s × ${memoryGb.worker.toFixed(2)} GB`],
  ["Lambda other functions (GB-s)", (dispatchers * 0.4 * memoryGb.dispatcher + 0.5 * memoryGb.intake + 0.3 * memoryGb.dispatcher + 2 * memoryGb.combiner + 3 * 0.3 * memoryGb.small) * price.lambdaGbSecond, `${dispatchers} dispatchers, intake, dispatch, combiner, notify, webhook, email`],
  ["Lambda requests", (batches + dispatchers + 6) * price.lambdaRequest, `${batches + dispatchers + 6} invocations`],
  ["S3 requests", (batches * (shardGets + 1) + 10) * price.s3Get + 6 * price.s3Put, `${shardGets} ranged GETs per shard + the mask, per worker`],
  ["DynamoDB", batches * batchResultWriteUnits * price.dynamoWriteUnit + batches * Math.ceil(mean(storedKb) / 4) * price.dynamoReadUnit + 30 * price.dynamoWriteUnit, `${batchResultWriteUnits} WRU per batch (result ${mean(storedKb).toFixed(1)} KB), read back once`],
  ["EventBridge", 5 * price.eventBridgeEvent, "Search Accepted/Started/Batches Completed/Completed + one more; S3's own events are free"],
  ["SQS + SES", 3 * price.sqsRequest + price.sesEmail, "one webhook delivery, one email"],
];
const total = lines.reduce((sum, [, cost]) => sum + cost, 0);

const rows = [
  `mask ${maskName}; library ${targets.toLocaleString("en-US")} targets in ${manifest.shards.length} shards of ${shardMb.toFixed(1)} MB; ${batches} batches, ${dispatchers} dispatchers`,
  `measured on this machine (one thread, shards in the page cache): worker ${mean(computeMs).toFixed(1)} ms per batch (${(mean(computeMs) / (batches ? targets / batches : 1)).toFixed(3)} ms/target), median ${[...computeMs].sort((a, b) => a - b)[computeMs.length >> 1].toFixed(1)} ms`,
  `assumed: S3 → Lambda ${assumed.s3MegabytesPerSecond} MB/s, init ${assumed.initMs} ms per worker (all cold), ${assumed.overheadMs} ms of AWS calls per worker`,
  "",
  "| item | $ per search | from |",
  "|---|---:|---|",
  ...lines.map(([item, cost, from]) => `| ${item} | ${cost.toFixed(5)} | ${from} |`),
  `| **total** | **${total.toFixed(4)}** | ${(total * 100).toFixed(2)} cents |`,
];
console.log(rows.join("\n"));
console.log(`\npeak memory (VmHWM) of this process, which ran the worker code path: ${peakMemoryMiB().toFixed(0)} MiB`);

function countDispatchers(tree: DispatchTree): number {
  let count = 0;
  const visit = (node: DispatcherNode) => {
    count++;
    const children = childrenOf(tree, node);
    if (children.kind === "dispatchers") children.nodes.forEach(visit);
  };
  if (tree.batchCount > 0) visit(rootOf(tree));
  return count;
}
