/**
 * Where things go on a synthetic CDM: the two text-label corners, and the "brain" area in
 * which neurons are drawn.
 */

/** Default CDM size: JRC2018_Unisex_20x_HR brain space. */
export const CDM_WIDTH = 1210;
export const CDM_HEIGHT = 566;

/** An axis-aligned rectangle, `x0 ≤ x < x1`, `y0 ≤ y < y1`. */
export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * The label corners as the Java precompute excludes them (cdm-reference 1.9): name text in
 * x < 330, y < 100; colour legend in x ≥ W − 270, y < 90. Synthetic labels stay inside
 * these, so a scorer that excludes them never sees label pixels in a mask.
 *
 * @example
 * const { name, legend } = labelRegions(1210, 566); // legend.x0 === 940
 */
export function labelRegions(width: number, height: number): { name: Rect; legend: Rect } {
  return {
    name: { x0: 0, y0: 0, x1: Math.min(330, width), y1: Math.min(100, height) },
    legend: { x0: Math.max(0, width - 270), y0: 0, x1: width, y1: Math.min(90, height) },
  };
}

/** True when (x, y) lies in either label corner. */
export function inLabelRegion(x: number, y: number, width: number, height: number): boolean {
  const { name, legend } = labelRegions(width, height);
  return (
    (x < name.x1 && y < name.y1) || (x >= legend.x0 && y < legend.y1)
  );
}

/** Largest |dx|, |dy| of a planted copy (xyShift 4 is the widest search). */
export const MAX_PLANT_SHIFT = 4;

/** Farthest a drawn pixel reaches from its stroke centre (soma radius plus halo). */
export const MAX_STAMP_REACH = 7;

/**
 * The area where stroke centres may go. It is an ellipse like the brain outline, kept away
 * from the image border and from both label corners *and their mirror images* by the
 * stamp reach plus the largest plant shift, so that every neuron pixel, shifted by up to
 * ±4 and/or mirrored (x → W−1−x), is still inside the image and outside the labels.
 */
export interface Domain {
  readonly width: number;
  readonly height: number;
  contains(x: number, y: number): boolean;
}

/**
 * @example
 * const domain = neuronDomain(1210, 566);
 * domain.contains(605, 300); // true
 * domain.contains(10, 10);   // false (name label)
 */
export function neuronDomain(width: number, height: number): Domain {
  const margin = MAX_PLANT_SHIFT + MAX_STAMP_REACH + 1;
  const { name, legend } = labelRegions(width, height);
  // Mirror-symmetric band: whichever label is wider decides, on both sides.
  const bandX = Math.max(name.x1, width - legend.x0) + margin;
  const bandY = Math.max(name.y1, legend.y1) + margin;
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const rx = width / 2 - margin;
  const ry = height / 2 - margin;
  return {
    width,
    height,
    contains(x: number, y: number): boolean {
      if (x < margin || y < margin || x > width - 1 - margin || y > height - 1 - margin) return false;
      if (y < bandY && (x < bandX || x > width - 1 - bandX)) return false;
      const ex = (x - cx) / rx;
      const ey = (y - cy) / ry;
      // A squarer "superellipse" than a plain ellipse: fly brain CDMs use most of the
      // frame, including the optic lobes near the left and right edges.
      const ex2 = ex * ex;
      const ey2 = ey * ey;
      return ex2 * ex2 + ey2 * ey2 <= 1;
    },
  };
}
