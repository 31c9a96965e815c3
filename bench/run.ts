// `npm run bench [-- --targets 50000 --sample 1000 --plain-sample 40 --shape-runs 2]`
//
// Measures, on one library and the same masks at NeuronBridge custom-search defaults:
//   (a) the plain implementation on decoded images (the baseline),
//   (b) raw PackBits TIFF search (read + decode + fast score),
//   (c) indexed search (read shards + fast score),
// each single-threaded (targets/s per core), then an end-to-end `cds search` over a large
// synthetic library on all cores, by pixels and with `--rank shape` (the second stage: its ms
// per shortlisted target, and the wall time it adds). The shape stage reads the shape data of
// the shortlisted targets only, so the bench writes shape data for exactly those (computed as
// `library index --with-shape` does); `--with-shape` for all 50,000 would take 90 minutes here. Prints a table with ratios to the baseline and writes the
// same figures to bench/results.json. Generated libraries are cached in bench/.cache.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, cpus } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { decodeImageFile, decodeTiffInto, type RgbImage } from "@cds/core/image";
import { layoutOf, readManifest } from "@cds/core/library";
import { prepareMask, scorePixelMatchPlain, scoreTargetImage } from "@cds/core/scoring";
import { defaultSearchParams, searchLibraryRange } from "@cds/core/search";
import { renderMask, syntheticLibrary } from "@cds/synthetic";
import { FolderBlobStore, indexLibrary, indexSyntheticLibrary, writeSyntheticFiles } from "@cds/local";
import { parseArgs } from "node:util";
import { childPeakMemory, peakMemoryMiB } from "./peak-memory.ts";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "..");
const { values: args } = parseArgs({
  options: {
    targets: { type: "string", default: "50000" },
    sample: { type: "string", default: "1000" },
    "plain-sample": { type: "string", default: "40" },
    "shape-runs": { type: "string", default: "2" },
    cache: { type: "string", default: join(here, ".cache") },
  },
});
const e2eTargets = Number(args.targets);
const sampleTargets = Number(args.sample);
const plainSample = Number(args["plain-sample"]);
const cache = resolve(args.cache!);
const params = defaultSearchParams;
const realMaskPath = resolve(repoRoot, "../shared/data/cdm/colormipsearch/cdsearch/ems/12191_JRC2018U.tif");

function log(line: string) {
  process.stderr.write(`${line}\n`);
}

async function cached<T>(dir: string, build: () => Promise<T>): Promise<void> {
  if (existsSync(join(dir, ".complete"))) return;
  await rm(dir, { recursive: true, force: true });
  await build();
  await writeFile(join(dir, ".complete"), new Date().toISOString());
}

// ---- libraries ---------------------------------------------------------------------------
const sampleSpec = { seed: "bench-sample", count: sampleTargets, masks: 2, plantedPerMask: 2 };
const sampleDir = join(cache, `sample-${sampleTargets}`);
await cached(sampleDir, async () => {
  log(`generating ${sampleTargets} synthetic targets as PackBits TIFFs in ${sampleDir} …`);
  await writeSyntheticFiles(sampleDir, sampleSpec);
});
const sampleLibrary = join(sampleDir, "library");
let indexSeconds = Number.NaN;
if (!existsSync(join(sampleLibrary, "manifest.json"))) {
  log("indexing the sample library …");
  const t = performance.now();
  await indexLibrary({ source: join(sampleDir, "targets"), name: "bench-sample", store: new FolderBlobStore(sampleLibrary) });
  indexSeconds = (performance.now() - t) / 1000;
}

const e2eSpec = { seed: "bench-e2e", count: e2eTargets, masks: 2, plantedPerMask: 2 };
const e2eDir = join(cache, `e2e-${e2eTargets}`);
await cached(e2eDir, async () => {
  log(`building a ${e2eTargets}-target synthetic library straight into the index format in ${e2eDir} (cached for later runs) …`);
  let last = 0;
  await indexSyntheticLibrary({
    name: `bench-${e2eTargets}`,
    store: new FolderBlobStore(e2eDir),
    spec: e2eSpec,
    onProgress: ({ done, total }) => {
      if (done - last >= total / 20) {
        last = done;
        log(`  ${done}/${total}`);
      }
    },
  });
});

