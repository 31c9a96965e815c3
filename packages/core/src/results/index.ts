// @cds/core's public surface: the names of @cds/core/results that other packages import, listed by name.
export { MAX_CUSTOM_RESULTS } from "./combine-batches.ts";
export { maskNameOf } from "./mask-name.ts";
export { matchedTargetPixels } from "./match-overlay.ts";
export { toNeuronBridgeCustomMatches } from "./neuronbridge-export.ts";
export { MAX_RESULTS_DOCUMENT_BYTES, parseResultsDocument } from "./read-results-document.ts";
export { resultsCsv } from "./results-csv.ts";
export { buildResultsDocument } from "./results-document.ts";
export type { ResultsDocument, ResultsDocumentInput } from "./results-document.ts";
export { resultsFileSet } from "./results-files.ts";
export { matchesToShow } from "./results-page.ts";
export { TOP_MATCHES_REPORTED } from "./top-matches.ts";
