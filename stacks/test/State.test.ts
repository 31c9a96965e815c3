import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STATE_TTL_ATTRIBUTE, stateTableDefinition, stateTableLayout } from "@cds/core/entities";
import { synthesizedApp, type SynthesizedApp } from "./synthesized-app.ts";

type TableResource = { Properties: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string };

async function synth(stage: string) {
  const synthesized = await synthesizedApp(stage, { activeStacks: ["State"] });
  const tables = Object.values(synthesized.template("State").findResources("AWS::DynamoDB::Table")) as TableResource[];
  return { synthesized, tables, table: tables[0] };
}

type Synth = Awaited<ReturnType<typeof synth>>;

/** What a table built from core's definition for that name must say, keys and indexes alike. */
function coreDefinition(tableName: string) {
  return stateTableDefinition(stateTableLayout({ tableName }));
}

describe("State stack on a non-prod stage", () => {
  let s: Synth;
  beforeAll(async () => {
    s = await synth("test");
  });
  afterAll(() => s?.synthesized.dispose());

  it("creates one table, named after the stage", () => {
    expect(s.tables).toHaveLength(1);
    expect(s.table.Properties.TableName).toBe("test-cdm-search-state");
  });

  it("has exactly core's key schema, attribute definitions and global secondary indexes", () => {
    const definition = coreDefinition("test-cdm-search-state");
    expect(s.table.Properties.KeySchema).toEqual(definition.KeySchema);
    expect(s.table.Properties.AttributeDefinitions).toEqual(expect.arrayContaining(definition.AttributeDefinitions));
    expect(s.table.Properties.AttributeDefinitions).toHaveLength(definition.AttributeDefinitions.length);
    expect(s.table.Properties.GlobalSecondaryIndexes).toEqual(definition.GlobalSecondaryIndexes);
  });

  it("bills on demand, as core's definition says", () => {
    expect(s.table.Properties.BillingMode).toBe(coreDefinition("any").BillingMode);
  });

  it("expires items on core's TTL attribute", () => {
    expect(s.table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: STATE_TTL_ATTRIBUTE, Enabled: true });
  });

  it("skips point-in-time recovery and deletes the table with the stage", () => {
    expect(s.table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: false });
    expect(s.table.DeletionPolicy).toBe("Delete");
    expect(s.table.UpdateReplacePolicy).toBe("Delete");
  });
});

describe("State stack on the prod stage", () => {
  let s: Synth;
  beforeAll(async () => {
    s = await synth("prod");
  });
  afterAll(() => s?.synthesized.dispose());

  it("keeps point-in-time recovery on", () => {
    expect(s.table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  });

  it("retains the table when the stack is deleted or the table replaced", () => {
    expect(s.table.DeletionPolicy).toBe("Retain");
    expect(s.table.UpdateReplacePolicy).toBe("Retain");
  });

  it("has the same keys and indexes under the prod name", () => {
    const definition = coreDefinition("prod-cdm-search-state");
    expect(s.table.Properties.TableName).toBe(definition.TableName);
    expect(s.table.Properties.GlobalSecondaryIndexes).toEqual(definition.GlobalSecondaryIndexes);
  });
});
