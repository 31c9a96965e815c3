import { broadcastSearchEvent } from "../console/broadcast.ts";
import { connectionPoster } from "../console/signing-from-env.ts";
import { consoleTableFromEnv } from "./console-from-env.ts";
import { observed } from "./observability.ts";
import { once, setting } from "./settings.ts";
import { stateFromEnv } from "./state-from-env.ts";

const post = once(() => connectionPoster(setting("CDS_SOCKET_ENDPOINT")));

/** Rule `console-search-events` (search bus) → push the event to the search owner's open console connections. */
export const handler = observed("console-broadcaster", (event: unknown) => broadcastSearchEvent(event, { state: stateFromEnv(), table: consoleTableFromEnv(), post: post() }));
