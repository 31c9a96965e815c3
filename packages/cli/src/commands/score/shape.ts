import { stat } from "node:fs/promises";
import { basename, extname, join, resolve } from "node:path";
import type { Command } from "commander";
import { ParameterError } from "@cds/core";
import { decodeGray16Png, decodeImageFile, type Gray16Image, type RgbImage } from "@cds/core/image";
import {
  defaultShapeParams,
  normalizedScore,
  prepareShapeQuery,
  type PreparedShapeQuery,
  scoreShape,
  type ShapeScore,
  shapeTargetFromImages,
  ZGAP_RADIUS,
} from "@cds/core/shape";
import { readFile } from "node:fs/promises";
import type { Io } from "../../io.ts";
import { resolveShapeLut } from "../../options/shape-lut.ts";

/** The shape options of `cds score`. */
export interface ShapeScoreOptions {
  shape?: boolean;
  gradient?: string;
  zgap?: string;
  zgapRadius?: string;
  lut?: string;
}

/** The shape fields `cds score --shape` adds to each row. */
export interface ShapeFields {
  gradientAreaGap: number;
  highExpressionArea: number;
  shapeScore: number;
  shapeMirrored: boolean;
  /** Within the targets of this run: pixels relative to the best, shape relative to the worst. */
  normalizedScore: number;
}

export function addShapeScoreOptions(command: Command): Command {
  return command
    .option("--shape", "also compute NeuronBridge's 2-D shape score (gradientAreaGap, highExpressionArea, shapeScore; lower is better)")
    .option("--gradient <file|dir>", "with --shape: the target's 16-bit gradient PNG, or a grad/ folder holding <target name>.png (default: made by the recipe)")
    .option("--zgap <file|dir>", "with --shape: the target's zgap image, or a zgap/ folder holding <target name>.tif|.png (default: made by the recipe)")
    .option("--zgap-radius <n>", `with --shape and no --zgap: the zgap recipe's radius (default ${ZGAP_RADIUS}, production; upstream's unit tests use 10)`)
    .option("--lut <file>", "with --shape: the PsychedelicRainBow2 LUT file slice numbers come from (default: $CDS_LUT, else a built-in approximation)");
}

/** Prepares the query once for every target of the run, or nothing without `--shape`. */
export async function prepareShapeScoring(mask: RgbImage, targets: string[], options: ShapeScoreOptions, io: Io): Promise<ShapeScoring | undefined> {
  if (!options.shape) {
    for (const name of ["gradient", "zgap", "zgapRadius", "lut"] as const) {
      if (options[name] !== undefined) throw new ParameterError(name, `--${name === "zgapRadius" ? "zgap-radius" : name} needs --shape`);
    }
    return undefined;
  }
  const zgapRadius = options.zgapRadius === undefined ? ZGAP_RADIUS : Number(options.zgapRadius);
  if (!Number.isFinite(zgapRadius) || zgapRadius < 0 || zgapRadius > 100) {
    throw new ParameterError("zgapRadius", `--zgap-radius must be a number from 0 to 100, got "${options.zgapRadius}"`);
  }
  for (const name of ["gradient", "zgap"] as const) {
    const path = options[name];
    if (path !== undefined && targets.length > 1 && !(await isFolder(io.cwd, path))) {
      throw new ParameterError(name, `--${name} names one file but there are ${targets.length} targets; give a folder of files named like the targets`);
    }
  }
  const { lut } = await resolveShapeLut(io.cwd, options.lut, io);
  return { prepared: prepareShapeQuery(mask, defaultShapeParams, lut), options, zgapRadius, cwd: io.cwd };
}

export interface ShapeScoring {
  prepared: PreparedShapeQuery;
  options: ShapeScoreOptions;
  zgapRadius: number;
  cwd: string;
}

/** The shape score of one target, with its variant files when given. */
export async function scoreTargetShape(scoring: ShapeScoring, targetPath: string, target: RgbImage): Promise<ShapeScore> {
  const { options } = scoring;
  const gradientPath = options.gradient === undefined ? undefined : await variantPath(scoring.cwd, options.gradient, targetPath, [".png"]);
  const zgapPath = options.zgap === undefined ? undefined : await variantPath(scoring.cwd, options.zgap, targetPath, [".tif", ".tiff", ".png"]);
  const gradient: Gray16Image | undefined = gradientPath === undefined ? undefined : decodeGray16Png(new Uint8Array(await readFile(gradientPath)), { name: gradientPath });
  const zgap = zgapPath === undefined ? undefined : await decodeImageFile(zgapPath);
  return scoreShape(scoring.prepared, shapeTargetFromImages(target, scoring.prepared.params, { gradient, zgap, zgapRadius: scoring.zgapRadius }));
}

/** Adds normalizedScore across the run's rows (the precompute normalises per mask over its scored set). */
export function withNormalizedScores<T extends { matchingPixels: number; shape: ShapeScore }>(rows: T[]): (Omit<T, "shape"> & ShapeFields)[] {
  const maxPixels = Math.max(0, ...rows.map((r) => r.matchingPixels));
  const maxShape = Math.max(0, ...rows.map((r) => r.shape.shapeScore));
  return rows.map(({ shape, ...row }) => ({
    ...row,
    gradientAreaGap: shape.gradientAreaGap,
    highExpressionArea: shape.highExpressionArea,
    shapeScore: shape.shapeScore,
    shapeMirrored: shape.mirrored,
    normalizedScore: normalizedScore(row.matchingPixels, shape.shapeScore, maxPixels, maxShape),
  }));
}

async function isFolder(cwd: string, path: string): Promise<boolean> {
  return stat(resolve(cwd, path)).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** A variant file: the path itself, or in a folder the file named like the target. */
async function variantPath(cwd: string, option: string, targetPath: string, extensions: string[]): Promise<string> {
  const path = resolve(cwd, option);
  if (!(await isFolder(cwd, option))) return path;
  const name = basename(targetPath, extname(targetPath));
  for (const ext of extensions) {
    const candidate = join(path, name + ext);
    if (await stat(candidate).then((s) => s.isFile(), () => false)) return candidate;
  }
  throw new ParameterError("variant", `no ${name}${extensions.join("|")} in ${option}`);
}
