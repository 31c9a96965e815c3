// @cds/core's public surface: the names of @cds/core/admission that other packages import, listed by name.
export { admitWaitingSearches, sweepAdmission } from "./admit-waiting.ts";
export type { AdmitWaitingDeps, SearchLauncher } from "./admit-waiting.ts";
export { admitNextSearch, checkMaxRunning, checkRunningSlots, DEFAULT_WORKER_BUDGET, defaultMaxRunning } from "./admit.ts";