// ---- masks -------------------------------------------------------------------------------
const masks: { name: string; image: RgbImage }[] = [];
if (existsSync(realMaskPath)) masks.push({ name: "12191 (real EM mask)", image: await decodeImageFile(realMaskPath) });
else log(`../shared/data/cdm not found: measuring synthetic masks only (the 12191 figures need ${realMaskPath})`);
syntheticLibrary(sampleSpec).neurons.forEach((neuron, i) => masks.push({ name: `synthetic mask ${i}`, image: renderMask(neuron) }));

// ---- per-core measurements ---------------------------------------------------------------
const tiffNames = (await readdir(join(sampleDir, "targets"))).sort();
const tiffPaths = tiffNames.map((n) => join(sampleDir, "targets", n));
const store = new FolderBlobStore(sampleLibrary);
const manifest = await readManifest(store);
const layout = layoutOf(manifest);
const indexBytes = manifest.shards.reduce((n, s) => n + s.bytes, 0);
const tiffBytes = (await Promise.all(tiffPaths.map(async (p) => (await readFile(p)).length))).reduce((a, b) => a + b, 0);
const raster = new Uint8Array(manifest.width * manifest.height * 3);

interface Row {
  mask: string;
  maskSize: number;
  plainMsPerTarget: number;
  rawTiffMsPerTarget: number;
  indexedMsPerTarget: number;
  exact: boolean;
}
const rows: Row[] = [];
for (const mask of masks) {
  const prepared = prepareMask(mask.image, params);
  // (a) plain, on images decoded beforehand (decode time excluded, as the Java figures are).
  const plainImages = await Promise.all(tiffPaths.slice(0, plainSample).map((p) => decodeImageFile(p)));
  let t = performance.now();
  const plainScores = plainImages.map((img) => scorePixelMatchPlain(mask.image, img, params));
  const plainMs = (performance.now() - t) / plainImages.length;

  // (b) raw PackBits TIFF: read, decode, score every target.
  const rawScores = new Map<string, number>();
  for (let pass = 0; pass < 2; pass++) {
    t = performance.now();
    for (const path of tiffPaths) {
      const { width, height } = decodeTiffInto(new Uint8Array(await readFile(path)), raster);
      const score = scoreTargetImage(prepared, { width, height, rgb: raster });
      if (pass === 1) rawScores.set(path, score.matchingPixels);
    }
  }
  const rawMs = (performance.now() - t) / tiffPaths.length;

  // (c) indexed: read the shards and score every item (second pass timed: warm JIT, warm cache).
  let indexed = await searchLibraryRange(store, layout, prepared, 0, layout.count, { minMatchingPixRatio: 0, keepAll: true });
  t = performance.now();
  indexed = await searchLibraryRange(store, layout, prepared, 0, layout.count, { minMatchingPixRatio: 0, keepAll: true });
  const indexedMs = (performance.now() - t) / indexed.scored;

  const byPath = new Map(indexed.matches.map((m) => [join(sampleDir, "targets", m.item.sourcePath), m.matchingPixels]));
  const exact =
    tiffPaths.every((p) => byPath.get(p) === rawScores.get(p)) &&
    plainScores.every((s, i) => s.matchingPixels === rawScores.get(tiffPaths[i]));
  rows.push({ mask: mask.name, maskSize: prepared.maskSize, plainMsPerTarget: plainMs, rawTiffMsPerTarget: rawMs, indexedMsPerTarget: indexedMs, exact });
  log(`measured ${mask.name}`);
}

// Read here: the shape set-up below searches the large library in this process too.
const benchPeak = peakMemoryMiB();

// ---- end to end: `cds search` over the large library on all cores -------------------------
const e2eMask = existsSync(realMaskPath) ? realMaskPath : join(cache, "e2e-mask.tif");
if (!existsSync(realMaskPath)) {
  const { encodePackBitsTiff } = await import("@cds/core/image");
  await writeFile(e2eMask, encodePackBitsTiff(renderMask(syntheticLibrary(e2eSpec).neurons[0])));
}
interface E2eRun {
  mask: string;
  rank: "pixels" | "shape";
  seconds: number;
  scored: number;
  peakRssMiB: number;
  objectsRead: number;
  matches: number;
  shortlisted?: number;
  shapeMs?: number;
}

