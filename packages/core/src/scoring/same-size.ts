import { ImageSizeMismatchError } from "../errors.ts";

/** Masks and targets must be aligned to the same template, hence the same size. */
export function assertSameSize(
  mask: { width: number; height: number },
  target: { width: number; height: number },
  what = "the target image",
): void {
  if (mask.width !== target.width || mask.height !== target.height) {
    throw new ImageSizeMismatchError(mask, target, what);
  }
}
