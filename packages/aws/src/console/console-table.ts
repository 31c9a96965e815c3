import { DeleteCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/** How long a connection item lives: API Gateway closes a WebSocket after 2 hours at most. */
export const CONNECTION_TTL_SECONDS = 2 * 60 * 60;

/** How long the record of a console upload lives: as long as its results (stacks/Storage.ts, 30 days). */
export const UPLOAD_TTL_SECONDS = 30 * 24 * 60 * 60;

/** The expiry attribute (epoch seconds) DynamoDB's TTL deletes items by. */
export const CONSOLE_TTL_ATTRIBUTE = "expiresAt";

/** One upload made through the console, as its owner's list of searches needs it. */
export interface ConsoleUpload {
  readonly submissionId: string;
  readonly maskId: string;
  readonly key: string;
  readonly library: string;
  readonly createdAt: string;
}

/**
 * The console's own table (`pk`, `sk`, TTL on `expiresAt`), one partition per signed-in user:
 * `owner#<sub>` holds the user's open WebSocket connections (`connection#<id>`) and the uploads
 * the user made (`upload#<createdAt>#<submissionId>`, so a query newest first lists them).
 * Kept apart from the state table so the pipeline's records and grants stay as they are.
 *
 * @example
 * const table = new ConsoleTable(documentClient, "dev-cdm-search-console");
 * await table.putConnection(sub, connectionId);
 */
export class ConsoleTable {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #now: () => Date;

  constructor(client: DynamoDBDocumentClient, tableName: string, now: () => Date = () => new Date()) {
    this.#client = client;
    this.#tableName = tableName;
    this.#now = now;
  }

  async putConnection(owner: string, connectionId: string): Promise<void> {
    await this.#client.send(
      new PutCommand({
        TableName: this.#tableName,
        Item: { pk: ownerKey(owner), sk: `connection#${connectionId}`, connectionId, [CONSOLE_TTL_ATTRIBUTE]: this.#expiry(CONNECTION_TTL_SECONDS) },
      }),
    );
  }

  async deleteConnection(owner: string, connectionId: string): Promise<void> {
    await this.#client.send(new DeleteCommand({ TableName: this.#tableName, Key: { pk: ownerKey(owner), sk: `connection#${connectionId}` } }));
  }

  /** The owner's connections not yet expired (TTL deletes lag by up to days). */
  async connectionsOf(owner: string): Promise<string[]> {
    const items = await this.#query(owner, "connection#", { limit: 100, newestFirst: false });
    const now = Math.floor(this.#now().getTime() / 1000);
    return items.filter((item) => Number(item[CONSOLE_TTL_ATTRIBUTE]) > now).map((item) => String(item.connectionId));
  }

  async recordUpload(owner: string, upload: ConsoleUpload): Promise<void> {
    await this.#client.send(
      new PutCommand({
        TableName: this.#tableName,
        Item: { pk: ownerKey(owner), sk: `upload#${upload.createdAt}#${upload.submissionId}`, ...upload, [CONSOLE_TTL_ATTRIBUTE]: this.#expiry(UPLOAD_TTL_SECONDS) },
      }),
    );
  }

  /** The owner's latest `limit` uploads, newest first. */
  async uploadsOf(owner: string, limit: number): Promise<ConsoleUpload[]> {
    const items = await this.#query(owner, "upload#", { limit, newestFirst: true });
    return items.map((item) => ({
      submissionId: String(item.submissionId),
      maskId: String(item.maskId),
      key: String(item.key),
      library: String(item.library),
      createdAt: String(item.createdAt),
    }));
  }

  async #query(owner: string, prefix: string, options: { limit: number; newestFirst: boolean }): Promise<Record<string, unknown>[]> {
    const { Items } = await this.#client.send(
      new QueryCommand({
        TableName: this.#tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": ownerKey(owner), ":prefix": prefix },
        ScanIndexForward: !options.newestFirst,
        Limit: options.limit,
      }),
    );
    return (Items ?? []) as Record<string, unknown>[];
  }

  #expiry(seconds: number): number {
    return Math.floor(this.#now().getTime() / 1000) + seconds;
  }
}

function ownerKey(owner: string): string {
  return `owner#${owner}`;
}
