// Public surface of @cds/functions, listed by name.
export { functionNames } from "./ports.ts";
export type { EventPublisher, PipelineDeps, SearchEventEntry, SearchOutcomeEvent } from "./ports.ts";
export { batchesCompletedEntry, searchAcceptedEntry, searchCompletedEntry, searchFailedEntry, searchStartedEntry } from "./search-events.ts";
export { intake } from "./intake.ts";
export { dispatchSearch, startAcceptedSearch } from "./dispatch.ts";
export { dispatcher } from "./dispatcher.ts";
export { worker } from "./worker.ts";
export { combiner } from "./combiner.ts";
export { notify } from "./notify.ts";
export { stageFailed, sweeper } from "./sweeper.ts";
export { resume } from "./resume.ts";
export { inProcessBatchScorer } from "./batch-scorer.ts";
export type { BatchScore, BatchScorer, InProcessBatchScorerDeps } from "./batch-scorer.ts";
export { sweepSearches } from "./sweep.ts";
export type { SweepReport, SweepSettings } from "./sweep.ts";
