import type { Command } from "commander";
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { decodeImageFile, ImageSizeMismatchError, prepareMask, type SearchParams, type ShapeRankedMatch, type TargetMatch } from "@cds/core";
import { runLocalSearch, type LocalSearchResult } from "@cds/local";
import type { Io } from "../../io.ts";
import { addSearchOptions, searchParamsFromOptions, type SearchOptionValues } from "../../options/search-options.ts";
import { resolveLibrary, resolveRoot } from "../../options/root.ts";
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
}

/** The results document `cds search --out` writes. */
export interface SearchResultsDocument {
  mask: string;
  library: { name: string; location: string; indexed: boolean; targets: number };
  parameters: SearchParams;
  maskSize: number;
  scored: number;
  elapsedMs: number;
  skipped: { sourcePath: string; reason: string }[];
  /** How the search ran: for benchmarks and for sizing machines. */
  stats: { workers: number; objectsRead: number; peakRssMiB: number };
  matches: (Omit<TargetMatch, "item"> & TargetMatch["item"] & { rank: number } & Partial<Omit<ShapeRankedMatch, keyof TargetMatch>>)[];
  /** With `--rank shape`: the second stage (matches are then sorted by normalizedScore). */
  shape?: ShapeRankSummary;
}

export function registerSearchCommand(program: Command, io: Io): void {
  const command = program
    .command("search")
    .description("search a whole library for the targets that best match a mask, on all cores")
    .argument("<mask>", "the mask image (PNG, TIFF or JPEG)")
    .requiredOption("--library <name|path>", "an indexed library's name or folder, or a folder of raw images")
    .option("--root <dir>", "the cds data folder holding libraries/ (default: $CDS_ROOT or ./cds-data)");
  addSearchOptions(command)
    .option("--top <n>", "show and keep the best N matches", "50")
    .option("--all", "keep every match in the results file (the table still shows --top)")
    .option("--out <file>", "write the results as JSON to this file")
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
  const root = resolveRoot(io.cwd, options.root);
  const library = await resolveLibrary(io.cwd, root, options.library);
  const byShape = wantsShapeRank(options, library.kind);
  const mask = await decodeImageFile(resolve(io.cwd, maskPath));
  if (library.kind === "indexed" && (mask.width !== library.manifest.width || mask.height !== library.manifest.height)) {
    throw new ImageSizeMismatchError(library.manifest, mask, `the mask ${maskPath}`);
  }
  const maskSize = prepareMask(mask, params).maskSize;
  if (maskSize === 0) {
    io.error(`cds: warning: the mask has no pixels above the mask threshold ${params.maskThreshold} outside the label regions; nothing can match`);
  }
  const bar = progressBar(io, "searching");
  const result: LocalSearchResult = await runLocalSearch({
    mask,
    params,
    library: library.kind === "indexed" ? { kind: "indexed", root: library.root, manifest: library.manifest } : library,
    workers,
    batchSize,
    // The shape stage's selection groups every match by line, so it needs them all.
    top: options.all || byShape ? undefined : top,
    onProgress: ({ scored, total }) => bar.update(scored, total),
  });
  bar.finish();
  let matches: (TargetMatch | ShapeRankedMatch)[] = result.matches;
  let shape: ShapeRankSummary | undefined;
  if (byShape && library.kind === "indexed") {
    const staged = await shapeRank(mask, library, result.matches, params.minMatchingPixRatio, options, io);
    matches = options.all ? staged.ranked : staged.ranked.slice(0, top);
    shape = staged.summary;
  }

  const document: SearchResultsDocument = {
    mask: maskPath,
    library: {
      name: library.kind === "indexed" ? library.manifest.name : library.source,
      location: library.kind === "indexed" ? library.root : library.source,
      indexed: library.kind === "indexed",
      targets: result.total,
    },
    parameters: params,
    maskSize,
    scored: result.scored,
    elapsedMs: Math.round(result.elapsedMs),
    skipped: result.skipped,
    stats: {
      workers: result.workers,
      objectsRead: result.objectsRead,
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    },
    matches: matches.map(({ item, ...score }, i) => ({ rank: i + 1, ...item, ...score })),
    ...(shape ? { shape } : {}),
  };
  const rate = result.scored / (result.elapsedMs / 1000);
  io.out(
    `${result.matches.length > 0 ? "" : "no "}matches for ${maskPath} in ${document.library.name}: ` +
      `${result.scored.toLocaleString("en-US")} targets scored in ${(result.elapsedMs / 1000).toFixed(2)} s ` +
      `(${Math.round(rate).toLocaleString("en-US")} targets/s on ${result.workers} worker${result.workers === 1 ? "" : "s"})`,
  );
  if (shape) {
    io.out(`ranked by shape: ${shape.shortlisted} targets of the best ${shape.topLines} lines shape-scored in ${(shape.elapsedMs / 1000).toFixed(2)} s, sorted by normalizedScore`);
  }
  if (document.matches.length > 0) {
    const shapeColumns = shape ? ["shapeScore", "normalizedScore"] : [];
    renderTable(
      ["rank", "target", "matchingPixels", "matchingRatio", "mirrored", ...shapeColumns],
      document.matches
        .slice(0, top)
        .map((m) => [m.rank, m.name, m.matchingPixels, m.matchingRatio.toFixed(4), m.mirrored ? "yes" : "no", ...(shape ? [m.shapeScore!, m.normalizedScore!.toFixed(2)] : [])]),
    ).forEach((line) => io.out(line));
  }
  if (result.skipped.length > 0) {
    io.error(`skipped ${result.skipped.length} unreadable target(s):`);
    for (const s of result.skipped.slice(0, 10)) io.error(`  ${s.sourcePath}: ${s.reason}`);
  }
  if (options.out) {
    await writeFile(resolve(io.cwd, options.out), `${JSON.stringify(document, null, 2)}\n`);
    io.out(`results written to ${options.out}`);
  }
  return document;
}
