// @cds/core's public surface: the names of @cds/core/scoring that other packages import, listed by name.
export { colorTestsOf, createTargetPixels, prepareMask, scorePixelMatch, scoreTargetImage, scoreTargetPixels } from "./fast-scorer.ts";
export type { PreparedMask } from "./fast-scorer.ts";
export { scorePixelMatchPlain } from "./pixel-match-plain.ts";
export { isMatch } from "./pixel-match-score.ts";
export type { PixelMatchScore } from "./pixel-match-score.ts";
