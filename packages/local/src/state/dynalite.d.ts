// Types for dynalite (which ships none): the parts this package uses.
declare module "dynalite" {
  import type { Server } from "node:http";

  type DynaliteOptions = {
    /** LevelDB folder; in memory when absent. */
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
    verbose?: boolean;
    debug?: boolean;
  };

  function dynalite(options?: DynaliteOptions): Server;
  export default dynalite;
}
