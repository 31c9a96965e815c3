import type { AddressInfo } from "node:net";
import dynalite from "dynalite";
import { answerStorageErrorsWith500 } from "./dynalite-io-errors.ts";
import { makePrivateFolder } from "./private-folder.ts";

/** Options of {@link startDynalite}. */
export type DynaliteOptions = {
  /**
   * Folder for the LevelDB files; created if absent. The same folder after a restart
   * holds the same tables and items. Omit for an in-memory store (gone on stop).
   */
  folder?: string;
  /** Interface to listen on; loopback unless told otherwise. */
  host?: string;
  /** Port; 0 (the default) picks a free one. */
  port?: number;
};

/** A running dynalite server. */
export type RunningDynalite = {
  /** `http://host:port`, for a DynamoDB client's `endpoint`. */
  endpoint: string;
  port: number;
  /** The LevelDB folder, or undefined when in memory. */
  folder: string | undefined;
  /** Stops listening, closes open connections and the LevelDB store (releasing its lock). */
  stop(): Promise<void>;
};

/**
 * Starts dynalite — the DynamoDB API over LevelDB — on loopback. Tables are created and
 * deleted at once (no CREATING delay). LevelDB comes from `classic-level`'s prebuilt
 * binaries, which load at run time without an install step. One folder is one store:
 * LevelDB locks it, so a second server on the same folder fails until the first stops.
 *
 * @example
 * const dynamo = await startDynalite({ folder: ".cds/state" });
 * const client = createDocumentClient({ endpoint: dynamo.endpoint });
 * … ; client.destroy(); await dynamo.stop();
 */
export async function startDynalite(options: DynaliteOptions = {}): Promise<RunningDynalite> {
  const host = options.host ?? "127.0.0.1";
  // Owner-only: the store holds webhook secrets (0700 folder, 0600 files).
  if (options.folder) await makePrivateFolder(options.folder);
  answerStorageErrorsWith500();
  const server = dynalite({ path: options.folder, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  // LevelDB has created its files by now, with the umask's modes.
  if (options.folder) await makePrivateFolder(options.folder);
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://${host}:${port}`,
    port,
    folder: options.folder,
    stop() {
      stopped ??= new Promise<void>((resolve, reject) => {
        server.close((error?: Error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets of clients not yet destroyed would hold close() open.
        server.closeAllConnections();
      }).then(async () => {
        if (options.folder) await makePrivateFolder(options.folder);
      });
      return stopped;
    },
  };
}
