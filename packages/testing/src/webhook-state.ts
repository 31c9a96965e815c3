import { afterAll, afterEach, beforeAll } from "vitest";
import type { StateStore } from "@cds/core/state";
import type { LocalState } from "@cds/local";
import { startDynaliteState } from "./dynalite-state.ts";

/**
 * Registers a webhook test file's hooks: core's state store on dynalite, started once for the
 * file and handed to `onState`; after each test the `receivers` are closed and every
 * subscription is removed, so each test starts with none. Call it at the file's top level.
 */
export function webhookStateHooks(onState: (state: StateStore) => void, receivers: { close(): Promise<void> }[]): void {
  let local: LocalState | undefined;
  beforeAll(async () => {
    local = await startDynaliteState();
    onState(local.state);
  });
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    if (!local) return;
    for (const s of await local.state.listSubscriptions()) await local.state.removeSubscription(s.subscriptionId);
  });
  afterAll(async () => {
    await local?.stop();
  });
}
