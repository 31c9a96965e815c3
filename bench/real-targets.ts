// `npm run bench:real [-- --copies 500 --runs 5 --masks 12191,LPLC2 --quick]`
//
// Indexed search at real density: a library of 4 × 500 copies of the four real LM CDMs of
// ../shared/data/cdm (built once into bench/.cache/real-<n>), searched with every real EM
// mask and one LM target used as a large mask, at 100/100/2 % and 20/20/1 %, xyShift 2 and 4.
// For each case, on one thread: indexed targets/s (median of the timed runs; mask preparation
// included, process start excluded), the plain implementation's targets/s on the four distinct
// images (the in-run baseline), colour tests per target and ns per test (the scoring loop alone,
// on pixels loaded beforehand), and how many targets the upper bound skipped. Every run's
// results are checked against the plain scores, target by target: a difference stops the bench.
// Prints a table and writes bench/real-results.json; the process's peak memory is VmHWM.
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { decodeImageFile, type RgbImage } from "@cds/core/image";
import {
  encodeTarget,
  itemMetadataFromPath,
  type LibraryLayout,
  loadTarget,
  readShard,
  shardKey,
  thresholdPalette,
  writeShard,
} from "@cds/core/library";
import {
  createTargetPixels,
  isMatch,
  prepareMask,
  scorePixelMatchPlain,
  scoreTargetPixels,
  colorTestsOf,
  type PixelMatchScore,
} from "@cds/core/scoring";
import { defaultSearchParams, type SearchParams, searchLibraryRange, createSearchScratch } from "@cds/core/search";
import { FolderBlobStore } from "@cds/local";
import { peakMemoryMiB } from "./peak-memory.ts";

const here = dirname(fileURLToPath(import.meta.url));
const cdsearch = resolve(here, "../../shared/data/cdm/colormipsearch/cdsearch");
const { values: args } = parseArgs({
  options: {
    copies: { type: "string", default: "500" },
    runs: { type: "string", default: "5" },
    masks: { type: "string" },
    params: { type: "string" },
    quick: { type: "boolean", default: false },
    cache: { type: "string", default: join(here, ".cache") },
  },
});
const copies = Number(args.copies);
const timedRuns = args.quick ? 1 : Number(args.runs);

const lmNames = [
  "VT033614_127B01_AE_01-20171124_64_H6-f-CH2_01.tif",
  "BJD_127B01_AE_01-20171124_64_H6-40x-Brain-JRC2018_Unisex_20x_HR-2483089192251293794-CH2-01_CDM.tif",
  "VT016795_115C08_AE_01-20200221_61_I2-m-CH1_01.tif",
  "GMR_31G04_AE_01-20190813_66_F3-40x-Brain-JRC2018_Unisex_20x_HR-2704505419467849826-CH2-07_CDM.tif",
];
const maskFiles = [
  { name: "12191", path: "ems/12191_JRC2018U.tif" },
  { name: "12191_FL", path: "ems/12191_JRC2018U_FL.tif" },
  { name: "LPLC2", path: "ems/1752016801-LPLC2-RT_18U.tif" },
  { name: "VT016795 (LM as mask)", path: `lms/${lmNames[2]}` },
].filter((m) => !args.masks || args.masks.split(",").some((n) => m.name === n || m.name.startsWith(`${n} `)));

const parameterSets: { name: string; params: Omit<SearchParams, "xyShift"> }[] = [
  { name: "100/100/2%", params: { ...defaultSearchParams } },
  { name: "20/20/1%", params: { ...defaultSearchParams, maskThreshold: 20, dataThreshold: 20, pixColorFluctuation: 1 } },
].filter((p) => !args.params || args.params.split(",").some((n) => p.name.startsWith(n)));
const shifts = args.quick ? ([2] as const) : ([2, 4] as const);

function log(line: string) {
  process.stderr.write(`${line}\n`);
}

if (!existsSync(cdsearch)) {
  console.log(`../shared/data/cdm not found at ${cdsearch}: nothing to measure`);
  process.exit(0);
}

// ---- the library: copies of the four LM targets, item i being image i % 4 -----------------
const images = await Promise.all(lmNames.map((n) => decodeImageFile(join(cdsearch, "lms", n))));
const count = copies * images.length;
const libraryDir = join(resolve(args.cache!), `real-${count}`);
const layoutKey = "layout.json";
if (!existsSync(join(libraryDir, ".complete"))) {
  log(`building a ${count}-target real-density library in ${libraryDir} …`);
  await rm(libraryDir, { recursive: true, force: true });
  const store = new FolderBlobStore(libraryDir);
  const encoded = images.map((image) => encodeTarget(image));
  const shardSize = 100;
  const shards: LibraryLayout["shards"] = [];
  for (let start = 0, s = 0; start < count; start += shardSize, s++) {
    const items = Array.from({ length: Math.min(shardSize, count - start) }, (_, k) => ({
      metadata: itemMetadataFromPath(`copy-${start + k}/${lmNames[(start + k) % images.length]}`),
      encoded: encoded[(start + k) % images.length],
    }));
    const key = shardKey("real", s);
    const bytes = writeShard(items);
    await store.put(key, bytes);
    shards.push({ key, start, count: items.length, bytes: bytes.length });
  }
  const layout: LibraryLayout = { name: `real-${count}`, width: images[0].width, height: images[0].height, count, shards };
  await store.put(layoutKey, new TextEncoder().encode(JSON.stringify(layout)));
  await writeFile(join(libraryDir, ".complete"), new Date().toISOString());
}
const store = new FolderBlobStore(libraryDir);
const layout = JSON.parse(await readFile(join(libraryDir, layoutKey), "utf8")) as LibraryLayout;
const libraryBytes = layout.shards.reduce((n, s) => n + s.bytes, 0);

