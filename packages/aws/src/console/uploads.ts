import { randomUUID } from "node:crypto";
import { CdsError, ParameterError } from "@cds/core";
import { LibraryFormatError, readDescriptor } from "@cds/core/library";
import {
  DEFAULT_MASK_MAX_BYTES,
  uploadFormSidecar,
  uploadMetadataOf,
  uploadSettingsOf,
  type LibraryStores,
  type UploadSettings,
} from "@cds/core/pipeline";
import type { StateStore } from "@cds/core/state";
import { canonicalSettings } from "@cds/core/submission";
import { maskImageSuffixes } from "@cds/events";
import type { ConsoleTable } from "./console-table.ts";
import { json, refused, type HttpResult } from "./http.ts";
import { consoleSubmissionId } from "./owner.ts";

/** The largest mask the console takes: intake's own default limit, as in `cds dev`'s console. */
export const MAX_MASK_BYTES = DEFAULT_MASK_MAX_BYTES;

/** How long a presigned upload URL may be used: long enough for a slow connection to send 32 MiB. */
export const UPLOAD_URL_SECONDS = 15 * 60;

/** The content type each mask file ending is uploaded with (and signed as). */
const contentTypes: Record<(typeof maskImageSuffixes)[number], string> = {
  ".png": "image/png",
  ".tif": "image/tiff",
  ".tiff": "image/tiff",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
};

/** Signs a PUT of `key` to the uploads bucket with exactly these headers. */
export type PresignPut = (key: string, headers: Record<string, string>) => URL;

/** What {@link requestUpload} needs. */
export interface RequestUploadDeps {
  libraries: LibraryStores;
  state: Pick<StateStore, "recordSubmission" | "recordSubmissionMask">;
  table: Pick<ConsoleTable, "recordUpload">;
  presignPut: PresignPut;
  now?: () => Date;
}

/**
 * `POST /api/uploads`: checks an upload the way intake will before anything is uploaded (the
 * parameters with intake's own `uploadSettingsOf`, the file name, the size, that the library
 * exists), records it as a one-mask submission of the signed-in user, and answers with a
 * presigned PUT to the uploads bucket. The PUT carries the parameters as the object metadata
 * `cds submit --stage` writes (`uploadMetadataOf`), signed together with the content type and
 * length, so the browser can upload nothing else and nothing bigger; intake then runs as for
 * any upload. A bad request is a 400 with the reason and the form field.
 *
 * @example
 * await requestUpload(sub, { library: "lm", fileName: "lc4.png", bytes: 41_233, params: { xyShift: 4 } }, deps)
 */
export async function requestUpload(owner: string, body: unknown, deps: RequestUploadDeps): Promise<HttpResult> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return refused(400, "the request must be a JSON object with library, fileName, bytes and params");
  const { library, fileName, bytes, params, notifyEmail } = body as Record<string, unknown>;

  if (typeof library !== "string" || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(library)) {
    return refused(400, "choose a library (a name of letters, digits, '.', '_' or '-')", "library");
  }
  if (typeof fileName !== "string" || fileName.length === 0 || fileName.length > 200 || /[/\\\u0000-\u001f]/.test(fileName)) {
    return refused(400, "the mask's file name must be 1 to 200 characters, without '/', '\\' or control characters", "fileName");
  }
  const suffix = maskImageSuffixes.find((ending) => fileName.toLowerCase().endsWith(ending));
  if (!suffix) return refused(400, `the mask must be a PNG, TIFF or JPEG file (${maskImageSuffixes.join(", ")}), got "${fileName}"`, "fileName");
  if (typeof bytes !== "number" || !Number.isInteger(bytes) || bytes < 1) return refused(400, "the mask's size in bytes must be a whole number above 0", "bytes");
  if (bytes > MAX_MASK_BYTES) return refused(400, `the mask is ${bytes} bytes, over the ${MAX_MASK_BYTES} bytes (64 MiB) a mask may have`, "bytes");
  const checked = checkUploadParameters(params, notifyEmail);
  if ("refusal" in checked) return checked.refusal;
  const { settings } = checked;

  let count: number;
  try {
    ({ count } = await readDescriptor(deps.libraries(library)));
  } catch (error) {
    if (!(error instanceof LibraryFormatError)) throw error;
    return refused(400, `there is no library named "${library}" on this stage`, "library");
  }

  const submissionId = consoleSubmissionId(owner);
  const maskId = randomUUID().replaceAll("-", "");
  let metadata: Record<string, string>;
  try {
    metadata = uploadMetadataOf({ ...canonicalSettings(settings), submissionId, submissionMaskId: maskId });
  } catch (error) {
    if (!(error instanceof CdsError)) throw error;
    return refused(400, error.message, "params");
  }
  const key = `${library}/${submissionId}-${safeStem(fileName, suffix)}${suffix}`;
  const createdAt = (deps.now?.() ?? new Date()).toISOString();

  // The submission first, as `cds submit` does: intake links the search to its mask, and the
  // user's list finds the search through it.
  await deps.state.recordSubmission({ submissionId, library, targetCount: count, maskCount: 1, rejected: [], notifyEmail: settings.notifyEmail, createdAt });
  await deps.state.recordSubmissionMask(submissionId, { maskId, position: 0, name: fileName.slice(0, -suffix.length), sourceFile: fileName, uploadKey: key });
  await deps.table.recordUpload(owner, { submissionId, maskId, key, library, createdAt });

  // content-length is signed but not returned: a browser sets it from the body and refuses to be told.
  const headers = Object.fromEntries(Object.entries(metadata).map(([name, value]) => [`x-amz-meta-${name}`, value]));
  const signed = { "content-type": contentTypes[suffix], ...headers };
  const url = deps.presignPut(key, { ...signed, "content-length": String(bytes) });
  return json(200, { key, put: { url: url.toString(), method: "PUT", headers: signed } });
}

/** The file name without its ending, as a key both S3 and an upload folder take. */
function safeStem(fileName: string, suffix: string): string {
  return fileName.slice(0, -suffix.length).replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._-]+/, "").slice(0, 80) || "mask";
}

/**
 * The search parameters of an upload, checked with intake's own `uploadSettingsOf` (and the
 * keys a person may not set refused), or a 400 naming the field. `POST /api/params/check` and
 * `POST /api/uploads` both answer with it.
 *
 * @example
 * const checked = checkUploadParameters({ xyShift: 3 }, undefined); // { refusal: 400 … field "xyShift" }
 */
export function checkUploadParameters(params: unknown, notifyEmail: unknown): { settings: UploadSettings } | { refusal: HttpResult } {
  try {
    // The console's one form check (core), shared with `cds dev`'s console.
    return { settings: uploadSettingsOf(uploadFormSidecar({ params, notifyEmail })) };
  } catch (error) {
    if (error instanceof ParameterError) return { refusal: refused(400, error.message, error.parameter) };
    if (error instanceof CdsError) return { refusal: refused(400, error.message) };
    throw error;
  }
}

