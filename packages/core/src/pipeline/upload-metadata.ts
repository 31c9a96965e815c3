import { UploadMetadataTooLargeError, UploadRejectedError } from "./pipeline-errors.ts";

/**
 * The one user-metadata key (`x-amz-meta-cds-settings` on the wire) that carries an upload's
 * parameters in the cloud, where `cds submit --stage` writes no sidecar.
 */
export const UPLOAD_SETTINGS_METADATA_KEY = "cds-settings";

/**
 * What S3 allows of user-defined metadata on one object: 2 KB, counted as the UTF-8 bytes of
 * every key and value (PutObject and CreateMultipartUpload refuse more).
 */
export const S3_METADATA_MAX_BYTES = 2048;

/**
 * The object metadata that carries a sidecar's keys: one key holding the sidecar's JSON in
 * base64url. One key rather than one per parameter because S3 lowercases metadata keys
 * (`maskThreshold` would come back `maskthreshold`), keeps only strings (a number or boolean
 * would need typing back), and takes only US-ASCII values (anything else comes back
 * RFC 2047-encoded); base64url JSON round-trips the sidecar exactly, so intake parses it with
 * the same `uploadSettingsOf` as a sidecar file. Throws {@link UploadMetadataTooLargeError} when
 * the encoding would not fit S3's 2 KB.
 *
 * @example
 * uploadMetadataOf({ xyShift: 0, submissionId: "sub-5b0c…", submissionMaskId: "9c1e…" })
 * // { "cds-settings": "eyJ4eVNoaWZ0IjowLC…" }
 */
export function uploadMetadataOf(sidecar: Readonly<Record<string, unknown>>): Record<string, string> {
  const value = Buffer.from(JSON.stringify(sidecar), "utf8").toString("base64url");
  const bytes = Buffer.byteLength(UPLOAD_SETTINGS_METADATA_KEY) + value.length;
  if (bytes > S3_METADATA_MAX_BYTES) throw new UploadMetadataTooLargeError(bytes, S3_METADATA_MAX_BYTES);
  return { [UPLOAD_SETTINGS_METADATA_KEY]: value };
}

/**
 * The sidecar an upload's metadata carries, or undefined when it carries none (an upload made
 * by hand, or by something else that sets its own metadata): the caller then looks for a
 * sidecar file. Metadata keys are compared case-insensitively, as S3 treats them. Throws
 * {@link UploadRejectedError} when the value is not base64url JSON.
 *
 * @example
 * sidecarOfMetadata({ "cds-settings": "eyJ4eVNoaWZ0IjowfQ" }) // { xyShift: 0 }
 * sidecarOfMetadata({})                                       // undefined
 */
export function sidecarOfMetadata(metadata: Readonly<Record<string, string>> | undefined): unknown {
  const entry = Object.entries(metadata ?? {}).find(([key]) => key.toLowerCase() === UPLOAD_SETTINGS_METADATA_KEY);
  if (!entry) return undefined;
  const [, value] = entry;
  try {
    if (!/^[A-Za-z0-9_-]*$/.test(value)) throw new Error("not base64url");
    return JSON.parse(Buffer.from(value, "base64url").toString("utf8")) as unknown;
  } catch (error) {
    throw new UploadRejectedError(
      `the upload's ${UPLOAD_SETTINGS_METADATA_KEY} metadata is not base64url JSON (${(error as Error).message}); upload it again with \`cds submit --stage\``,
      { cause: error },
    );
  }
}
