import { UserInputError } from "../errors.ts";
import { sniffImageFormat } from "../image/image-format.ts";
import type { SearchItem } from "../entities/search.ts";
import { readDescriptor, type LibraryDescriptor } from "../library/library-manifest.ts";
import { LibraryFormatError } from "../library/shard-format.ts";
import { MAX_LIBRARIES_PER_SEARCH } from "../library/library-union.ts";
import { planLibraryBatchRules, type BatchPlanOptions, type BatchRule } from "../planning/batch-plan.ts";
import { BlobNotFoundError, type BlobStore } from "../ports/blob-store.ts";
import { defaultSearchParams } from "../search-params.ts";
import { readShapeLibraryInfo } from "../shape/shape-stage.ts";
import { MAX_CUSTOM_RESULTS } from "../results/combine-batches.ts";
import type { SearchSpec } from "./search-job.ts";
import type { StateStore } from "../state/service.ts";
import { checkMask, type MaskCheck } from "./check-mask.ts";
import { UploadRejectedError } from "./pipeline-errors.ts";
import type { LibraryStores } from "./pipeline-ports.ts";
import { readUploadParameters } from "./read-upload-parameters.ts";
import { DEFAULT_MASK_MAX_BYTES, readUserInput } from "./read-user-input.ts";
import { submissionTagOf, uploadLocationOf, uploadSettingsOf, type SubmissionTag, type UploadLocation, type UploadSettings } from "./upload-settings.ts";

/** An object that landed in the upload bucket (from S3's `Object Created`, or the watched folder). */
export interface UploadedObject {
  bucket: string;
  key: string;
  /** Tells a re-upload under the same key from a redelivered event; part of the upload's identity. */
  etag?: string;
}

/** What intake needs. */
export interface AcceptUploadDeps {
  state: Pick<StateStore, "createSearchFromUpload" | "markSearchFailed" | "linkSubmissionSearch">;
  uploads: BlobStore;
  libraries: LibraryStores;
  /** Must be the options dispatch plans with, so both count the same batches. */
  batchPlan?: BatchPlanOptions;
  /** Largest mask file read (default `DEFAULT_MASK_MAX_BYTES`, 64 MiB); a larger one is refused unread. */
  maskMaxBytes?: number;
  /** Decodes the mask (default: on this thread); cds dev passes a worker thread's. */
  decodeMask?: MaskCheck["decode"];
}

/** What intake decided: a new search, a refused one (with the reason), or an event seen before. */
export type UploadOutcome =
  | { kind: "accepted"; search: SearchItem }
  | { kind: "rejected"; search: SearchItem; reason: string }
  | { kind: "duplicate"; search: SearchItem };

/**
 * Intake: validates an uploaded mask (its parameters — from the object's metadata, else its
 * sidecar, else the defaults: {@link readUploadParameters} — and that the library exists, the
 * mask decodes, has the library's size and is not empty after thresholding) and creates its `Search` — once per
 * upload, however often the event arrives. A refused upload still gets a search record, marked
 * failed with a reason a person can act on, so `cds status` and webhooks can show it.
 * An upload that `cds submit` tagged with a submission (`submissionId` in its parameters) is linked to its
 * submission's mask, accepted or refused, so the submission learns how each of its masks ended.
 * Only a {@link UserInputError} (bad mask, sidecar or parameters; an input too large or not a
 * regular file) refuses the upload; errors that are not about the input (the state store is
 * down, the bucket fails) are thrown, for a retry.
 *
 * @example
 * const outcome = await acceptUpload({ bucket: "uploads", key: "lm/mask.png" }, { state, uploads, libraries });
 * if (outcome.kind === "accepted") await bus.publish([searchAcceptedEntry(outcome.search)]);
 */
export async function acceptUpload(upload: UploadedObject, deps: AcceptUploadDeps): Promise<UploadOutcome> {
  const uploadKey = `${upload.bucket}/${upload.key}${upload.etag ? `#${upload.etag}` : ""}`;
  let checked: CheckedUpload;
  const seen: { submission?: SubmissionTag } = {};
  try {
    checked = await checkUpload(upload.key, deps, seen);
  } catch (error) {
    // Only the user's fault becomes Search Failed; anything else (state, bucket) is thrown and retried.
    if (!(error instanceof UserInputError)) throw error;
    return reject(uploadKey, upload.key, error.message, deps, seen.submission);
  }
  const { settings, descriptors, rules } = checked;
  const { search, created } = await deps.state.createSearchFromUpload({
    uploadKey,
    library: descriptors.map((d) => d.name).join(","),
    libraries: descriptors.map((d) => ({ name: d.name, build: d.buildId, count: d.count })),
    maskKey: upload.key,
    spec: specOfUpload(settings),
    batchCount: rules.reduce((n, r) => n + r.batchCount, 0),
    batchSize: rules.reduce((n, r) => Math.max(n, r.batchSize), 0),
    targetCount: descriptors.reduce((n, d) => n + d.count, 0),
  });
  // Also for a redelivered event: the attempt that created the search may have died before this.
  if (settings.submission) await deps.state.linkSubmissionSearch({ ...settings.submission, searchId: search.searchId });
  return created ? { kind: "accepted", search } : { kind: "duplicate", search };
}

