import { admission } from "@cds/functions";
import { librariesFromEnv } from "./buckets-from-env.ts";
import { busFromEnv } from "./bus-from-env.ts";
import { invokerFromEnv } from "./invoker-from-env.ts";
import { observed } from "./observability.ts";
import { maxRunningSetting, workerBudgetSetting } from "./settings.ts";
import { stateFromEnv } from "./state-from-env.ts";

/**
 * Rules `search-accepted` and `search-slot-freed` → admission control: start the searches waiting
 * longest while fewer than `CDS_MAX_RUNNING` run (plan the batches, mark running, start the
 * dispatch tree); a finished search first gives its running slot back.
 */
export const handler = observed("admission", (event: unknown): Promise<void> =>
  admission(event, { state: stateFromEnv(), libraries: librariesFromEnv(), bus: busFromEnv(), invoker: invokerFromEnv(), maxRunning: maxRunningSetting(), workerBudget: workerBudgetSetting() }));