// ---- measurements ---------------------------------------------------------------------------
interface Row {
  mask: string;
  parameters: string;
  xyShift: number;
  maskSize: number;
  plainTargetsPerSecond: number;
  indexedTargetsPerSecond: number[];
  medianTargetsPerSecond: number;
  /** Targets per second of CPU time used (user + system), which a busy machine inflates less. */
  medianTargetsPerCpuSecond: number;
  ratioToPlain: number;
  colorTestsPerTarget: number;
  nsPerColorTest: number;
  scoringShare: number;
  matches: number;
  pruned: number;
  exact: boolean;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Describes the first target whose indexed result differs from the plain score, if any. */
function firstDifference(plain: PixelMatchScore[], minRatio: number, matches: { index: number; matchingPixels: number; mirrored: boolean; maskSize: number }[]): string | undefined {
  const byIndex = new Map(matches.map((m) => [m.index, m]));
  for (let i = 0; i < count; i++) {
    const expected = plain[i % images.length];
    const got = byIndex.get(i);
    if (!isMatch(expected, minRatio)) {
      if (got) return `target ${i}: kept with ${got.matchingPixels} px, plain scores ${expected.matchingPixels} (not a match)`;
      continue;
    }
    if (!got) return `target ${i}: missing, plain scores ${expected.matchingPixels} px (a match)`;
    if (got.matchingPixels !== expected.matchingPixels || got.mirrored !== expected.mirrored || got.maskSize !== expected.maskSize) {
      return `target ${i}: ${JSON.stringify(got)} but plain ${JSON.stringify(expected)}`;
    }
  }
  if (byIndex.size !== matches.length) return "duplicate targets in the results";
  return undefined;
}

const rows: Row[] = [];
const scratch = createSearchScratch();
for (const maskFile of maskFiles) {
  const mask: RgbImage = await decodeImageFile(join(cdsearch, maskFile.path));
  for (const set of parameterSets) {
    for (const xyShift of shifts) {
      const params: SearchParams = { ...set.params, xyShift };
      // Plain baseline on the four distinct images (every target is a copy of one).
      images.forEach((image) => scorePixelMatchPlain(mask, image, params)); // warm-up
      let t = performance.now();
      const plain = images.map((image) => scorePixelMatchPlain(mask, image, params));
      const plainTargetsPerSecond = images.length / ((performance.now() - t) / 1000);

      const search = async () => {
        const cpu = process.cpuUsage();
        const started = performance.now();
        const prepared = prepareMask(mask, params);
        const result = await searchLibraryRange(store, layout, prepared, 0, layout.count, { minMatchingPixRatio: params.minMatchingPixRatio, scratch });
        const seconds = (performance.now() - started) / 1000;
        const used = process.cpuUsage(cpu);
        const cpuSeconds = (used.user + used.system) / 1e6;
        const difference = firstDifference(plain, params.minMatchingPixRatio, result.matches);
        if (difference) throw new Error(`indexed ≠ plain for ${maskFile.name} ${set.name} xyShift ${xyShift}: ${difference}`);
        return { seconds, cpuSeconds, result };
      };
      await search(); // warm-up: JIT and page cache
      const runs = [];
      for (let r = 0; r < timedRuns; r++) runs.push(await search());
      const perSecond = runs.map((r) => count / r.seconds);
      const perCpuSecond = runs.map((r) => count / r.cpuSeconds);

      // The scoring loop alone: the four distinct targets loaded once, scored many times.
      const prepared = prepareMask(mask, params);
      const shard = readShard(await store.get(layout.shards[0].key));
      const codeOfId = thresholdPalette(shard, prepared.dataThreshold, prepared.matchable);
      const loaded = images.map((_, k) => {
        const pixels = createTargetPixels(prepared);
        loadTarget(prepared, shard, k, codeOfId, pixels);
        return pixels;
      });
      const tests = loaded.reduce((n, p) => n + colorTestsOf(prepared, p), 0) / images.length;
      const counts = new Int32Array(2 * prepared.offsets.length);
      const loops = Math.max(20, Math.round(2e8 / Math.max(1, tests * images.length) / 40));
      for (const p of loaded) scoreTargetPixels(prepared, p, counts);
      t = performance.now();
      for (let l = 0; l < loops; l++) for (const p of loaded) scoreTargetPixels(prepared, p, counts);
      const scoringMsPerTarget = (performance.now() - t) / (loops * images.length);

      const medianTargetsPerSecond = median(perSecond);
      const row: Row = {
        mask: maskFile.name,
        parameters: set.name,
        xyShift,
        maskSize: prepared.maskSize,
        plainTargetsPerSecond,
        indexedTargetsPerSecond: perSecond,
        medianTargetsPerSecond,
        medianTargetsPerCpuSecond: median(perCpuSecond),
        ratioToPlain: medianTargetsPerSecond / plainTargetsPerSecond,
        colorTestsPerTarget: tests,
        nsPerColorTest: tests > 0 ? (scoringMsPerTarget * 1e6) / tests : 0,
        scoringShare: (scoringMsPerTarget / 1000) * medianTargetsPerSecond,
        matches: runs[0].result.matches.length,
        pruned: runs[0].result.pruned ?? 0,
        exact: true,
      };
      rows.push(row);
      log(`${maskFile.name} ${set.name} xyShift ${xyShift}: ${Math.round(medianTargetsPerSecond)} targets/s`);
    }
  }
}

// ---- report -------------------------------------------------------------------------------
const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
const lines: string[] = [];
lines.push(`Real-density indexed search — ${cpus()[0]?.model ?? "cpu"}, one thread, Node ${process.versions.node}`);
lines.push(
  `library: ${fmt(count)} targets = ${copies} copies of the 4 real LM CDMs (${fmt(libraryBytes / count / 1024)} KiB/target indexed); ` +
    `median of ${timedRuns} timed runs after a warm-up; mask preparation included`,
);
lines.push(`t/s: wall clock, one thread; t/CPU-s: per second of CPU time the process used, less inflated when other work shares the cores`);
lines.push(`every run checked target by target against the plain implementation (exact = yes on every row, or the bench stops)`);
lines.push("");
lines.push(["mask (maskSize)", "params", "xy", "plain t/s", "indexed t/s (median)", "runs min–max", "t/CPU-s", "× plain", "tests/target", "ns/test", "scoring share", "matches", "skipped by bound", "exact"].join(" | "));
for (const r of rows) {
  lines.push(
    [
      `${r.mask} (${fmt(r.maskSize)})`,
      r.parameters,
      r.xyShift,
      fmt(r.plainTargetsPerSecond),
      fmt(r.medianTargetsPerSecond),
      `${fmt(Math.min(...r.indexedTargetsPerSecond))}–${fmt(Math.max(...r.indexedTargetsPerSecond))}`,
      fmt(r.medianTargetsPerCpuSecond),
      `${fmt(r.ratioToPlain, 1)}×`,
      fmt(r.colorTestsPerTarget),
      fmt(r.nsPerColorTest, 2),
      `${fmt(100 * r.scoringShare)} %`,
      fmt(r.matches),
      fmt(r.pruned),
      r.exact ? "yes" : "NO",
    ].join(" | "),
  );
}
// The targets (custom-search defaults, xyShift 2), against this run's medians.
const at = (mask: string, parameters: string, xyShift = 2) => rows.find((r) => r.mask === mask && r.parameters === parameters && r.xyShift === xyShift);
const goals: [string, number][] = [["12191", 3000], ["12191_FL", 2000], ["LPLC2", 10000], ["VT016795 (LM as mask)", 1500]];
lines.push("");
for (const [mask, goal] of goals) {
  const row = at(mask, "100/100/2%");
  if (row) {
    lines.push(
      `goal ${mask} ≥ ${fmt(goal)} t/s at 100/100/2 %, xy 2: ${fmt(row.medianTargetsPerSecond)} (${fmt((100 * row.medianTargetsPerSecond) / goal)} % of it); per CPU-second ${fmt(row.medianTargetsPerCpuSecond)}`,
    );
  }
}
const fast = at("12191", "100/100/2%");
const slow = at("12191", "20/20/1%");
if (fast && slow) lines.push(`goal 12191 at 20/20/1 % ≤ 1.5× slower than at 100/100/2 %: ${fmt(fast.medianTargetsPerSecond / slow.medianTargetsPerSecond, 2)}× slower`);
const peak = peakMemoryMiB();
lines.push("");
lines.push(`peak memory of this process (VmHWM): ${fmt(peak)} MiB`);
console.log(lines.join("\n"));
await mkdir(here, { recursive: true });
await writeFile(
  join(here, "real-results.json"),
  `${JSON.stringify({ date: new Date().toISOString(), machine: { cpu: cpus()[0]?.model, node: process.versions.node }, count, copies, timedRuns, peakMemoryMiB: peak, rows }, null, 2)}\n`,
);
log(`figures written to ${join(here, "real-results.json")}`);
