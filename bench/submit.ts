// `npm run bench:submit [-- --masks 100 --targets 2000 --k 2,4]`
//
// Throughput of a many-mask submission: the wall time of one `cds submit <masks> --wait` (a
// child process) against a local runtime in this process, from the command's start to its exit
// after the Submission Completed summary, for each running limit K asked for; against running
// the same masks one by one with `cds search` (a child process each, as a shell loop would).
// Reports masks per minute for each and checks that every submitted mask's ranking equals its
// `cds search`. Masks: the real 1210×566 CDMs of ../shared/data/cdm when present, the rest
// synthetic neurons (a few of them planted in the library). The synthetic library is cached in
// bench/.cache/submit-<targets>. Prints a table and writes bench/submit-results.json.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { defaultMaxRunning } from "@cds/core/admission";
import { encodePackBitsTiff } from "@cds/core/image";
import type { ResultsDocument } from "@cds/core/results";
import type { SubmissionSummary } from "@cds/core/submission";
import { generateNeuron, renderMask, syntheticLibrary } from "@cds/synthetic";
import { FolderBlobStore, indexSyntheticLibrary, startLocalRuntime } from "@cds/local";
import { childPeakMemory, peakMemoryMiB } from "./peak-memory.ts";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "..");
const cli = join(repoRoot, "packages/cli/bin/cds.js");
const { values: args } = parseArgs({
  options: {
    masks: { type: "string", default: "100" },
    targets: { type: "string", default: "2000" },
    k: { type: "string" },
    cache: { type: "string", default: join(here, ".cache") },
  },
});
const maskCount = Number(args.masks);
const targets = Number(args.targets);
const threads = availableParallelism();
const kValues = (args.k ?? `${defaultMaxRunning(threads)},4`).split(",").map(Number).filter((k, i, all) => k >= 1 && all.indexOf(k) === i);
const cache = resolve(args.cache!);
const sharedCdm = resolve(repoRoot, "../shared/data/cdm");
const log = (line: string) => process.stderr.write(`${line}\n`);
const run = promisify(execFile);

// ---- the library and the masks -------------------------------------------------------------
const spec = { seed: "bench-submit", count: targets, masks: 10, plantedPerMask: 2 };
const libraryDir = join(cache, `submit-${targets}`);
if (!existsSync(join(libraryDir, ".complete"))) {
  log(`building a ${targets}-target synthetic library in ${libraryDir} (cached for later runs) …`);
  await rm(libraryDir, { recursive: true, force: true });
  await indexSyntheticLibrary({ name: "bench-submit", store: new FolderBlobStore(libraryDir), spec });
  await writeFile(join(libraryDir, ".complete"), new Date().toISOString());
}

const work = await mkdtemp(join(tmpdir(), "cds-bench-submit-"));
const masksDir = join(work, "masks");
await mkdir(masksDir, { recursive: true });
const realFiles = existsSync(sharedCdm)
  ? [
      "colormipsearch/cdsearch/ems/12191_JRC2018U.tif",
      "colormipsearch/cdsearch/ems/12191_JRC2018U_FL.tif",
      "colormipsearch/cdsearch/ems/1752016801-LPLC2-RT_18U.tif",
      "colormipsearch/cdsearch/lms/VT033614_127B01_AE_01-20171124_64_H6-f-CH2_01.tif",
      "colormipsearch/cdsearch/lms/VT016795_115C08_AE_01-20200221_61_I2-m-CH1_01.tif",
      "colormipsearch/imageprocessing/1281324958-DNp11-RT_18U_FL.tif",
      "neuronbridge-services/mips/testMIP.png",
    ].slice(0, maskCount)
  : [];
for (const [i, file] of realFiles.entries()) await copyFile(join(sharedCdm, file), join(masksDir, `real-${i}-${basename(file)}`));
const planted = syntheticLibrary(spec).neurons;
for (let i = 0; i < maskCount - realFiles.length; i++) {
  const neuron = i < planted.length ? planted[i] : generateNeuron(`bench-submit-extra-${i}`);
  await writeFile(join(masksDir, `syn-${String(i).padStart(3, "0")}.tif`), encodePackBitsTiff(renderMask(neuron)));
}
const maskFiles = (await readdir(masksDir)).sort().map((f) => join(masksDir, f));
log(`${maskFiles.length} masks (${realFiles.length} real) against ${targets} targets; ${threads} cores`);