/** One `cds search` in a child process, timed, with its own peak memory. */
async function e2eSearch(maskPath: string, rank: "pixels" | "shape", extra: string[] = []): Promise<E2eRun> {
  const out = join(cache, `e2e-results-${rank}.json`);
  // Peak memory: the child's own VmHWM (its `stats.peakRssMiB` is getrusage's maxRSS, which
  // Linux carries over from this bench process through fork and exec).
  const peak = childPeakMemory();
  const t = performance.now();
  const rankArgs = rank === "shape" ? ["--rank", "shape", "--shape-top", "300"] : [];
  await promisify(execFile)(process.execPath, [...peak.nodeArgs, join(repoRoot, "packages/cli/bin/cds.js"), "search", maskPath, "--library", e2eDir, "--top", "20", ...rankArgs, ...extra, "--out", out, "--no-page"], {
    maxBuffer: 1 << 26,
    env: peak.env,
  });
  const seconds = (performance.now() - t) / 1000;
  const doc = JSON.parse(await readFile(out, "utf8"));
  return {
    mask: maskPath,
    rank,
    seconds,
    scored: doc.scored,
    peakRssMiB: peak.read(),
    objectsRead: doc.stats.objectsRead,
    matches: doc.results.length,
    ...(doc.shape ? { shortlisted: doc.shape.shortlisted, shapeMs: doc.shape.elapsedMs } : {}),
  };
}

const e2eRuns: E2eRun[] = [];
for (let run = 0; run < 2; run++) e2eRuns.push(await e2eSearch(e2eMask, "pixels"));

// The shape stage: the real mask matches only a few synthetic targets at the default 2 %, so
// the stage is measured with a synthetic mask of this library and no minimum ratio, which gives
// it a full shortlist of 300 lines. Pixels and shape alternate, after one warm-up run.
const shapeMask = join(cache, "e2e-shape-mask.tif");
if (!existsSync(shapeMask)) {
  const { encodePackBitsTiff } = await import("@cds/core/image");
  await writeFile(shapeMask, encodePackBitsTiff(renderMask(syntheticLibrary(e2eSpec).neurons[0])));
}
const shapeParams = ["--min-matching-pix-ratio", "0"];
await withShapeDataForShortlist(e2eDir, shapeMask, 0);
const shapeRuns = Number(args["shape-runs"]);
const shapeComparison: E2eRun[] = [];
await e2eSearch(shapeMask, "pixels", shapeParams);
for (let run = 0; run < shapeRuns; run++) {
  shapeComparison.push(await e2eSearch(shapeMask, "pixels", shapeParams));
  shapeComparison.push(await e2eSearch(shapeMask, "shape", shapeParams));
}

/**
 * Shape data (as `cds library index --with-shape` computes it) for the targets `--rank shape`
 * shortlists for this mask: the best 300 lines of the pixel matches, found here with the same
 * selection. Cached beside the library, per mask.
 */
