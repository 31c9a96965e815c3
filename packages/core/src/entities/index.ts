// @cds/core's public surface: the names of @cds/core/entities that other packages import, listed by name.
export type { DeliveryItem, DeliveryStatus } from "./delivery.ts";
export { SEARCH_STATUSES } from "./search.ts";
export type { SearchItem } from "./search.ts";
export { STATE_TTL_ATTRIBUTE, stateTableDefinition, stateTableLayout } from "./state-table.ts";
export type { StateTableLayout, StateTableLayoutOverrides } from "./state-table.ts";
export { SUBMISSION_STATUSES } from "./submission.ts";
export type { SubmissionItem } from "./submission.ts";
export type { SubscriptionItem } from "./subscription.ts";
