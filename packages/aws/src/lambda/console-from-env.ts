import { ConsoleTable } from "../console/console-table.ts";
import { createDynamoDocumentClient } from "../dynamodb-document-client.ts";
import { once, setting } from "./settings.ts";

/** The console's table (`CDS_CONSOLE_TABLE`): WebSocket connections and uploads, per user. */
export const consoleTableFromEnv: () => ConsoleTable = once(() => new ConsoleTable(createDynamoDocumentClient(), setting("CDS_CONSOLE_TABLE")));
