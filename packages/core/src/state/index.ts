// @cds/core's public surface: the names of @cds/core/state that other packages import, listed by name.
export { mapLimited } from "./completion-access.ts";
export type { BatchRecording } from "./completion-access.ts";
export { encodeMatches } from "./matches-codec.ts";
export type { NewSearch } from "./search-access.ts";
export { createStateStore, stateService } from "./service.ts";
export type { StateStore, StateStoreOptions } from "./service.ts";
export { BatchResultRejectedError, IllegalStatusTransitionError, SearchNotFoundError } from "./state-errors.ts";
export type { NewSubmissionMask } from "./submission-access.ts";
export { onThrottledWrite } from "./throttle-retry.ts";
