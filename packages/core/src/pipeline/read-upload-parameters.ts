import { BlobNotFoundError, type BlobStore } from "../ports/blob-store.ts";
import { UploadRejectedError } from "./pipeline-errors.ts";
import { readUserInput, SIDECAR_MAX_BYTES } from "./read-user-input.ts";
import { sidecarOfMetadata } from "./upload-metadata.ts";
import { uploadLocationOf } from "./upload-settings.ts";

/** Where an upload's parameters were found. */
export type UploadParametersSource = "metadata" | "sidecar" | "defaults";

/**
 * The sidecar keys an upload is searched with, and where they came from: the object's own
 * metadata when the store keeps metadata and the upload carries ours (`cds submit --stage`
 * writes it there), else the sidecar file `<key>.json` beside it (the upload folder, or a
 * person's upload to the bucket), else none (`undefined`: the defaults). Metadata wins because
 * it is written in the same request as the mask, so it cannot belong to an earlier upload
 * under the same key the way a left-over sidecar can. Throws {@link UploadRejectedError} when
 * the one found is unreadable, and `InputRefusedError` when the sidecar is not a regular file or
 * is over {@link SIDECAR_MAX_BYTES}; no message quotes the sidecar's content.
 *
 * @example
 * const { sidecar, source } = await readUploadParameters(uploads, "lm/sub-5b0c-0000-lc4.tif");
 * const settings = uploadSettingsOf(sidecar);
 */
export async function readUploadParameters(uploads: BlobStore, key: string): Promise<{ sidecar: unknown; source: UploadParametersSource }> {
  if (uploads.metadata) {
    const carried = sidecarOfMetadata(await uploads.metadata(key));
    if (carried !== undefined) return { sidecar: carried, source: "metadata" };
  }
  const sidecarKey = uploadLocationOf(key).sidecarKey;
  let bytes: Uint8Array;
  try {
    // A regular file of at most 64 KiB: a sidecar linked to /dev/zero or a huge file is refused unread.
    bytes = await readUserInput(uploads, sidecarKey, { maxBytes: SIDECAR_MAX_BYTES, what: `the parameters sidecar ${sidecarKey}` });
  } catch (error) {
    if (error instanceof BlobNotFoundError) return { sidecar: undefined, source: "defaults" };
    throw error;
  }
  try {
    return { sidecar: JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as unknown, source: "sidecar" };
  } catch (error) {
    // Not the parser's message: it quotes the text, and the text may be any file's.
    const why = bytes.byteLength === 0 ? "it is empty" : error instanceof TypeError ? "it is not UTF-8 text" : "check its syntax, e.g. with `jq . <file>`";
    throw new UploadRejectedError(`the parameters sidecar ${sidecarKey} is not valid JSON (${why})`, { cause: error });
  }
}
