import type { SubmissionItem } from "../entities/submission.ts";
import { uploadMetadataOf } from "../pipeline/upload-metadata.ts";
import type { BlobStore } from "../ports/blob-store.ts";
import type { StateStore } from "../state/service.ts";
import type { PlannedMask, SubmissionPlan } from "./prepare-submission.ts";

/** What {@link submitMasks} needs: the state store and the upload bucket. */
export interface SubmitMasksDeps {
  state: Pick<StateStore, "recordSubmission" | "recordSubmissionMask">;
  uploads: BlobStore;
  /**
   * How each upload carries its parameters: a sidecar file `<key>.json` written first (the
   * upload folder; the default), or the mask object's own metadata, in the same request (S3,
   * where intake reads them with HeadObject). Metadata makes one upload one object: no second
   * `Object Created` event, and no sidecar that can go missing or outlive its mask.
   */
  parametersAs?: "sidecar" | "metadata";
  /** Told after each mask is uploaded (or found uploaded before), for a progress line. */
  onMask?: (mask: PlannedMask, uploaded: boolean) => void;
}

/** What submitting did. */
export interface SubmissionReceipt {
  submission: SubmissionItem;
  /** False when an earlier run had recorded this submission: this run resumed it. */
  created: boolean;
  /** Masks uploaded now. */
  uploaded: PlannedMask[];
  /** Masks an earlier run had uploaded (or whose search exists): not uploaded again. */
  alreadySubmitted: PlannedMask[];
}

/**
 * Records a planned submission and uploads each of its masks with its parameters (a sidecar, or
 * the object's metadata: `deps.parametersAs`) — each mask once,
 * however often the command runs. The submission is recorded first, with the number of masks
 * it will have (so it cannot complete before the last one is in); then, mask by mask in
 * submission order, the mask is listed and its sidecar and image uploaded, unless the mask
 * already has a search or its upload exists. An upload is the one place a search is made from,
 * and its key is fixed by the first run that listed the mask, so a re-run after an interruption
 * uploads only what the interrupted run had not, and no mask becomes two searches.
 *
 * @example
 * const receipt = await submitMasks(plan, { state, uploads }, { notifyEmail: "ada@example.org" });
 * console.log(`${receipt.uploaded.length} uploaded, ${receipt.alreadySubmitted.length} already submitted`);
 */
export async function submitMasks(plan: SubmissionPlan, deps: SubmitMasksDeps, options: { notifyEmail?: string } = {}): Promise<SubmissionReceipt> {
  const { submission, masks, created } = await deps.state.recordSubmission({
    submissionId: plan.submissionId,
    library: plan.library,
    targetCount: plan.targetCount,
    maskCount: plan.masks.length,
    rejected: plan.rejected,
    notifyEmail: options.notifyEmail,
  });
  const listed = new Map(masks.map((mask) => [mask.maskId, mask]));
  const takenKeys = new Set(masks.map((mask) => mask.uploadKey));
  const receipt: SubmissionReceipt = { submission, created, uploaded: [], alreadySubmitted: [] };
  for (const planned of plan.masks) {
    const { maskId, position, name, sourceFile } = planned;
    // A re-run given the files in another order may plan, for a mask not listed yet, the key an
    // earlier run gave another mask: that one keeps it.
    const uploadKey = takenKeys.has(planned.uploadKey) ? planned.uploadKey.replace(/[^/]+$/, (file) => `${maskId.slice(0, 10)}-${file}`) : planned.uploadKey;
    const record = listed.get(maskId) ?? (await deps.state.recordSubmissionMask(plan.submissionId, { maskId, position, name, sourceFile, uploadKey }));
    // The key of the run that listed the mask first, so no mask is uploaded under two keys.
    const mask = { ...planned, uploadKey: record.uploadKey };
    if (record.searchId || (await deps.uploads.exists(mask.uploadKey))) {
      receipt.alreadySubmitted.push(mask);
      deps.onMask?.(mask, false);
      continue;
    }
    if (deps.parametersAs === "metadata") {
      await deps.uploads.put(mask.uploadKey, mask.bytes, { metadata: uploadMetadataOf(mask.sidecar) });
    } else {
      // Sidecar first: the upload of the mask is what starts the search, and intake reads both.
      await deps.uploads.put(`${mask.uploadKey}.json`, new TextEncoder().encode(`${JSON.stringify(mask.sidecar, null, 2)}\n`));
      await deps.uploads.put(mask.uploadKey, mask.bytes);
    }
    receipt.uploaded.push(mask);
    deps.onMask?.(mask, true);
  }
  return receipt;
}
