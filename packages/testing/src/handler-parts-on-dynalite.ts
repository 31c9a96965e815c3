import { join } from "node:path";
import { afterEach, beforeAll, beforeEach } from "vitest";
import type { SearchItem } from "@cds/core/entities";
import type { LibraryStores } from "@cds/core/pipeline";
import type { BlobStore } from "@cds/core/ports";
import type { StateStore } from "@cds/core/state";
import { FolderBlobStore, librariesUnder, type LocalState } from "@cds/local";
import { acceptSprinkledMask } from "./accepted-masks.ts";
import { startDynaliteState } from "./dynalite-state.ts";
import { RecordingBus, RecordingInvoker } from "./recording-ports.ts";
import { indexSprinkledLibrary } from "./sprinkled-library.ts";
import { tempDir } from "./temp-dir.ts";

/** The library {@link handlerPartsOnDynalite} indexes: 40 targets of 64×32 in 4 shards, so 4 batches. */
export const TINY_LIBRARY = { name: "tiny", count: 40, shardSize: 10 } as const;

/** Options of {@link handlerPartsOnDynalite}. */
export interface HandlerPartsOptions {
  /** Index {@link TINY_LIBRARY} under the data folder once for the file (default: no library). */
  library?: boolean;
  /** The state store's clock (default: the real one). */
  now?: () => Date;
}

/** The real parts a pipeline handler runs on in a test; each test gets a fresh store, bus and invoker. */
export interface HandlerParts {
  /** The cds data folder: root/libraries, root/uploads. */
  readonly root: string;
  readonly db: LocalState;
  readonly state: StateStore;
  readonly bus: RecordingBus;
  readonly invoker: RecordingInvoker;
  /** The libraries under root/libraries. */
  readonly libraries: LibraryStores;
  /** The upload bucket: root/uploads. */
  readonly uploads: BlobStore;
  /** A sprinkled mask uploaded to {@link TINY_LIBRARY} and accepted by core's intake, under a fresh name. */
  acceptMask(): Promise<SearchItem>;
}

/**
 * Registers the hooks of a handler test file: a data folder (with {@link TINY_LIBRARY} when asked)
 * once, and for each test core's state store on a fresh in-memory dynalite, a {@link RecordingBus}
 * and a {@link RecordingInvoker}. Read the parts inside tests and hooks (they change per test).
 *
 * @example
 * const parts = handlerPartsOnDynalite({ library: true });
 * // then, inside a test:
 * await admission(event, { state: parts.state, libraries: parts.libraries, bus: parts.bus, invoker: parts.invoker });
 */
export function handlerPartsOnDynalite(options: HandlerPartsOptions = {}): HandlerParts {
  let root: string | undefined;
  let db: LocalState | undefined;
  let bus = new RecordingBus();
  let invoker = new RecordingInvoker();
  let masks = 0;

  beforeAll(async () => {
    root = await tempDir("cds-handler-");
    if (options.library) await indexSprinkledLibrary({ root, ...TINY_LIBRARY });
  });
  beforeEach(async () => {
    db = await startDynaliteState({ now: options.now });
    bus = new RecordingBus();
    invoker = new RecordingInvoker();
  });
  afterEach(async () => {
    await db?.stop();
    db = undefined;
  });

  const started = <T>(part: T | undefined, what: string): T => {
    if (part === undefined) throw new Error(`handlerPartsOnDynalite: ${what} exists only inside tests and hooks`);
    return part;
  };
  return {
    get root() { return started(root, "the data folder"); },
    get db() { return started(db, "the state store"); },
    get state() { return started(db, "the state store").state; },
    get bus() { return bus; },
    get invoker() { return invoker; },
    libraries: (name) => librariesUnder(started(root, "the data folder"))(name),
    get uploads() { return new FolderBlobStore(join(started(root, "the data folder"), "uploads")); },
    acceptMask() {
      masks += 1;
      return acceptSprinkledMask({ root: started(root, "the data folder"), state: started(db, "the state store").state, library: TINY_LIBRARY.name, file: `m${masks}.tif`, seed: masks });
    },
  };
}
