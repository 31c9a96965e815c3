import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { startLocalState, type LocalState, type LocalStateOptions } from "@cds/local";
import { tempDir } from "./temp-dir.ts";

/** Options of {@link startDynaliteState}. */
export type DynaliteStateOptions = Omit<LocalStateOptions, "folder"> & {
  /** Keep the LevelDB files in a temporary folder (removed after the file's tests) instead of memory. */
  onDisk?: boolean;
};

/**
 * Core's state store over dynalite — the DynamoDB API on loopback — so that state tests run the
 * real conditional writes, indexes and pages, wherever those tests live. In memory unless `onDisk`.
 *
 * @example
 * const db = await startDynaliteState({ onDisk: true });
 * await db.state.createSubscription({ url, events: ["Search Completed"], secret });
 * await db.stop();
 */
export async function startDynaliteState(options: DynaliteStateOptions = {}): Promise<LocalState> {
  const { onDisk, ...rest } = options;
  const folder = onDisk ? join(await tempDir("cds-state-"), "db") : undefined;
  return startLocalState({ ...rest, folder });
}

/**
 * Registers a test file's hooks for one {@link startDynaliteState} store shared by all its tests:
 * started before the first and handed to `onStart`, stopped after the last. Call it at the file's
 * top level; a file that wants a fresh store per test starts its own in `beforeEach`.
 *
 * @example
 * let state: StateStore;
 * dynaliteStateForFile((local) => (state = local.state), { onDisk: true });
 */
export function dynaliteStateForFile(onStart: (local: LocalState) => void, options: DynaliteStateOptions = {}): void {
  let local: LocalState | undefined;
  beforeAll(async () => {
    local = await startDynaliteState(options);
    onStart(local);
  });
  afterAll(async () => {
    await local?.stop();
  });
}