interface CheckedUpload {
  location: UploadLocation;
  settings: UploadSettings;
  /** The searched libraries' descriptors, the folder's first. */
  descriptors: LibraryDescriptor[];
  rules: BatchRule[];
}

/** Checks an upload; `seen.submission` is set as soon as its parameters name one, even if a later check fails. */
async function checkUpload(key: string, deps: AcceptUploadDeps, seen: { submission?: SubmissionTag }): Promise<CheckedUpload> {
  const location = uploadLocationOf(key);
  const { sidecar } = await readUploadParameters(deps.uploads, key);
  seen.submission = submissionTagOf(sidecar);
  const settings = uploadSettingsOf(sidecar);
  // The folder's library first, then the sidecar's others: one numbering, one ranking.
  const names = [location.library, ...(settings.libraries ?? []).filter((n) => n !== location.library)];
  if (names.length > MAX_LIBRARIES_PER_SEARCH) {
    throw new UploadRejectedError(`the sidecar names ${names.length} libraries with the folder's; one search covers at most ${MAX_LIBRARIES_PER_SEARCH}`);
  }
  const descriptors = await Promise.all(names.map((name) => searchableDescriptor(name, name === location.library, settings, deps)));
  const [first] = descriptors;
  const odd = descriptors.find((d) => d.width !== first.width || d.height !== first.height);
  if (odd) {
    throw new UploadRejectedError(`the library "${odd.name}" holds ${odd.width}×${odd.height} images and "${first.name}" ${first.width}×${first.height}: one search covers libraries of one template space`);
  }
  const library = { name: location.library, width: first.width, height: first.height };
  const bytes = await readUserInput(deps.uploads, key, {
    maxBytes: deps.maskMaxBytes ?? DEFAULT_MASK_MAX_BYTES,
    what: `the mask ${location.fileName}`,
    checkHead: (head) => void sniffImageFormat(head, location.fileName),
  }).catch((error: unknown) => {
    // Removed before intake read it: nothing to search, however often it is retried.
    if (error instanceof BlobNotFoundError) throw new UploadRejectedError(`the mask ${location.fileName} was removed before it could be searched`, { cause: error });
    throw error;
  });
  await checkMask(bytes, { fileName: location.fileName, library, params: settings.params, decode: deps.decodeMask });
  return { location, settings, descriptors, rules: planLibraryBatchRules(descriptors, deps.batchPlan) };
}

/** A library a search names, read and checked: it exists, and has shape data when the search ranks by shape. */
async function searchableDescriptor(name: string, isFolder: boolean, settings: UploadSettings, deps: AcceptUploadDeps): Promise<LibraryDescriptor> {
  let descriptor: LibraryDescriptor;
  try {
    descriptor = await readDescriptor(deps.libraries(name));
  } catch (error) {
    if (!(error instanceof LibraryFormatError)) throw error;
    const named = isFolder ? "(the upload's folder name)" : "(named in the sidecar's libraries)";
    throw new UploadRejectedError(`there is no usable library named "${name}" ${named}: ${error.message}`, { cause: error });
  }
  if (settings.shape && !(await readShapeLibraryInfo(deps.libraries(name), descriptor.buildId))) {
    throw new UploadRejectedError(
      `rank "shape" needs shape data, and the library "${name}" was indexed without it: re-index it with \`cds library index … --with-shape\`, or leave rank out of the sidecar`,
    );
  }
  return descriptor;
}

async function reject(uploadKey: string, key: string, reason: string, deps: AcceptUploadDeps, submission?: SubmissionTag): Promise<UploadOutcome> {
  const { search, created } = await deps.state.createSearchFromUpload({
    uploadKey,
    library: key.split("/")[0] || "(none)",
    maskKey: key,
    spec: { params: defaultSearchParams, top: MAX_CUSTOM_RESULTS, ...(submission ? { submission } : {}) },
    batchCount: 1,
    batchSize: 1,
    targetCount: 0,
  });
  if (submission) await deps.state.linkSubmissionSearch({ ...submission, searchId: search.searchId });
  // A search still `accepted` here was refused by an attempt that died before marking it failed.
  if (!created && search.status !== "accepted") return { kind: "duplicate", search };
  const failed = await deps.state.markSearchFailed(search.searchId, { reason, stage: "intake" });
  return { kind: "rejected", search: failed, reason };
}

/** The typed spec of an upload's settings (what the search stores and runs with): all but the libraries, which the search records as read. */
export function specOfUpload(settings: UploadSettings): SearchSpec {
  const { libraries: _, ...spec } = settings;
  return spec;
}
