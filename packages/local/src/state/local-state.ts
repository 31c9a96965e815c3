import { stateTableLayout } from "@cds/core/entities";
import { createStateStore } from "@cds/core/state";
import type { StateTableLayoutOverrides } from "@cds/core/entities";
import type { StateStore, StateStoreOptions } from "@cds/core/state";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient } from "./document-client.ts";
import { startDynalite } from "./dynalite-server.ts";
import { ensureStateTable } from "./state-table.ts";

/** Options of {@link startLocalState}. */
export type LocalStateOptions = {
  /** LevelDB folder (kept across restarts); in memory when absent. */
  folder?: string;
  /** Port for dynalite; 0 (the default) picks a free one. */
  port?: number;
  table?: StateTableLayoutOverrides;
} & Pick<StateStoreOptions, "batchResultTtlSeconds" | "now">;

/** The embedded state: dynalite, a DocumentClient for it and the state store over both. */
export type LocalState = {
  state: StateStore;
  client: DynamoDBDocumentClient;
  endpoint: string;
  /** Closes the client and stops dynalite. */
  stop(): Promise<void>;
};

/**
 * Starts dynalite on loopback (persisting under `folder`), creates the state table if
 * needed and returns the state store over it.
 *
 * @example
 * const local = await startLocalState({ folder: ".cds/state" });
 * const search = await local.state.getSearch(id);
 * await local.stop();
 */
export async function startLocalState(options: LocalStateOptions = {}): Promise<LocalState> {
  const dynamo = await startDynalite({ folder: options.folder, port: options.port });
  const client = createDocumentClient({ endpoint: dynamo.endpoint });
  try {
    await ensureStateTable(client, stateTableLayout(options.table));
  } catch (error) {
    client.destroy();
    await dynamo.stop();
    throw error;
  }
  const state = createStateStore({ client, table: options.table, batchResultTtlSeconds: options.batchResultTtlSeconds, now: options.now });
  return {
    state,
    client,
    endpoint: dynamo.endpoint,
    async stop() {
      client.destroy();
      await dynamo.stop();
    },
  };
}
