import type { Command } from "commander";
import { ParameterError } from "@cds/core";
import type { RgbImage } from "@cds/core/image";
import type { LibraryManifest } from "@cds/core/library";
import type { TargetMatch } from "@cds/core/search";
import { DEFAULT_SHAPE_TOP_LINES, type ShapeRankedMatch } from "@cds/core/shape";
import { rankLocalSearchByShape } from "@cds/local";
import type { Io } from "../../io.ts";
import { resolveShapeLut } from "../../options/shape-lut.ts";
import { positiveInteger } from "../library/index.ts";

export interface ShapeRankOptionValues {
  rank?: string;
  shapeTop?: string;
  lut?: string;
}

/** What `--rank shape` adds to the results document. */
export interface ShapeRankSummary {
  /** Lines kept for shape scoring, and the targets they hold. */
  topLines: number;
  shortlisted: number;
  elapsedMs: number;
  lut: string;
}

export function addShapeRankOptions(command: Command): Command {
  return command
    .option("--rank <how>", "pixels: by matching pixels (NeuronBridge custom search); shape: then re-rank the best lines by NeuronBridge's 2-D shape score, by normalizedScore (needs a library indexed --with-shape)", "pixels")
    .option("--shape-top <n>", `with --rank shape: lines (publishedNames) shape-scored, best by matching pixels first (default ${DEFAULT_SHAPE_TOP_LINES})`)
    .option("--lut <file>", "with --rank shape: the PsychedelicRainBow2 LUT file (default: $CDS_LUT, else a built-in approximation)");
}

/** Checks the options; true when the search ranks by shape. */
export function wantsShapeRank(options: ShapeRankOptionValues, libraryKind: "indexed" | "raw"): boolean {
  const rank = options.rank ?? "pixels";
  if (rank !== "pixels" && rank !== "shape") throw new ParameterError("rank", `--rank must be pixels or shape, got "${rank}"`);
  if (rank === "pixels") {
    if (options.shapeTop !== undefined) throw new ParameterError("shapeTop", "--shape-top needs --rank shape");
    return false;
  }
  if (libraryKind !== "indexed") {
    throw new ParameterError("rank", "--rank shape needs an indexed library (`cds library index … --with-shape`), not a folder of images");
  }
  return true;
}

/** Runs the second stage over every pixel match of the search. */
export async function shapeRank(
  mask: RgbImage,
  libraries: { root: string; manifest: LibraryManifest }[],
  matches: TargetMatch[],
  minMatchingPixRatio: number,
  options: ShapeRankOptionValues,
  io: Io,
): Promise<{ ranked: ShapeRankedMatch[]; summary: ShapeRankSummary }> {
  const topLines = options.shapeTop === undefined ? DEFAULT_SHAPE_TOP_LINES : positiveInteger("--shape-top", options.shapeTop);
  const { lut, source } = await resolveShapeLut(io.cwd, options.lut, io);
  const { ranked, shortlisted, elapsedMs } = await rankLocalSearchByShape({ mask, lut, libraries, matches, minMatchingPixRatio, topLines });
  return { ranked, summary: { topLines, shortlisted, elapsedMs: Math.round(elapsedMs), lut: source } };
}
