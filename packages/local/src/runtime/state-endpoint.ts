import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createStateStore, type StateStore } from "@cds/core/state";
import { createDocumentClient } from "../state/document-client.ts";
import { startLocalState } from "../state/local-state.ts";

/** Where a running `cds dev` says which port its dynalite listens on. */
export function endpointFile(stateFolder: string): string {
  return join(stateFolder, "endpoint.json");
}

/** Records the running state's endpoint, so other commands can reach it while LevelDB is locked. */
export async function writeStateEndpoint(stateFolder: string, endpoint: string): Promise<void> {
  await writeFile(endpointFile(stateFolder), `${JSON.stringify({ endpoint, pid: process.pid })}\n`, { mode: 0o600 });
}

/** Removes the endpoint record (on stop). */
export async function removeStateEndpoint(stateFolder: string): Promise<void> {
  await rm(endpointFile(stateFolder), { force: true });
}

/** A state store for a command, and how to let go of it. */
export interface OpenedState {
  state: StateStore;
  /** "shared" when it talks to a running `cds dev`, "own" when it started dynalite itself. */
  mode: "shared" | "own";
  close(): Promise<void>;
}

/**
 * The state under `stateFolder` for a short-lived command: through the running runtime's
 * dynalite when its endpoint record is live, else by starting dynalite on the folder (LevelDB
 * admits one process at a time).
 *
 * @example
 * const { state, close } = await openStateFolder("cds-data/state");
 * try { console.log(await state.listSubscriptions()); } finally { await close(); }
 */
export async function openStateFolder(stateFolder: string): Promise<OpenedState> {
  const running = await openRunningState(stateFolder);
  if (running) return running;
  const local = await startLocalState({ folder: stateFolder });
  return { state: local.state, mode: "own", close: () => local.stop() };
}

/**
 * The state of a running `cds dev` on `stateFolder`, or undefined when none runs. Never starts
 * dynalite itself, so a command that polls for a long time (a live progress view) does not hold
 * LevelDB's lock and keep `cds dev` from starting.
 *
 * @example
 * const running = await openRunningState("cds-data/state");
 * if (!running) console.log("start `cds dev` first");
 */
export async function openRunningState(stateFolder: string): Promise<OpenedState | undefined> {
  const endpoint = await liveEndpoint(stateFolder);
  if (!endpoint) return undefined;
  const client = createDocumentClient({ endpoint });
  return { state: createStateStore({ client }), mode: "shared", close: async () => client.destroy() };
}

async function liveEndpoint(stateFolder: string): Promise<string | undefined> {
  let record: { endpoint?: unknown; pid?: unknown };
  try {
    record = JSON.parse(await readFile(endpointFile(stateFolder), "utf8")) as typeof record;
  } catch {
    return undefined;
  }
  if (typeof record.endpoint !== "string" || typeof record.pid !== "number") return undefined;
  try {
    process.kill(record.pid, 0);
  } catch {
    return undefined; // the process that wrote it is gone
  }
  try {
    await fetch(record.endpoint, { method: "POST", signal: AbortSignal.timeout(1000) });
    return record.endpoint;
  } catch {
    return undefined;
  }
}
