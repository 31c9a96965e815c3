import { ParameterError } from "@cds/core";
import { createStateStore, type StateStore } from "@cds/core/state";
import { createDynamoDocumentClient } from "./dynamodb-document-client.ts";

/** The SST app's name (sst.config.ts): every deployed resource name starts `<stage>-<app>-`. */
export const APP_NAME = "cdm-search";

/**
 * The state table of a deployed stage, as the State stack names it.
 *
 * @example
 * stageStateTableName("lab") // "lab-cdm-search-state"
 */
export function stageStateTableName(stage: string): string {
  return `${checkStageName(stage)}-${APP_NAME}-state`;
}

/**
 * Checks a stage name against SST's own rule: letters, digits and hyphens, starting with a
 * letter. A name that breaks it names nothing a deployment could have made.
 *
 * @example
 * checkStageName("lab") // "lab"
 */
export function checkStageName(stage: string): string {
  if (!/^[a-zA-Z][a-zA-Z0-9-]*$/.test(stage)) throw new ParameterError("--stage", `"${stage}" is not a stage name (letters, digits and hyphens, starting with a letter)`);
  return stage;
}

/**
 * The state store of a deployed stage, over DynamoDB with the usual AWS credential and region
 * chain (`AWS_ENDPOINT_URL_DYNAMODB` points it elsewhere). `close` releases the client's sockets.
 *
 * @example
 * const { state, close } = openStageState("lab");
 * try { console.log(await state.listSubscriptions()); } finally { close(); }
 */
export function openStageState(stage: string): { state: StateStore; tableName: string; close(): void } {
  const tableName = stageStateTableName(stage);
  const client = createDynamoDocumentClient();
  return { state: createStateStore({ client, table: { tableName } }), tableName, close: () => client.destroy() };
}