async function withShapeDataForShortlist(dir: string, maskPath: string, minMatchingPixRatio: number): Promise<void> {
  const { checksumOf } = await import("@cds/core/library");
  const { companionKeyOf, DEFAULT_SHAPE_TOP_LINES, defaultShapeParams, encodeShapeCompanion, SHAPE_COMPANION_VERSION, shapeInfoKey, shapeTargetFromImages, shortlistForShape, ZGAP_RADIUS } = await import("@cds/core/shape");
  const { libraryEntry, syntheticLibrary } = await import("@cds/synthetic");
  const libraryStore = new FolderBlobStore(dir);
  const libraryManifest = await readManifest(libraryStore);
  const marker = join(dir, `.shape-data-${checksumOf(new Uint8Array(await readFile(maskPath))).toString(16)}-${minMatchingPixRatio}`);
  if (existsSync(marker)) return;
  const started = performance.now();
  const mask = await decodeImageFile(maskPath);
  const libraryLayout = layoutOf(libraryManifest);
  const all = await searchLibraryRange(libraryStore, libraryLayout, prepareMask(mask, params), 0, libraryLayout.count, { minMatchingPixRatio });
  const shortlist = shortlistForShape(all.matches, { minMatchingPixRatio, topLines: DEFAULT_SHAPE_TOP_LINES });
  log(`writing shape data for the ${shortlist.length} targets --rank shape shortlists (of ${all.matches.length} pixel matches) …`);
  const { plan } = syntheticLibrary(e2eSpec);
  let bytes = 0;
  for (const match of shortlist) {
    const synthetic = Number(/SYN_(\d+)-/.exec(match.item.sourcePath)![1]);
    const target = shapeTargetFromImages(libraryEntry(plan, synthetic).image, defaultShapeParams, { zgapRadius: ZGAP_RADIUS });
    const companion = encodeShapeCompanion(target, { gradient: "recipe", zgap: "recipe" });
    await libraryStore.put(companionKeyOf(libraryLayout, match.index), companion);
    bytes += companion.length;
  }
  const info = { formatVersion: SHAPE_COMPANION_VERSION, targets: shortlist.length, bytes, threshold: defaultShapeParams.targetThreshold, zgapRadius: ZGAP_RADIUS, gradientFiles: 0, zgapFiles: 0 };
  await libraryStore.put(shapeInfoKey(libraryManifest.buildId), new TextEncoder().encode(JSON.stringify(info)));
  await writeFile(marker, new Date().toISOString());
  log(`  ${fmtBytes(bytes / Math.max(1, shortlist.length))} of shape data per target, ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

function fmtBytes(n: number): string {
  return `${(n / 1024).toFixed(1)} KiB`;
}

const e2eManifest = await readManifest(new FolderBlobStore(e2eDir));
const e2eBytes = e2eManifest.shards.reduce((n, s) => n + s.bytes, 0);

// ---- report ------------------------------------------------------------------------------
const perSecond = (ms: number) => Math.round(1000 / ms);
const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
const lines: string[] = [];
lines.push(`CDM search benchmark — ${cpus()[0]?.model ?? "cpu"}, ${availableParallelism()} cores, Node ${process.versions.node}`);
lines.push(`parameters: custom-search defaults (maskThreshold ${params.maskThreshold}, dataThreshold ${params.dataThreshold}, pixColorFluctuation ${params.pixColorFluctuation}, xyShift ${params.xyShift}, mirror)`);
lines.push(`per-core figures: one thread, ${sampleTargets} synthetic targets (plain: first ${plainSample}); "exact" = indexed, raw and plain scores identical`);
lines.push("");
lines.push(
  ["mask", "maskSize", "(a) plain t/s", "(b) raw TIFF t/s", "(c) indexed t/s", "(b)/(a)", "(c)/(a)", "ms/target a | b | c", "exact"].join(" | "),
);
for (const r of rows) {
  lines.push(
    [
      r.mask,
      fmt(r.maskSize),
      fmt(perSecond(r.plainMsPerTarget)),
      fmt(perSecond(r.rawTiffMsPerTarget)),
      fmt(perSecond(r.indexedMsPerTarget)),
      `${fmt(r.plainMsPerTarget / r.rawTiffMsPerTarget, 1)}×`,
      `${fmt(r.plainMsPerTarget / r.indexedMsPerTarget, 1)}×`,
      `${fmt(r.plainMsPerTarget, 3)} | ${fmt(r.rawTiffMsPerTarget, 3)} | ${fmt(r.indexedMsPerTarget, 3)}`,
      r.exact ? "yes" : "NO",
    ].join(" | "),
  );
}
lines.push("");
lines.push(`storage: raw PackBits TIFF ${fmt(tiffBytes / tiffPaths.length / 1024)} KiB/target; index ${fmt(indexBytes / manifest.count / 1024)} KiB/target (sample), ${fmt(e2eBytes / e2eManifest.count / 1024)} KiB/target (e2e)`);
lines.push(`object reads per 1,000 targets: raw ${fmt(1000)}; indexed ${fmt((manifest.shards.length / manifest.count) * 1000, 1)} (shards of ${fmt(manifest.shards[0]?.count ?? 0)})`);
if (Number.isFinite(indexSeconds)) lines.push(`indexing (this run, all cores): ${fmt(manifest.count / indexSeconds)} targets/s`);
const describeRun = (r: E2eRun) =>
  `\`cds search\` over ${fmt(r.scored)} synthetic targets on ${availableParallelism()} cores: ${fmt(r.seconds, 2)} s wall ` +
  `(${fmt(r.scored / r.seconds)} targets/s), peak memory (VmHWM) ${fmt(r.peakRssMiB)} MiB, ${fmt(r.objectsRead)} objects read, ${r.matches} matches kept` +
  (r.shortlisted === undefined ? "" : `; shape stage: ${fmt(r.shortlisted)} targets in ${fmt(r.shapeMs! / 1000, 2)} s`);
for (const [i, r] of e2eRuns.entries()) lines.push(`end to end, run ${i + 1}: ${describeRun(r)}`);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
};
for (const r of shapeComparison) lines.push(`shape comparison (synthetic mask 0, --min-matching-pix-ratio 0), --rank ${r.rank}: ${describeRun(r)}`);
const shaped = shapeComparison.filter((r) => r.rank === "shape");
const pixelWall = median(shapeComparison.filter((r) => r.rank === "pixels").map((r) => r.seconds));
const shapeSummary = shaped.length
  ? {
      pixelsMedianSeconds: pixelWall,
      shapeMedianSeconds: median(shaped.map((r) => r.seconds)),
      addedSeconds: median(shaped.map((r) => r.seconds)) - pixelWall,
      shortlisted: shaped[0].shortlisted!,
      stageMedianSeconds: median(shaped.map((r) => r.shapeMs! / 1000)),
      msPerShortlistedTarget: median(shaped.map((r) => r.shapeMs! / Math.max(1, r.shortlisted!))),
    }
  : undefined;
if (shapeSummary) {
  lines.push(
    `shape stage (--rank shape, best 300 lines): ${fmt(shapeSummary.shortlisted)} targets shape-scored in ${fmt(shapeSummary.stageMedianSeconds, 2)} s, ` +
      `${fmt(shapeSummary.msPerShortlistedTarget, 2)} ms per shortlisted target (query preparation, reads, decode and score; median); ` +
      `median wall ${fmt(shapeSummary.shapeMedianSeconds, 2)} s against ${fmt(shapeSummary.pixelsMedianSeconds, 2)} s by pixels: ${fmt(shapeSummary.addedSeconds, 2)} s added (goal: at most 3 s)`,
  );
}
lines.push(`peak memory (VmHWM) of this bench process (per-core measurements): ${fmt(benchPeak)} MiB`);
lines.push(
  "reference, same mask and parameters, one core (from the issue, not measured here): NeuronBridge Node worker 236 t/s reading PackBits TIFF, 133 t/s via its batch handler; Java 533–705 t/s pre-decoded, 131–146 t/s with TIFF decode",
);
console.log(lines.join("\n"));

await mkdir(here, { recursive: true });
await writeFile(
  join(here, "results.json"),
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model, cores: availableParallelism(), node: process.versions.node },
      parameters: params,
      sampleTargets,
      plainSample,
      perCore: rows.map((r) => ({
        ...r,
        plainTargetsPerSecond: perSecond(r.plainMsPerTarget),
        rawTiffTargetsPerSecond: perSecond(r.rawTiffMsPerTarget),
        indexedTargetsPerSecond: perSecond(r.indexedMsPerTarget),
        rawTiffSpeedup: r.plainMsPerTarget / r.rawTiffMsPerTarget,
        indexedSpeedup: r.plainMsPerTarget / r.indexedMsPerTarget,
      })),
      storage: {
        rawTiffBytesPerTarget: tiffBytes / tiffPaths.length,
        indexBytesPerTarget: indexBytes / manifest.count,
        e2eIndexBytesPerTarget: e2eBytes / e2eManifest.count,
        rawObjectReadsPer1000: 1000,
        indexedObjectReadsPer1000: (manifest.shards.length / manifest.count) * 1000,
      },
      indexingTargetsPerSecond: Number.isFinite(indexSeconds) ? manifest.count / indexSeconds : null,
      endToEnd: e2eRuns,
      shapeComparison,
      shapeStage: shapeSummary ?? null,
      benchPeakMemoryMiB: benchPeak,
    },
    null,
    2,
  )}\n`,
);
log(`figures written to ${join(here, "results.json")}`);
