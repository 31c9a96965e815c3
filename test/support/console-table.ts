import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { LocalCloud } from "./aws-over-http.ts";

/** The console's own table name in the local cloud. */
export const CONSOLE_TABLE = "cds-e2e-console";

/** The console's own table in the local cloud's DynamoDB, with the keys stacks/Console.ts declares. */
export async function createConsoleTable(cloud: LocalCloud): Promise<void> {
  const dynamo = new DynamoDBClient({ endpoint: cloud.env.AWS_ENDPOINT_URL_DYNAMODB, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  try {
    await dynamo.send(
      new CreateTableCommand({
        TableName: CONSOLE_TABLE,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }, { AttributeName: "sk", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "sk", KeyType: "RANGE" }],
      }),
    );
  } finally {
    dynamo.destroy();
  }
}
