import type { Command } from "commander";
import { CdsError } from "@cds/core";
import { decodeImage, readImageHeader } from "@cds/core/image";
import { isMatch, prepareMask, scoreTargetImage, type PixelMatchScore } from "@cds/core/scoring";
import { readInputFile, readMaskImage } from "../../files/input-files.ts";
import { maskIsOdd, sizeText, type Size } from "../../files/odd-size.ts";
import type { Io } from "../../io.ts";
import { addSearchOptions, searchParamsFromOptions, type SearchOptionValues } from "../../options/search-options.ts";
import { renderTable } from "../../output/table.ts";
import { addShapeScoreOptions, prepareShapeScoring, scoreTargetShape, type ShapeFields, type ShapeScoreOptions, withNormalizedScores } from "./shape.ts";

interface ScoreOptions extends SearchOptionValues, ShapeScoreOptions {
  json?: boolean;
}

/** One scored target as `cds score --json` prints it. */
export interface ScoreRow extends PixelMatchScore, Partial<ShapeFields> {
  target: string;
  isMatch: boolean;
}

export function registerScoreCommand(program: Command, io: Io): void {
  const command = program
    .command("score")
    .description("score one mask against one or more target CDM images (PNG, TIFF or JPEG)")
    .argument("<mask>", "the mask image")
    .argument("<targets...>", "target images, aligned to the same template as the mask");
  addShapeScoreOptions(addSearchOptions(command))
    .option("--json", "print a JSON array, one object per target")
    .action(async (mask: string, targets: string[], options: ScoreOptions) => {
      await scoreCommand(mask, targets, options, io);
    });
}

/**
 * Scores every target, printing a table (or JSON). A target that cannot be read, or has another
 * size than the mask, is reported on stderr and makes the exit code 1, but the other targets are
 * still scored. When the mask is the odd size out (the targets agree among themselves), one line
 * says so about the mask instead of blaming each target.
 */
export async function scoreCommand(maskPath: string, targets: string[], options: ScoreOptions, io: Io): Promise<ScoreRow[]> {
  const params = searchParamsFromOptions(options);
  const mask = await readMaskImage(io.cwd, maskPath, io.error);
  const prepared = prepareMask(mask, params);
  if (prepared.maskSize === 0) {
    io.error(
      `cds: warning: the mask ${maskPath} has no pixels above the mask threshold ${params.maskThreshold} ` +
        `outside the excluded label regions, so every score is 0`,
    );
  }
  // Sizes first (headers only), so an odd mask is named once, before any target is decoded.
  const sizes = new Map<string, Size>();
  for (const target of targets) {
    try {
      const header = readImageHeader(await readInputFile(io.cwd, target, "target"), { name: target });
      sizes.set(target, { width: header.width, height: header.height });
    } catch {
      // Reported when the target is scored below.
    }
  }
  if (maskIsOdd(mask, [...sizes.values()])) {
    const [first] = sizes.values();
    throw new CdsError(`the mask ${maskPath} is ${sizeText(mask)} but the target${sizes.size === 1 ? " is" : "s are"} ${sizeText(first)}; masks and targets must be aligned to the same template`);
  }
  const shape = await prepareShapeScoring(mask, targets, options, io);
  const scored: (ScoreRow & { shape?: Awaited<ReturnType<typeof scoreTargetShape>> })[] = [];
  for (const target of targets) {
    try {
      const image = await decodeImage(await readInputFile(io.cwd, target, "target"), { name: target });
      if (image.width !== mask.width || image.height !== mask.height) {
        throw new CdsError(`the target ${target} is ${sizeText(image)} but ${sizeText(mask)} was expected, the size of the mask ${maskPath}; skipped`);
      }
      const score = scoreTargetImage(prepared, image, target);
      scored.push({ target, ...score, isMatch: isMatch(score, params.minMatchingPixRatio), ...(shape ? { shape: await scoreTargetShape(shape, target, image) } : {}) });
    } catch (error) {
      io.error(`cds: ${error instanceof Error ? error.message : String(error)}`);
      io.exitCode = 1;
    }
  }
  const rows: ScoreRow[] = shape ? withNormalizedScores(scored.map((r) => ({ ...r, shape: r.shape! }))) : scored;
  if (options.json) {
    io.out(JSON.stringify(rows, null, 2));
  } else if (rows.length > 0) {
    const shapeColumns = shape ? ["gradientAreaGap", "highExpressionArea", "shapeScore", "shapeMirrored", "normalizedScore"] : [];
    const table = renderTable(
      ["target", "matchingPixels", "matchingRatio", "mirrored", "maskSize", "match", ...shapeColumns],
      rows.map((r) => [
        r.target,
        r.matchingPixels,
        r.matchingRatio.toFixed(6),
        r.mirrored ? "yes" : "no",
        r.maskSize,
        r.isMatch ? "yes" : "no",
        ...(shape ? [r.gradientAreaGap!, r.highExpressionArea!, r.shapeScore!, r.shapeMirrored ? "yes" : "no", r.normalizedScore!.toFixed(2)] : []),
      ]),
    );
    table.forEach((line) => io.out(line));
  }
  return rows;
}
