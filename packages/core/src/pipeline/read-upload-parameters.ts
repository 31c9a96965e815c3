import { BlobNotFoundError, type BlobStore } from "../ports/blob-store.ts";
import { UploadRejectedError } from "./pipeline-errors.ts";
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
 * the one found is unreadable.
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
    bytes = await uploads.get(sidecarKey);
  } catch (error) {
    if (error instanceof BlobNotFoundError) return { sidecar: undefined, source: "defaults" };
    throw error;
  }
  try {
    return { sidecar: JSON.parse(new TextDecoder().decode(bytes)) as unknown, source: "sidecar" };
  } catch (error) {
    throw new UploadRejectedError(`the parameters sidecar ${sidecarKey} is not valid JSON (${(error as Error).message})`, { cause: error });
  }
}
