// `npm run bench:pipeline [-- --targets 50000 --poll-ms 500 --top 50]`
//
// The event-driven pipeline's overhead: wall time from a mask appearing in a running local
// runtime's uploads/<library>/ to its `Search Completed` event, against `cds search` (a child
// process, all cores) on the same indexed library and mask. `cds search` runs once before the
// pipeline (it also warms the page cache: the first read of a cold 11 GB library is disk-bound)
// and once after; the ratio is taken against the faster of the two, so it never flatters the
// pipeline. Also checks that the pipeline's results equal `cds search`'s top matches.
// Uses the synthetic library `npm run bench` caches in bench/.cache/e2e-<targets> (built here
// the same way when absent). Prints a table and writes bench/pipeline-results.json.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { encodePackBitsTiff } from "@cds/core/image";
import type { ResultsDocument } from "@cds/core/results";
import { renderMask, syntheticLibrary } from "@cds/synthetic";
import type { CatalogEvent } from "@cds/events";
import { FolderBlobStore, indexSyntheticLibrary, startLocalRuntime } from "@cds/local";
import { childPeakMemory, peakMemoryMiB } from "./peak-memory.ts";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "..");
const { values: args } = parseArgs({
  options: {
    targets: { type: "string", default: "50000" },
    "poll-ms": { type: "string", default: "500" },
    top: { type: "string", default: "50" },
    cache: { type: "string", default: join(here, ".cache") },
  },
});
const targets = Number(args.targets);
const pollMs = Number(args["poll-ms"]);
const top = Number(args.top);
const cache = resolve(args.cache!);
const realMaskPath = resolve(repoRoot, "../shared/data/cdm/colormipsearch/cdsearch/ems/12191_JRC2018U.tif");
const log = (line: string) => process.stderr.write(`${line}\n`);

// ---- the library (shared with `npm run bench`) --------------------------------------------
const spec = { seed: "bench-e2e", count: targets, masks: 2, plantedPerMask: 2 };
const libraryDir = join(cache, `e2e-${targets}`);
if (!existsSync(join(libraryDir, ".complete"))) {
  log(`building a ${targets}-target synthetic library in ${libraryDir} (cached for later runs) …`);
  await rm(libraryDir, { recursive: true, force: true });
  let last = 0;
  await indexSyntheticLibrary({
    name: `bench-${targets}`,
    store: new FolderBlobStore(libraryDir),
    spec,
    onProgress: ({ done, total }) => {
      if (done - last >= total / 20) {
        last = done;
        log(`  ${done}/${total}`);
      }
    },
  });
  await writeFile(join(libraryDir, ".complete"), new Date().toISOString());
}
const maskPath = existsSync(realMaskPath) ? realMaskPath : join(cache, "e2e-mask.tif");
if (!existsSync(maskPath)) await writeFile(maskPath, encodePackBitsTiff(renderMask(syntheticLibrary(spec).neurons[0])));
const maskName = existsSync(realMaskPath) ? "12191 (real EM mask)" : "synthetic mask 0";

// ---- `cds search` as a child process -----------------------------------------------------
interface CdsSearchRun {
  seconds: number;
  /** The child's VmHWM. */
  peakMemoryMiB: number;
  doc: { scored: number; results: { index: number; matchingPixels: number; matchingRatio: number; mirrored: boolean }[] };
}
async function cdsSearch(out: string): Promise<CdsSearchRun> {
  const peak = childPeakMemory();
  const started = performance.now();
  await promisify(execFile)(process.execPath, [...peak.nodeArgs, join(repoRoot, "packages/cli/bin/cds.js"), "search", maskPath, "--library", libraryDir, "--top", String(top), "--out", out], {
    maxBuffer: 1 << 26,
    env: peak.env,
  });
  const seconds = (performance.now() - started) / 1000;
  return { seconds, peakMemoryMiB: peak.read(), doc: JSON.parse(await readFile(out, "utf8")) };
}

