import { onSocketRoute, type SocketEvent } from "../console/socket.ts";
import { consoleTableFromEnv } from "./console-from-env.ts";
import { observed } from "./observability.ts";

/** WebSocket `$connect` / `$disconnect` → store or delete the connection under its signed-in owner. */
export const handler = observed("console-socket", (event: SocketEvent) => onSocketRoute(event, consoleTableFromEnv()));
