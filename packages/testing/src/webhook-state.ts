import { afterEach } from "vitest";
import type { StateStore } from "@cds/core/state";
import { dynaliteStateForFile } from "./dynalite-state.ts";

/**
 * Registers a webhook test file's hooks: core's state store on dynalite, started once for the
 * file and handed to `onState`; after each test the `receivers` are closed and every
 * subscription is removed, so each test starts with none. Call it at the file's top level.
 */
export function webhookStateHooks(onState: (state: StateStore) => void, receivers: { close(): Promise<void> }[]): void {
  let state: StateStore | undefined;
  dynaliteStateForFile((local) => onState((state = local.state)));
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    if (!state) return;
    for (const s of await state.listSubscriptions()) await state.removeSubscription(s.subscriptionId);
  });
}