// ---- the pipeline: a runtime in this process ----------------------------------------------
async function pipeline(root: string): Promise<{ seconds: number; doc: ResultsDocument; batches: number }> {
  const library = basename(libraryDir).replace(/^e2e-/, "bench-");
  await mkdir(join(root, "libraries"), { recursive: true });
  await symlink(libraryDir, join(root, "libraries", library), "dir");
  await mkdir(join(root, "uploads", library), { recursive: true });
  const events: CatalogEvent[] = [];
  const waiters: (() => void)[] = [];
  const runtime = await startLocalRuntime({
    root,
    pollMs,
    onEvent: (event) => {
      events.push(event);
      for (const wake of waiters.splice(0)) wake();
    },
  });
  const finished = (e: CatalogEvent) => e["detail-type"] === "Search Completed" || e["detail-type"] === "Search Failed";
  try {
    const staged = join(root, "staged.tif");
    await writeFile(staged, await readFile(maskPath));
    await writeFile(join(root, "uploads", library, "mask.tif.json"), JSON.stringify({ maxResultsPerMask: top }));
    const started = performance.now();
    await rename(staged, join(root, "uploads", library, "mask.tif")); // the file appears whole, at once
    while (!events.some(finished)) await new Promise<void>((resolve) => waiters.push(resolve));
    const seconds = (performance.now() - started) / 1000;
    const outcome = events.find(finished)!;
    if (outcome["detail-type"] !== "Search Completed") throw new Error(`the search failed: ${JSON.stringify(outcome.detail)}`);
    const startEvent = events.find((e) => e["detail-type"] === "Search Started");
    const batches = startEvent?.["detail-type"] === "Search Started" ? startEvent.detail.batchCount : NaN;
    const doc = JSON.parse(await readFile(join(root, "results", `${outcome.detail.searchId}.json`), "utf8")) as ResultsDocument;
    return { seconds, doc, batches };
  } finally {
    await runtime.stop();
  }
}

const work = await mkdtemp(join(tmpdir(), "cds-bench-pipeline-"));
try {
  log(`cds search (before) on ${targets} targets …`);
  const before = await cdsSearch(join(work, "search-before.json"));
  log(`pipeline: drop → Search Completed …`);
  const run = await pipeline(join(work, "root"));
  log(`cds search (after) …`);
  const after = await cdsSearch(join(work, "search-after.json"));

  const key = (m: { index: number; matchingPixels: number; matchingRatio: number; mirrored: boolean }) => `${m.index}:${m.matchingPixels}:${m.matchingRatio}:${m.mirrored}`;
  const same = JSON.stringify(run.doc.results.map(key)) === JSON.stringify(before.doc.results.map(key)) && run.doc.scored === before.doc.scored;
  const searchSeconds = Math.min(before.seconds, after.seconds);
  const ratio = run.seconds / searchSeconds;
  const fmt = (n: number, d = 2) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
  const lines = [
    `CDM pipeline benchmark — ${cpus()[0]?.model ?? "cpu"}, ${availableParallelism()} cores, Node ${process.versions.node}`,
    `library: ${targets} synthetic targets (${libraryDir}); mask: ${maskName}; top ${top}; upload poll ${pollMs} ms; ${run.batches} batches`,
    "",
    "measure | seconds | targets/s",
    `cds search (child process, before) | ${fmt(before.seconds)} | ${fmt(targets / before.seconds, 0)}`,
    `cds search (child process, after) | ${fmt(after.seconds)} | ${fmt(targets / after.seconds, 0)}`,
    `pipeline: drop → Search Completed | ${fmt(run.seconds)} | ${fmt(targets / run.seconds, 0)}`,
    `pipeline / cds search (faster run) | ${fmt(ratio)}× |`,
    "",
    `peak memory (VmHWM): cds search ${fmt(before.peakMemoryMiB, 0)} / ${fmt(after.peakMemoryMiB, 0)} MiB; this process, which ran the pipeline, ${fmt(peakMemoryMiB(), 0)} MiB`,
    `results equal cds search's top ${top} (index, matching pixels, ratio, mirrored) and scored ${run.doc.scored}/${targets}: ${same ? "yes" : "NO"} (${run.doc.results.length} matches)`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  await writeFile(
    join(here, "pipeline-results.json"),
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: { cpu: cpus()[0]?.model ?? "cpu", cores: availableParallelism(), node: process.versions.node },
        targets,
        mask: maskName,
        top,
        pollMs,
        batches: run.batches,
        cdsSearchSeconds: [before.seconds, after.seconds],
        pipelineSeconds: run.seconds,
        cdsSearchPeakMemoryMiB: [before.peakMemoryMiB, after.peakMemoryMiB],
        pipelinePeakMemoryMiB: peakMemoryMiB(),
        ratio,
        resultsEqual: same,
        scored: run.doc.scored,
        matches: run.doc.results.length,
      },
      null,
      2,
    )}\n`,
  );
  if (!same) process.exitCode = 1;
} finally {
  await rm(work, { recursive: true, force: true });
}
