/** A width and height. */
export type Size = { width: number; height: number };

/** Sizes of NeuronBridge's CDM templates: JRC2018 Unisex brain (20x HR) and VNC (40x DS). */
const TEMPLATE_SIZES: readonly Size[] = [
  { width: 1210, height: 566 },
  { width: 573, height: 1119 },
];

const same = (a: Size, b: Size) => a.width === b.width && a.height === b.height;
const isTemplate = (s: Size) => TEMPLATE_SIZES.some((t) => same(t, s));

/**
 * Whether the mask, not the targets, is the odd one out when sizes differ: every target that
 * differs from the mask shares one size with the others (two or more), or the one target has a
 * template's size and the mask does not. Then one message about the mask beats one per target.
 *
 * @example
 * maskIsOdd({ width: 605, height: 283 }, [{ width: 1210, height: 566 }]) // true
 */
export function maskIsOdd(mask: Size, targets: readonly Size[]): boolean {
  if (targets.length === 0 || targets.some((t) => same(t, mask))) return false;
  if (targets.every((t) => same(t, targets[0]))) return targets.length >= 2 || (isTemplate(targets[0]) && !isTemplate(mask));
  return false;
}

export function sizeText(s: Size): string {
  return `${s.width}×${s.height}`;
}
