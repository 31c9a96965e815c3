// @cds/core's public surface: the names of @cds/core/shape that other packages import, listed by name.
export { normalizedScore } from "./normalized-score.ts";
export { prepareShapeQuery } from "./prepared-shape-query.ts";
export type { PreparedShapeQuery } from "./prepared-shape-query.ts";
export { decodeShapeCompanion, encodeShapeCompanion, SHAPE_COMPANION_VERSION, shapeCompanionKey, shapeInfoKey } from "./shape-companion.ts";
export type { ShapeLibraryInfo } from "./shape-companion.ts";
export { defaultShapeParams, ZGAP_RADIUS } from "./shape-params.ts";
export { DEFAULT_SHAPE_TOP_LINES, shortlistForShape } from "./shape-ranking.ts";
export type { ShapeRankedMatch } from "./shape-ranking.ts";
export type { ShapeScore } from "./shape-score.ts";
export { scoreShape } from "./shape-scorer.ts";
export { companionKeyOf, rankLibraryMatchesByShape, readShapeLibraryInfo } from "./shape-stage.ts";
export { shapeTargetFromImages } from "./shape-target.ts";
