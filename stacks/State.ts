import { STATE_TTL_ATTRIBUTE, stateTableDefinition, stateTableLayout } from "@cds/core/entities";
import { BillingMode } from "aws-cdk-lib/aws-dynamodb";
import { Table } from "sst/constructs";
import type { StackContext, TableProps } from "sst/constructs";
import { stageStateTableName } from "@cds/aws/stage-state";
import { stageLifetime } from "./stage-lifetime.ts";

type Definition = ReturnType<typeof stateTableDefinition>;
type KeySchema = readonly { readonly AttributeName: string; readonly KeyType: "HASH" | "RANGE" }[];
type Projection = { readonly ProjectionType: string; readonly NonKeyAttributes?: readonly string[] };
type TableFieldType = NonNullable<TableProps["fields"]>[string];

// Keyed by the attribute types core's definition uses: a new one fails type-checking here.
const fieldTypes: Record<Definition["AttributeDefinitions"][number]["AttributeType"], TableFieldType> = { S: "string" };

/**
 * The one DynamoDB table of every state entity (single-table design), built from core's
 * `stateTableDefinition`: a key or index added there appears here without an edit.
 *
 * @example
 * const { table, layout } = use(State);
 */
export function State({ stack, app }: StackContext) {
  const { isProduction, removalPolicy } = stageLifetime(app);
  // The same name the CLI derives for `--stage` (packages/aws/src/stage-state.ts).
  const layout = stateTableLayout({ tableName: stageStateTableName(app.stage) });
  const definition = stateTableDefinition(layout);

  const table = new Table(stack, "State", {
    fields: Object.fromEntries(definition.AttributeDefinitions.map((a) => [a.AttributeName, fieldTypes[a.AttributeType]])),
    primaryIndex: keysOf(definition.KeySchema),
    globalIndexes: Object.fromEntries(
      definition.GlobalSecondaryIndexes.map((index) => [index.IndexName, { ...keysOf(index.KeySchema), projection: projectionOf(index.Projection) }]),
    ),
    // Batch results and delivery records carry an expiry (epoch seconds) that DynamoDB enforces.
    timeToLiveAttribute: STATE_TTL_ATTRIBUTE,
    cdk: {
      table: {
        tableName: layout.tableName,
        billingMode: BillingMode[definition.BillingMode],
        removalPolicy,
        // Point-in-time recovery is billed by table size; only prod's records are worth restoring.
        pointInTimeRecovery: isProduction,
      },
    },
  });

  stack.addOutputs({ StateTable: table.tableName });

  /** Names of the table's global secondary indexes, for IAM statements that must name them. */
  const indexNames = definition.GlobalSecondaryIndexes.map((index) => index.IndexName);
  return { table, layout, indexNames };
}

function keysOf(schema: KeySchema): { partitionKey: string; sortKey?: string } {
  const partitionKey = schema.find((key) => key.KeyType === "HASH")?.AttributeName;
  if (!partitionKey) throw new Error("the state table definition has a key schema without a HASH key");
  const sortKey = schema.find((key) => key.KeyType === "RANGE")?.AttributeName;
  return sortKey ? { partitionKey, sortKey } : { partitionKey };
}

function projectionOf(projection: Projection): "all" | "keys_only" | string[] {
  if (projection.ProjectionType === "ALL") return "all";
  if (projection.ProjectionType === "KEYS_ONLY") return "keys_only";
  return [...(projection.NonKeyAttributes ?? [])];
}
