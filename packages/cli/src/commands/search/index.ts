import type { Command } from "commander";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, dirname, isAbsolute, join } from "node:path";
import { ImageSizeMismatchError } from "@cds/core";
import { decodeImage, type RgbImage } from "@cds/core/image";
import { libraryParts } from "@cds/core/library";
import {
  buildResultsDocument,
  matchesToShow,
  resultsCsv,
  resultsFileSet,
  type ResultsDocument,
  type ResultsDocumentInput,
} from "@cds/core/results";
import { prepareMask } from "@cds/core/scoring";
import type { TargetMatch } from "@cds/core/search";
import type { ShapeRankedMatch } from "@cds/core/shape";
import { runLocalSearch, type LocalSearchResult } from "@cds/local";
import { readMaskImage } from "../../files/input-files.ts";
import { checkOutputFile } from "../../files/output-paths.ts";
import type { Io } from "../../io.ts";
import { addSearchOptions, searchParamsFromOptions, type SearchOptionValues } from "../../options/search-options.ts";
import { resolveLibraries, resolveRoot, type SearchedLibraries } from "../../options/root.ts";
import { progressBar } from "../../output/progress.ts";
import { renderTable } from "../../output/table.ts";
import { positiveInteger } from "../library/index.ts";
import { addShapeRankOptions, shapeRank, type ShapeRankOptionValues, type ShapeRankSummary, wantsShapeRank } from "./shape-rank.ts";

interface SearchCommandOptions extends SearchOptionValues, ShapeRankOptionValues {
  library: string;
  root?: string;
  top?: string;
  out?: string;
  workers?: string;
  batchSize?: string;
  all?: boolean;
  json?: boolean;
  /** `--no-page`: commander sets false. */
  page?: boolean;
}

/**
 * The results document `cds search --out` writes: the same versioned document as the pipeline's
 * (`results-document.schema.json`), with the local run's skipped targets and statistics.
 */
export type SearchResultsDocument = ResultsDocument;

export function registerSearchCommand(program: Command, io: Io): void {
  const command = program
    .command("search")
    .description("search a whole library for the targets that best match a mask, on all cores")
    .argument("<mask>", "the mask image (PNG, TIFF or JPEG)")
    .requiredOption("--library <name|path>", "an indexed library's name or folder, or a folder of raw images; several indexed libraries as a,b (one ranking across them)")
    .option("--root <dir>", "the cds data folder holding libraries/ (default: $CDS_ROOT or ./cds-data)");
  addSearchOptions(command)
    .option("--top <n>", "show and keep the best N matches", "50")
    .option("--all", "keep every match in the results file (the table still shows --top)")
    .option("--out <file>", "write the results document (JSON) there, with <name>.csv, the comparison page <name>.html and its images in <name>-files/")
    .option("--no-page", "with --out, write only the JSON and the CSV")
    .option("--json", "print the results document as JSON on stdout instead of the table")
    .option("--workers <n>", "worker threads (default: one per core)")
    .option("--batch-size <n>", "targets per batch (default: one shard, or 50 raw images)");
  addShapeRankOptions(command)
    .action(async (mask: string, options: SearchCommandOptions) => {
      await searchCommand(mask, options, io);
    });
}

export async function searchCommand(maskPath: string, options: SearchCommandOptions, io: Io): Promise<SearchResultsDocument> {
  const params = searchParamsFromOptions(options);
  const top = positiveInteger("--top", options.top ?? "50");
  const workers = options.workers === undefined ? undefined : positiveInteger("--workers", options.workers);
  const batchSize = options.batchSize === undefined ? undefined : positiveInteger("--batch-size", options.batchSize);
  // Before any work: a wrong --out must not cost a whole search.
  const out = options.out === undefined ? undefined : await checkOutputFile(io.cwd, options.out, "--out");
  const root = resolveRoot(io.cwd, options.root);
  const library = await resolveLibraries(io.cwd, root, options.library);
  const indexed = library.kind === "raw" ? [] : library.kind === "indexed" ? [library] : library.libraries;
  const byShape = wantsShapeRank(options, library.kind === "raw" ? "raw" : "indexed");
  const mask = await readMaskImage(io.cwd, maskPath, io.error);
  if (indexed.length > 0 && (mask.width !== indexed[0].manifest.width || mask.height !== indexed[0].manifest.height)) {
    throw new ImageSizeMismatchError(indexed[0].manifest, mask, `the mask ${maskPath}`);
  }
  const maskSize = prepareMask(mask, params).maskSize;
  if (maskSize === 0) {
    io.error(`cds: warning: the mask has no pixels above the mask threshold ${params.maskThreshold} outside the label regions; nothing can match`);
  }
  const bar = progressBar(io, "searching");
  const result: LocalSearchResult = await runLocalSearch({
    mask,
    params,
    library,
    workers,
    batchSize,
    // The shape stage's selection groups every match by line, so it needs them all.
    top: options.all || byShape ? undefined : top,
    onProgress: ({ scored, total }) => bar.update(scored, total),
  });
  bar.finish();
  let matches: (TargetMatch | ShapeRankedMatch)[] = result.matches;
  let shape: ShapeRankSummary | undefined;
  if (byShape) {
    const staged = await shapeRank(mask, indexed, result.matches, params.minMatchingPixRatio, options, io);
    matches = options.all ? staged.ranked : staged.ranked.slice(0, top);
    shape = staged.summary;
  }

  const document = buildResultsDocument({
    searchId: `local-${randomUUID()}`,
    createdAt: new Date().toISOString(),
    mask: { name: basename(maskPath), key: maskPath, maskSize, width: mask.width, height: mask.height },
    ...searchedLibrariesOf(library, result),
    parameters: params,
    matches,
    scored: result.scored,
    elapsedMs: result.elapsedMs,
    partial: false,
    skipped: result.skipped,
    stats: { workers: result.workers, objectsRead: result.objectsRead, peakRssMiB: peakRssMiB() },
    ...(shape ? { shape } : {}),
  });
  if (options.json) {
    io.out(JSON.stringify(document, null, 2));
  } else {
    printSummary(document, result, top, io);
  }
  if (result.skipped.length > 0) {
    io.error(`skipped ${result.skipped.length} unreadable target(s):`);
    for (const s of result.skipped.slice(0, 10)) io.error(`  ${s.sourcePath}: ${s.reason}`);
  }
  if (out) {
    const written = await writeResults(document, out, options.page !== false ? mask : undefined);
    // With --json, stdout is the document alone; where the files went goes to stderr.
    (options.json ? io.error : io.out)(`results written to ${options.out}${written.html ? `; page ${written.html}` : ""}`);
  }
  return document;
}

