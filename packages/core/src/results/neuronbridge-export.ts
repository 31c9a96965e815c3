import { CdsError } from "../errors.ts";
import type { ResultEntry, ResultsDocument } from "./results-document.ts";

// NeuronBridge's data model for the results of a custom search (`CustomMatches` in the
// neuronbridge-python model, published as JSON Schema in neuronbridge-data). Only the parts a
// colour-depth search fills are typed here.

/** `Files` of an image or match: `store` names the data store relative paths resolve against. */
export type NeuronBridgeFiles = { store: string; CDM?: string; CDMInput?: string; CDMMatch?: string };

type ImageCommon = { id: string; libraryName: string; publishedName: string; alignmentSpace: string; anatomicalArea: string; gender: "m" | "f"; files: NeuronBridgeFiles };
export type NeuronBridgeLMImage = ImageCommon & { type: "LMImage"; slideCode: string; objective: string; channel?: number };
export type NeuronBridgeEMImage = ImageCommon & { type: "EMImage" };

export type NeuronBridgeCDSMatch = {
  type: "CDSMatch";
  image: NeuronBridgeLMImage | NeuronBridgeEMImage;
  files: NeuronBridgeFiles;
  mirrored: boolean;
  normalizedScore: number;
  matchingPixels: number;
};

export type NeuronBridgeCustomMatches = {
  inputImage: { filename: string; alignmentSpace: string; anatomicalArea: string; files: NeuronBridgeFiles };
  results: NeuronBridgeCDSMatch[];
};

/** A required NeuronBridge field that the library's metadata cannot fill, and for which targets. */
export interface MissingNeuronBridgeField {
  field: string;
  /** Target names (all of them; the message shows the first few). */
  targets: string[];
}

/** The export needs fields the library does not know; the message names them and the targets. */
export class NeuronBridgeExportError extends CdsError {
  override name = "NeuronBridgeExportError";
  readonly missing: MissingNeuronBridgeField[];
  constructor(missing: MissingNeuronBridgeField[]) {
    super(
      `cannot write NeuronBridge's CustomMatches: the library's metadata does not give ${missing
        .map((m) => `${m.field} for ${m.targets.length} target${m.targets.length === 1 ? "" : "s"} (${m.targets.slice(0, 3).join(", ")}${m.targets.length > 3 ? ", …" : ""})`)
        .join("; ")}. ` + "Index the library with NeuronBridge file names or `--metadata <csv|json>`, or pass the mask's fields as options.",
    );
    this.missing = missing;
  }
}

/** What the mask's own record needs and a results document does not hold. */
export interface NeuronBridgeExportOptions {
  /** The mask's alignment space; default: the one every match shares. */
  alignmentSpace?: string;
  /** The mask's anatomical area; default: the one every match shares. */
  anatomicalArea?: string;
  /** `files.store`; default each match's library name (the searched library's for the mask). */
  store?: string;
}

/**
 * Converts a results document to NeuronBridge's `CustomMatches`: the mask as `inputImage`, each
 * match as a `CDSMatch` whose `image` is an `LMImage` (a NeuronBridge LM name: line, slide code,
 * gender, objective, area, template) or an `EMImage` (a body id). Scores are copied as they are:
 * `matchingPixels`, and `normalizedScore` equal to it, as NeuronBridge's custom search sets it.
 * No value is invented: a required field the metadata lacks throws {@link NeuronBridgeExportError}
 * naming the field and the targets.
 *
 * @example
 * const customMatches = toNeuronBridgeCustomMatches(document);
 * await writeFile("matches.json", JSON.stringify(customMatches, null, 2));
 */
export function toNeuronBridgeCustomMatches(document: ResultsDocument, options: NeuronBridgeExportOptions = {}): NeuronBridgeCustomMatches {
  const storeOf = (r: ResultEntry) => options.store ?? r.library ?? document.library.name;
  const missing = new Map<string, string[]>();
  const lack = (field: string, target: string) => missing.set(field, [...(missing.get(field) ?? []), target]);
  const results = document.results.map((r) => {
    const image = imageOf(r, r.library ?? document.library.name, storeOf(r), lack);
    return {
      type: "CDSMatch" as const,
      image,
      files: { store: storeOf(r), CDMInput: document.mask.key, CDMMatch: r.sourcePath },
      mirrored: r.mirrored,
      normalizedScore: r.normalizedScore,
      matchingPixels: r.matchingPixels,
    };
  });
  const shared = (pick: (r: ResultEntry) => string | null) => {
    const values = new Set(document.results.map(pick));
    return values.size === 1 ? ([...values][0] ?? undefined) : undefined;
  };
  const alignmentSpace = options.alignmentSpace ?? shared((r) => r.alignmentSpace);
  const anatomicalArea = options.anatomicalArea ?? shared((r) => r.anatomicalArea);
  if (!alignmentSpace) lack("inputImage.alignmentSpace (matches disagree or none give it; pass --alignment-space)", document.mask.name);
  if (!anatomicalArea) lack("inputImage.anatomicalArea (matches disagree or none give it; pass --anatomical-area)", document.mask.name);
  if (missing.size > 0) throw new NeuronBridgeExportError([...missing].map(([field, targets]) => ({ field, targets })));
  return {
    inputImage: { filename: document.mask.name, alignmentSpace: alignmentSpace!, anatomicalArea: anatomicalArea!, files: { store: options.store ?? document.library.name, CDM: document.mask.key } },
    results,
  };
}

function imageOf(r: ResultEntry, libraryName: string, store: string, lack: (field: string, target: string) => void): NeuronBridgeLMImage | NeuronBridgeEMImage {
  const isLm = r.slideCode !== null || r.objective !== null;
  const required: (keyof ResultEntry)[] = ["publishedName", "alignmentSpace", "anatomicalArea", "gender", ...(isLm ? (["slideCode", "objective"] as const) : [])];
  for (const field of required) if (r[field] === null) lack(`${isLm ? "LMImage" : "EMImage"}.${field}`, r.name);
  const gender: "m" | "f" | undefined = r.gender === "m" || r.gender === "f" ? r.gender : undefined;
  if (r.gender !== null && !gender) lack(`${isLm ? "LMImage" : "EMImage"}.gender (must be m or f)`, r.name);
  const common: ImageCommon = {
    id: r.name,
    libraryName,
    publishedName: r.publishedName ?? "",
    alignmentSpace: r.alignmentSpace ?? "",
    anatomicalArea: r.anatomicalArea ?? "",
    gender: gender ?? "f",
    files: { store, CDM: r.sourcePath },
  };
  if (!isLm) return { ...common, type: "EMImage" };
  const channel = r.channel !== null && /^\d+$/.test(r.channel) ? Number(r.channel) : undefined;
  return { ...common, type: "LMImage", slideCode: r.slideCode ?? "", objective: r.objective ?? "", ...(channel !== undefined ? { channel } : {}) };
}
