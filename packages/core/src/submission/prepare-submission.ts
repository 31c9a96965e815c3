import { UserInputError } from "../errors.ts";
import { checkMask } from "../pipeline/check-mask.ts";
import { uploadMetadataOf } from "../pipeline/upload-metadata.ts";
import { uploadSettingsOf, type UploadSettings } from "../pipeline/upload-settings.ts";
import { canonicalSettings, maskIdOf, submissionIdOf } from "./mask-identity.ts";

/** One mask as the submitter gave it: its file, a name, its bytes and its own sidecar keys. */
export interface SubmissionInput {
  /** The file as given (for messages and the summary). */
  file: string;
  /** What the summary calls it: a manifest's `name`, else the file name without its extension. */
  name: string;
  bytes: Uint8Array;
  /** NeuronBridge-style keys (the command's options, overridden by a manifest row's). */
  sidecar: Record<string, unknown>;
}

/** A mask that passed the checks, with where it goes and what goes beside it. */
export interface PlannedMask {
  maskId: string;
  position: number;
  name: string;
  sourceFile: string;
  /** `<library>/<submissionId>-<position>-<name><ext>` in the upload bucket. */
  uploadKey: string;
  /** Resolved parameters and the submission tag: uploaded as the sidecar `<uploadKey>.json`, or as the mask's object metadata. */
  sidecar: Record<string, string | number | boolean>;
  bytes: Uint8Array;
  settings: UploadSettings;
}

/** A mask that will not be searched, and why. */
export interface RejectedMask {
  name: string;
  file: string;
  reason: string;
}

/** What `cds submit` will do: the checked masks of one submission, and the ones left out. */
export interface SubmissionPlan {
  submissionId: string;
  library: string;
  /** Targets each search scores (the library's size). */
  targetCount: number;
  masks: PlannedMask[];
  rejected: RejectedMask[];
  /** Masks given twice (same bytes, same parameters): searched once, under the first name. */
  duplicates: { name: string; file: string; sameAs: string }[];
}

/** The library a submission searches: its name, image size and target count. */
export interface SubmissionLibrary {
  name: string;
  width: number;
  height: number;
  count: number;
}

/**
 * Checks every mask of a submission the way intake will (parameters, decodes, the library's
 * size, not empty after thresholding; its parameters fit in S3 object metadata) and plans the rest: each mask's identity, upload key and
 * sidecar, and the submission's id. A bad mask is listed in `rejected` with the reason, and the
 * others go on. No I/O: the caller has read the files.
 *
 * @example
 * const plan = await prepareSubmission(inputs, { name: "lm", width: 1210, height: 566, count: 50_000 });
 * for (const bad of plan.rejected) console.log(`${bad.file}: ${bad.reason}`);
 */
export async function prepareSubmission(inputs: readonly SubmissionInput[], library: SubmissionLibrary): Promise<SubmissionPlan> {
  const accepted: Omit<PlannedMask, "position" | "uploadKey" | "sidecar">[] = [];
  const rejected: RejectedMask[] = [];
  const duplicates: SubmissionPlan["duplicates"] = [];
  const seen = new Map<string, string>();
  for (const input of inputs) {
    let settings: UploadSettings;
    try {
      settings = uploadSettingsOf(input.sidecar);
      await checkMask(input.bytes, { fileName: input.file, library, params: settings.params });
    } catch (error) {
      if (!(error instanceof UserInputError)) throw error;
      rejected.push({ name: input.name, file: input.file, reason: error.message });
      continue;
    }
    const maskId = maskIdOf(input.bytes, settings);
    try {
      // Whichever runtime it goes to, a mask's parameters must fit in S3's 2 KB of object
      // metadata, so the same command accepts the same masks (and names the same submission)
      // locally and on a stage. Checked with stand-in ids of the real ids' lengths: the
      // submission's id depends on which masks are accepted.
      uploadMetadataOf({ ...canonicalSettings(settings), submissionId: `sub-${maskId}`, submissionMaskId: maskId });
    } catch (error) {
      if (!(error instanceof UserInputError)) throw error;
      rejected.push({ name: input.name, file: input.file, reason: error.message });
      continue;
    }
    const first = seen.get(maskId);
    if (first !== undefined) {
      duplicates.push({ name: input.name, file: input.file, sameAs: first });
      continue;
    }
    seen.set(maskId, input.name);
    accepted.push({ maskId, name: input.name, sourceFile: input.file, bytes: input.bytes, settings });
  }
  const submissionId = submissionIdOf(library.name, accepted.map((mask) => mask.maskId));
  const width = String(Math.max(0, accepted.length - 1)).length;
  const masks = accepted.map((mask, position) => ({
    ...mask,
    position,
    uploadKey: `${library.name}/${submissionId}-${String(position).padStart(Math.max(4, width), "0")}-${safeFileName(mask.name, mask.sourceFile)}`,
    sidecar: { ...canonicalSettings(mask.settings), submissionId, submissionMaskId: mask.maskId },
  }));
  return { submissionId, library: library.name, targetCount: library.count, masks, rejected, duplicates };
}

/** The mask's name as a file name an upload folder and an S3 key both take, with the file's extension. */
function safeFileName(name: string, file: string): string {
  const extension = /\.[A-Za-z0-9]{1,5}$/.exec(file)?.[0].toLowerCase() ?? "";
  const stem = name.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._-]+/, "").slice(0, 80) || "mask";
  return stem.toLowerCase().endsWith(extension) ? stem : `${stem}${extension}`;
}
