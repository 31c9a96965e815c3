/**
 * ImageJ's unweighted RGB → 8-bit grey without gamma (`rgbToGrayNoGammaCorrection`, max 255):
 * truncate(r/3 + g/3 + b/3 + 0.5), with the weights as doubles the way the reference adds them.
 *
 * @example
 * greyOf(1, 1, 0) // 1
 */
export function greyOf(r: number, g: number, b: number): number {
  const w = 1 / 3;
  return Math.trunc(r * w + g * w + b * w + 0.5);
}

/**
 * The same grey from the channel sum: the fraction of sum/3 + 0.5 is 1/2, 5/6 or 1/6, never
 * within rounding error of a whole number, so truncating it equals ⌊(sum + 1) / 3⌋ exactly.
 */
export function greyOfSum(sum: number): number {
  return ((sum + 1) / 3) | 0;
}
