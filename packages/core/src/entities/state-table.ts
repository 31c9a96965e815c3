/**
 * The one DynamoDB table that holds every state entity (single-table design). Entities
 * are built for a layout, so the table name and the key attribute names can follow a
 * deployment's conventions; the defaults are the conventional `pk`/`sk`/`gsi1pk`/`gsi1sk`.
 */

/** ElectroDB service name: the prefix of every key, so other services may share a table. */
export const STATE_SERVICE = "cds";

/** Attribute that DynamoDB's time-to-live reads (epoch seconds). */
export const STATE_TTL_ATTRIBUTE = "ttl";

/**
 * Table name, key attribute names and index names of the state table.
 *
 * @example
 * const layout = stateTableLayout({ tableName: "cds-dev-state" });
 * layout.fields.gsi1pk; // "gsi1pk"
 */
export type StateTableLayout = {
  readonly tableName: string;
  /** Attribute names of the table's keys and of the first global secondary index. */
  readonly fields: {
    readonly pk: string;
    readonly sk: string;
    readonly gsi1pk: string;
    readonly gsi1sk: string;
  };
  /** Physical index names. */
  readonly indexes: {
    readonly gsi1: string;
  };
};

/** What a caller may override; fields and indexes merge with the defaults one by one. */
export type StateTableLayoutOverrides = {
  readonly tableName?: string;
  readonly fields?: Partial<StateTableLayout["fields"]>;
  readonly indexes?: Partial<StateTableLayout["indexes"]>;
};

/**
 * The default layout: table `cds-state`, keys `pk`/`sk`, index `gsi1` on `gsi1pk`/`gsi1sk`.
 *
 * @example
 * defaultStateTableLayout.tableName; // "cds-state"
 */
export const defaultStateTableLayout: StateTableLayout = {
  tableName: "cds-state",
  fields: { pk: "pk", sk: "sk", gsi1pk: "gsi1pk", gsi1sk: "gsi1sk" },
  indexes: { gsi1: "gsi1" },
};

/**
 * The default layout with some names replaced.
 *
 * @example
 * const layout = stateTableLayout({ tableName: "t", fields: { pk: "PK", sk: "SK" } });
 */
export function stateTableLayout(overrides: StateTableLayoutOverrides = {}): StateTableLayout {
  return {
    tableName: overrides.tableName ?? defaultStateTableLayout.tableName,
    fields: { ...defaultStateTableLayout.fields, ...overrides.fields },
    indexes: { ...defaultStateTableLayout.indexes, ...overrides.indexes },
  };
}

/**
 * The table as DynamoDB's `CreateTable` input (plain data, no SDK types), on-demand
 * billing. Time-to-live is switched on separately (`UpdateTimeToLive` on
 * {@link STATE_TTL_ATTRIBUTE}); dynalite keeps `ttl` as a plain attribute and expires nothing.
 *
 * @example
 * await client.send(new CreateTableCommand(stateTableDefinition(layout)));
 */
export function stateTableDefinition(layout: StateTableLayout) {
  const { pk, sk, gsi1pk, gsi1sk } = layout.fields;
  return {
    TableName: layout.tableName,
    BillingMode: "PAY_PER_REQUEST" as const,
    AttributeDefinitions: [pk, sk, gsi1pk, gsi1sk].map((name) => ({ AttributeName: name, AttributeType: "S" as const })),
    KeySchema: [
      { AttributeName: pk, KeyType: "HASH" as const },
      { AttributeName: sk, KeyType: "RANGE" as const },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: layout.indexes.gsi1,
        KeySchema: [
          { AttributeName: gsi1pk, KeyType: "HASH" as const },
          { AttributeName: gsi1sk, KeyType: "RANGE" as const },
        ],
        Projection: { ProjectionType: "ALL" as const },
      },
    ],
  };
}

/** Plain-data `CreateTable` input, as {@link stateTableDefinition} returns it. */
export type StateTableDefinition = ReturnType<typeof stateTableDefinition>;
