import { CdsError } from "../errors.ts";

/**
 * An upload cannot become a running search. The message is the `Search Failed` reason, written
 * for the person who dropped the file.
 *
 * @example
 * throw new UploadRejectedError("the mask is empty: no pixel is brighter than maskThreshold 100");
 */
export class UploadRejectedError extends CdsError {
  override name = "UploadRejectedError";
}