/** The document's `library` and `libraries`: the one searched, or each of several with its counts. */
function searchedLibrariesOf(library: SearchedLibraries, result: LocalSearchResult): Pick<ResultsDocumentInput, "library" | "libraries"> {
  switch (library.kind) {
    case "raw":
      return { library: { name: basename(library.source), count: result.total, location: library.source, indexed: false } };
    case "indexed":
      return { library: { name: library.manifest.name, count: result.total, location: library.manifest.source.location, indexed: true } };
    case "union": {
      const manifests = library.libraries.map((l) => l.manifest);
      const parts = libraryParts(manifests);
      return {
        library: { name: manifests.map((m) => m.name).join(","), count: result.total, indexed: true },
        libraries: manifests.map((m, k) => ({ name: m.name, count: m.count, scored: result.scoredByLibrary[k], location: m.source.location, firstItem: parts[k].firstItem })),
      };
    }
  }
}

function printSummary(document: ResultsDocument, result: LocalSearchResult, top: number, io: Io): void {
  const rate = result.scored / (result.elapsedMs / 1000);
  const count = document.matchCount;
  io.out(
    `${count === 0 ? "0 matches" : `${count} match${count === 1 ? "" : "es"}`} for ${document.mask.name} in ${document.library.name}: ` +
      `${result.scored.toLocaleString("en-US")} targets scored in ${(result.elapsedMs / 1000).toFixed(2)} s ` +
      `(${Math.round(rate).toLocaleString("en-US")} targets/s on ${result.workers} worker${result.workers === 1 ? "" : "s"})`,
  );
  if (document.libraries.length > 1) {
    io.out(`per library: ${document.libraries.map((l) => `${l.name} ${l.scored.toLocaleString("en-US")} of ${l.count.toLocaleString("en-US")} scored, ${l.matched} in the results`).join("; ")}`);
  }
  const shape = document.shape;
  if (shape) {
    io.out(`ranked by shape: ${shape.shortlisted} targets of the best ${shape.topLines} lines shape-scored in ${(shape.elapsedMs / 1000).toFixed(2)} s, sorted by normalizedScore`);
  }
  if (count > 0) {
    const shapeColumns = shape ? ["shapeScore", "normalizedScore"] : [];
    const byLibrary = document.libraries.length > 1;
    renderTable(
      ["rank", "target", ...(byLibrary ? ["library"] : []), "matchingPixels", "matchingRatio", "mirrored", ...shapeColumns],
      document.results
        .slice(0, top)
        .map((m) => [m.rank, m.name, ...(byLibrary ? [m.library] : []), m.matchingPixels, m.matchingRatio.toFixed(4), m.mirrored ? "yes" : "no", ...(shape ? [m.shapeScore ?? "-", m.normalizedScore.toFixed(2)] : [])]),
    ).forEach((line) => io.out(line));
  }
}

/** Writes the document at `out`, and beside it the CSV and (given the mask) the comparison page. */
async function writeResults(document: ResultsDocument, out: string, mask: RgbImage | undefined): Promise<{ html?: string }> {
  const base = out.replace(/\.json$/i, "");
  if (!mask) {
    await writeFile(out, `${JSON.stringify(document, null, 2)}\n`);
    await writeFile(`${base}.csv`, resultsCsv(document));
    return {};
  }
  const set = resultsFileSet(document, base, { maskImage: mask, matchImages: await sourceImages(document, mask) });
  for (const file of set.files) {
    const path = file.path === `${base}.json` ? out : file.path;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.bytes);
  }
  return { html: set.htmlKey };
}

/** The original images of the matches the page draws, where they can still be read. */
async function sourceImages(document: ResultsDocument, mask: RgbImage): Promise<Map<string, RgbImage>> {
  const images = new Map<string, RgbImage>();
  for (const result of matchesToShow(document)) {
    const location = document.libraries.find((l) => l.name === result.library)?.location ?? document.library.location;
    if (!location || !isAbsolute(location)) continue;
    try {
      const image = await decodeImage(new Uint8Array(await readFile(join(location, result.sourcePath))), { name: result.sourcePath });
      if (image.width === mask.width && image.height === mask.height) images.set(result.name, image);
    } catch {
      // A moved or damaged original costs the page one picture, not the results.
    }
  }
  return images;
}

/** Peak resident memory of this process (VmHWM), in MiB; 0 where /proc is not there. */
function peakRssMiB(): number {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return Math.round(kb / 1024);
  } catch {
    return 0;
  }
}
