import { join } from "node:path";
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
