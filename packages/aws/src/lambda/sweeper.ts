import { sweepSearches, type SweepSettings } from "@cds/functions";
import { combiningFromEnv } from "./combining-from-env.ts";
import { invokerFromEnv } from "./invoker-from-env.ts";
import { inFlightSetting, maxRunningSetting, workerBudgetSetting } from "./settings.ts";
import { logger, observed } from "./observability.ts";

/** The schedule (every minute): re-run missing batches, finish overdue searches. */
export const handler = observed("sweeper", async (): Promise<void> => {
  const deps = {
    ...combiningFromEnv(),
    invoker: invokerFromEnv(),
    maxRunning: maxRunningSetting(),
    workerBudget: workerBudgetSetting(),
  };
  // Batches of a leaf dispatched less than this long ago are in flight (the leaf's record says when).
  const settings: SweepSettings = { retryMissingAfterMs: inFlightSetting() };
  const report = await sweepSearches(deps, settings);
  for (const { searchId, decision } of report) if (decision !== "none") logger().info("sweep decision", { searchId, decision });
});
