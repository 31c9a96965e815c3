// Public surface of @cds/events, listed by name.
export { EventPatternError, EventsError, EventValidationError } from "./errors.ts";
export type { EventValidationIssue } from "./errors.ts";
export { s3EventSource, searchEventSource } from "./event-sources.ts";
export { envelopeSchema } from "./event-envelope.ts";
export type { EventEnvelope } from "./event-envelope.ts";
export { defineEvent } from "./catalog-entry.ts";
export type { CatalogEntry, DetailOf, EventOf } from "./catalog-entry.ts";
export { objectCreated } from "./object-created.ts";
export type { ObjectCreatedDetail } from "./object-created.ts";
export { searchAccepted } from "./search-accepted.ts";
export type { SearchAcceptedDetail } from "./search-accepted.ts";
export { searchStarted } from "./search-started.ts";
export type { SearchStartedDetail } from "./search-started.ts";
export { searchBatchesCompleted } from "./search-batches-completed.ts";
export type { SearchBatchesCompletedDetail } from "./search-batches-completed.ts";
export { searchCompleted } from "./search-completed.ts";
export type { SearchCompletedDetail } from "./search-completed.ts";
export { searchFailed, searchFailureStages } from "./search-failed.ts";
export type { SearchFailedDetail, SearchFailureStage } from "./search-failed.ts";
export { batchFailed } from "./batch-failed.ts";
export type { BatchFailedDetail } from "./batch-failed.ts";
export { submissionCompleted } from "./submission-completed.ts";
export type { SubmissionCompletedDetail } from "./submission-completed.ts";
export { catalog, catalogEntryFor } from "./catalog.ts";
export type { CatalogDetailType, CatalogEntryOfCatalog, CatalogEvent, CatalogEventEntry, CatalogEventOfType } from "./catalog.ts";
export { parseEvent } from "./parse-event.ts";
export { readFixture } from "./read-fixture.ts";
export type {
  AnythingButCondition,
  ContentFilter,
  EventPattern,
  FieldMatchers,
  NumericCondition,
  PatternLiteral,
} from "./event-pattern.ts";
export { assertValidPattern, matchesPattern } from "./pattern-matcher.ts";
export { eventRules, maskImageSuffixes, ruleTargets, sidecarSuffix } from "./rules.ts";
export type { EventRule, EventRulesConfig, RuleBus, RuleTarget } from "./rules.ts";
