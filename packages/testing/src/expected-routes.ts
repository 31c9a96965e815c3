import {
  batchFailed,
  objectCreated,
  searchAccepted,
  searchBatchesCompleted,
  searchCompleted,
  searchFailed,
  searchStarted,
  submissionCompleted,
  type CatalogEntry,
  type RuleTarget,
} from "@cds/events";

/**
 * Where each catalog event must go, and nowhere else: the one table both the rule tests and the
 * local bus tests check against.
 */
export const expectedRoutes: [CatalogEntry, RuleTarget[]][] = [
  [objectCreated, ["intake"]],
  [searchAccepted, ["admission"]],
  [searchStarted, []],
  [searchBatchesCompleted, ["combiner"]],
  [searchCompleted, ["notify", "admission", "submission-tracking"]],
  [searchFailed, ["notify", "admission", "submission-tracking"]],
  [batchFailed, []],
  [submissionCompleted, ["notify"]],
];
