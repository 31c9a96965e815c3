import { UserInputError } from "../errors.ts";

/**
 * An upload cannot become a running search. The message is the `Search Failed` reason, written
 * for the person who dropped the file.
 *
 * @example
 * throw new UploadRejectedError("the mask is empty: no pixel is brighter than maskThreshold 100");
 */
export class UploadRejectedError extends UserInputError {
  override name = "UploadRejectedError";
}

/**
 * An upload's parameters do not fit in S3's user-defined metadata (2 KB for all keys and values
 * together), so the cloud could not carry them with the mask. `cds submit` rejects such a mask
 * before uploading anything.
 *
 * @example
 * try { uploadMetadataOf(sidecar) } catch (e) { if (e instanceof UploadMetadataTooLargeError) console.error(e.bytes, e.limit) }
 */
export class UploadMetadataTooLargeError extends UploadRejectedError {
  override name = "UploadMetadataTooLargeError";
  readonly bytes: number;
  readonly limit: number;
  constructor(bytes: number, limit: number) {
    super(
      `the mask's parameters take ${bytes} bytes as S3 object metadata, over the ${limit} bytes S3 allows an object: ` +
        `shorten its longest values (a notifyEmail?)`,
    );
    this.bytes = bytes;
    this.limit = limit;
  }
}
