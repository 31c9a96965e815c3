import { join } from "node:path";
import { openStateFolder, type OpenedState } from "@cds/local";

/**
 * The state under `<root>/state` for one command: shared with a running `cds dev`, else opened
 * directly. Always closed after `use`.
 *
 * @example
 * const subs = await withState(root, (state) => state.listSubscriptions());
 */
export async function withState<T>(root: string, use: (state: OpenedState["state"]) => Promise<T>): Promise<T> {
  const opened = await openStateFolder(join(root, "state"));
  try {
    return await use(opened.state);
  } finally {
    await opened.close();
  }
}
