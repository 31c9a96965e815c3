import { CreateTableCommand, DescribeTableCommand, ResourceInUseException, ResourceNotFoundException } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { stateTableDefinition } from "@cds/core/entities";
import type { StateTableLayout } from "@cds/core/entities";

/**
 * Creates the state table if it does not exist yet and waits until it is ACTIVE. Safe to
 * call on every start, and from two processes at once.
 *
 * @example
 * await ensureStateTable(client, stateTableLayout());
 */
export async function ensureStateTable(client: DynamoDBDocumentClient, layout: StateTableLayout, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: layout.tableName }));
      if (Table?.TableStatus === "ACTIVE") return;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      try {
        await client.send(new CreateTableCommand(stateTableDefinition(layout)));
      } catch (createError) {
        if (!(createError instanceof ResourceInUseException)) throw createError;
      }
    }
    if (Date.now() > deadline) throw new Error(`table ${layout.tableName} did not become ACTIVE within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
