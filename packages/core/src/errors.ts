/**
 * One base error for the core package. Subclasses set `name`, carry the data a caller
 * branches on, and keep the original `cause`. Their messages are written for a person:
 * user-input errors become the reason of a `Search Failed` event unchanged.
 */
export class CdsError extends Error {
  override name = "CdsError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The user's input is at fault — a mask that is not an image or has the wrong size, a sidecar
 * that is not JSON, a parameter out of range, a file too large or not a regular file — and
 * trying again will not change that. Intake turns exactly these into `Search Failed`; every
 * other error (the state store or a bucket failing) is ours, and is thrown so the step is
 * retried.
 *
 * @example
 * try { await checkUpload(key) } catch (e) { if (!(e instanceof UserInputError)) throw e; fail(e.message) }
 */
export class UserInputError extends CdsError {
  override name = "UserInputError";
}

/** What went wrong while decoding an image, for callers that branch on it. */
export type ImageDecodeProblem =
  | "not-an-image"
  | "truncated"
  | "unsupported"
  | "too-large"
  | "corrupt";

/**
 * An image could not be decoded.
 *
 * @example
 * try { await decodeImage(bytes) } catch (e) { if (e instanceof ImageDecodeError && e.problem === "too-large") console.error(e.message); }
 */
export class ImageDecodeError extends UserInputError {
  override name = "ImageDecodeError";
  readonly problem: ImageDecodeProblem;
  constructor(problem: ImageDecodeProblem, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.problem = problem;
  }
}

/** A search or scoring parameter is out of range or of the wrong type. */
export class ParameterError extends UserInputError {
  override name = "ParameterError";
  /** The parameter's name as the user wrote it (e.g. `xyShift`). */
  readonly parameter: string;
  constructor(parameter: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.parameter = parameter;
  }
}

/** Two images that must share a size do not (e.g. a mask and a target). */
export class ImageSizeMismatchError extends UserInputError {
  override name = "ImageSizeMismatchError";
  readonly expected: { width: number; height: number };
  readonly actual: { width: number; height: number };
  constructor(
    expected: { width: number; height: number },
    actual: { width: number; height: number },
    what: string,
  ) {
    super(
      `${what} is ${actual.width}×${actual.height} but ${expected.width}×${expected.height} was expected; ` +
        `colour-depth MIPs must be aligned to the same template space`,
    );
    this.expected = expected;
    this.actual = actual;
  }
}
