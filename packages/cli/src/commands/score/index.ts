import type { Command } from "commander";
import { decodeImageFile, isMatch, prepareMask, scoreTargetImage, type PixelMatchScore } from "@cds/core";
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
 * Scores every target, printing a table (or JSON). A target that cannot be read is reported
 * on stderr and makes the exit code 1, but the other targets are still scored.
 */
export async function scoreCommand(maskPath: string, targets: string[], options: ScoreOptions, io: Io): Promise<ScoreRow[]> {
  const params = searchParamsFromOptions(options);
  const mask = await decodeImageFile(maskPath);
  const prepared = prepareMask(mask, params);
  if (prepared.maskSize === 0) {
    io.error(
      `cds: warning: the mask ${maskPath} has no pixels above the mask threshold ${params.maskThreshold} ` +
        `outside the excluded label regions, so every score is 0`,
    );
  }
  const shape = await prepareShapeScoring(mask, targets, options, io);
  const scored: (ScoreRow & { shape?: Awaited<ReturnType<typeof scoreTargetShape>> })[] = [];
  for (const target of targets) {
    try {
      const image = await decodeImageFile(target);
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