// ---- one submission through a local runtime --------------------------------------------------
interface SubmitRun {
  k: number;
  seconds: number;
  summary: SubmissionSummary;
  results: Map<string, ResultsDocument>;
}
/** VmHWM of each `cds submit --wait` child, in MiB. */
const submitPeaks: number[] = [];
async function submit(k: number): Promise<SubmitRun> {
  const root = join(work, `root-k${k}`);
  await mkdir(join(root, "libraries"), { recursive: true });
  await symlink(libraryDir, join(root, "libraries", "bench"), "dir");
  const runtime = await startLocalRuntime({ root, pollMs: 100, maxRunning: k, onError: (error) => log(`runtime: ${String(error)}`) });
  try {
    const started = performance.now();
    const peak = childPeakMemory();
    const { stdout } = await run(process.execPath, [...peak.nodeArgs, cli, "submit", masksDir, "--library", "bench", "--root", root, "--wait"], { maxBuffer: 1 << 26, env: peak.env });
    const seconds = (performance.now() - started) / 1000;
    submitPeaks.push(peak.read());
    const submissionId = /submission (sub-\S+):/.exec(stdout)![1];
    const summary = JSON.parse(await readFile(join(root, "results", "submissions", `${submissionId}.json`), "utf8")) as SubmissionSummary;
    const results = new Map<string, ResultsDocument>();
    for (const mask of summary.masks) {
      if (mask.results) results.set(basename(mask.file), JSON.parse(await readFile(join(root, "results", mask.results), "utf8")) as ResultsDocument);
    }
    return { k, seconds, summary, results };
  } finally {
    await runtime.stop();
  }
}

// ---- the same masks one by one with `cds search` ----------------------------------------------
async function oneByOne(): Promise<{ seconds: number; matches: Map<string, { index: number; matchingPixels: number; matchingRatio: number; mirrored: boolean }[]> }> {
  const matches = new Map<string, { index: number; matchingPixels: number; matchingRatio: number; mirrored: boolean }[]>();
  const started = performance.now();
  for (const [i, mask] of maskFiles.entries()) {
    const out = join(work, `search-${i}.json`);
    await run(process.execPath, [cli, "search", mask, "--library", libraryDir, "--top", "400", "--out", out], { maxBuffer: 1 << 26 });
    matches.set(basename(mask), (JSON.parse(await readFile(out, "utf8")) as { results: { index: number; matchingPixels: number; matchingRatio: number; mirrored: boolean }[] }).results);
  }
  return { seconds: (performance.now() - started) / 1000, matches };
}

try {
  const submissions: SubmitRun[] = [];
  for (const k of kValues) {
    log(`cds submit --wait with at most ${k} running …`);
    submissions.push(await submit(k));
  }
  log(`cds search, ${maskFiles.length} times one after another …`);
  const single = await oneByOne();

  const key = (m: { index: number; matchingPixels: number; matchingRatio: number; mirrored: boolean }) => `${m.index}:${m.matchingPixels}:${m.matchingRatio}:${m.mirrored}`;
  const equal = submissions.every((s) =>
    maskFiles.every((file) => {
      const document = s.results.get(basename(file));
      return document !== undefined && JSON.stringify(document.results.map(key)) === JSON.stringify(single.matches.get(basename(file))!.map(key));
    }),
  );
  const perMinute = (seconds: number) => (maskFiles.length / seconds) * 60;
  const fmt = (n: number, d = 1) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
  const lines = [
    `CDM submission benchmark — ${cpus()[0]?.model ?? "cpu"}, ${threads} cores, Node ${process.versions.node}`,
    `${maskFiles.length} masks (${realFiles.length} real, the rest synthetic) × ${targets} synthetic targets (${libraryDir})`,
    "",
    "how | seconds | masks/minute | vs one by one",
    ...submissions.map((s) => `cds submit --wait, K = ${s.k} | ${fmt(s.seconds)} | ${fmt(perMinute(s.seconds))} | ${fmt(single.seconds / s.seconds, 2)}×`),
    `cds search one by one | ${fmt(single.seconds)} | ${fmt(perMinute(single.seconds))} | 1.00×`,
    "",
    `peak memory (VmHWM): cds submit ${submitPeaks.map((m) => fmt(m, 0)).join(" / ")} MiB; this process, which ran the runtimes, ${fmt(peakMemoryMiB(), 0)} MiB`,
    `every submitted mask completed and ranked exactly as its own cds search: ${equal && submissions.every((s) => s.summary.counts.completed === maskFiles.length) ? "yes" : "NO"}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  await writeFile(
    join(here, "submit-results.json"),
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: { cpu: cpus()[0]?.model ?? "cpu", cores: threads, node: process.versions.node },
        masks: maskFiles.length,
        realMasks: realFiles.length,
        targets,
        submissions: submissions.map((s) => ({ maxRunning: s.k, seconds: s.seconds, masksPerMinute: perMinute(s.seconds), completed: s.summary.counts.completed })),
        oneByOne: { seconds: single.seconds, masksPerMinute: perMinute(single.seconds) },
        resultsEqual: equal,
        submitPeakMemoryMiB: submitPeaks,
        benchPeakMemoryMiB: peakMemoryMiB(),
      },
      null,
      2,
    )}\n`,
  );
  if (!equal) process.exitCode = 1;
} finally {
  await rm(work, { recursive: true, force: true });
}
