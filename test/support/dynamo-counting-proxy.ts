import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

// A counting proxy in front of dynalite: every DynamoDB write request that passes through it is
// recorded with the partition key and item it wrote and the write units it consumed, so a
// benchmark can say what one search costs each partition and each item, which is what DynamoDB
// throttles (about 1,000 write units per second per partition key, and per item). Dynalite
// itself throttles nothing, so a hot key would go unnoticed without it.
//
// Units: the proxy asks for `ReturnConsumedCapacity: TOTAL` on each write (the callers ignore the
// extra field) and takes dynalite's figure: the larger of the old and new item's size in 1 KB
// units, as DynamoDB charges. A write refused by its condition still costs DynamoDB one unit (of
// the item's size, which the proxy does not see): counted as 1. Writes to the GSI are counted
// against the GSI's partition key, known from the item's last written `gsi1pk`; a refused write
// changes no index.

/** One write the proxy saw. */
export interface CountedWrite {
  operation: "PutItem" | "UpdateItem" | "DeleteItem" | "BatchWriteItem";
  /** The table's partition key value. */
  partition: string;
  /** `partition` + the sort key value. */
  item: string;
  /** Write units consumed in the table. */
  units: number;
  /** False when DynamoDB refused it (a failed condition, a validation error). */
  applied: boolean;
  /** The GSI partition key the write also updated (an applied write to an item in the index). */
  gsiPartition?: string;
}

/** Largest counts over a set of writes. */
export interface WriteLoad {
  requests: number;
  units: number;
  /** Most write requests to one table partition key, and which. */
  perPartition: { key: string; requests: number; units: number };
  /** Most write requests to one item, and which. */
  perItem: { key: string; requests: number; units: number };
  /** Most writes to one GSI partition key, and which (none when nothing in the index was written). */
  perGsiPartition: { key: string; requests: number };
}

/** A running proxy. */
export interface DynamoCountingProxy {
  endpoint: string;
  writes: CountedWrite[];
  /** Forgets what was counted so far. */
  reset(): void;
  close(): Promise<void>;
}

/** Key attribute names of the proxied table. */
export interface CountedKeys {
  pk: string;
  sk: string;
  gsi1pk: string;
}

const WRITE_OPERATIONS = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"]);
/** No DynamoDB request is larger (BatchWriteItem's limit is 16 MB); a larger one is refused. */
const MAX_BODY_BYTES = 17 * 1024 * 1024;

type AttributeMap = Record<string, Record<string, unknown>>;

/**
 * Starts the proxy on 127.0.0.1 in front of `target` (dynalite's endpoint).
 *
 * @example
 * const proxy = await startDynamoCountingProxy(dynalite.endpoint, { pk: "pk", sk: "sk", gsi1pk: "gsi1pk" });
 * process.env.AWS_ENDPOINT_URL_DYNAMODB = proxy.endpoint;
 */
export async function startDynamoCountingProxy(target: string, keys: CountedKeys): Promise<DynamoCountingProxy> {
  const upstream = new URL(target);
  const writes: CountedWrite[] = [];
  /** Each item's GSI partition key as last written (items outside the index are absent). */
  const gsiOf = new Map<string, string>();

  const keyString = (value: Record<string, unknown> | undefined) => (value ? String(Object.values(value)[0]) : "");
  const itemOf = (key: AttributeMap) => ({ partition: keyString(key[keys.pk]), item: `${keyString(key[keys.pk])}|${keyString(key[keys.sk])}` });

  /** The GSI partition key an UpdateItem sets, if its expression sets it. */
  function gsiSetBy(body: { UpdateExpression?: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: AttributeMap }): string | undefined {
    const names = body.ExpressionAttributeNames ?? {};
    for (const [, name, value] of (body.UpdateExpression ?? "").matchAll(/(#[\w]+)\s*=\s*(:[\w]+)/g)) {
      if (names[name] === keys.gsi1pk) return keyString(body.ExpressionAttributeValues?.[value]);
    }
    return undefined;
  }

  function record(operation: string, body: Record<string, unknown>, status: number, response: Record<string, unknown>): void {
    const applied = status === 200;
    if (operation === "BatchWriteItem") {
      const requests = Object.values((body.RequestItems ?? {}) as Record<string, { PutRequest?: { Item: AttributeMap }; DeleteRequest?: { Key: AttributeMap } }[]>).flat();
      const consumed = ((response.ConsumedCapacity ?? []) as { CapacityUnits?: number }[]).reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
      for (const r of requests) {
        const key = r.PutRequest?.Item ?? r.DeleteRequest?.Key ?? {};
        const at = itemOf(key);
        const gsi = r.PutRequest ? keyString(r.PutRequest.Item[keys.gsi1pk]) || undefined : gsiOf.get(at.item);
        writes.push({ operation: "BatchWriteItem", ...at, units: applied ? consumed / requests.length : 1, applied, ...(applied && gsi ? { gsiPartition: gsi } : {}) });
        if (applied && r.PutRequest) setGsi(at.item, gsi);
        if (applied && r.DeleteRequest) gsiOf.delete(at.item);
      }
      return;
    }
    const key = (operation === "PutItem" ? body.Item : body.Key) as AttributeMap;
    const at = itemOf(key);
    const units = applied ? ((response.ConsumedCapacity as { CapacityUnits?: number } | undefined)?.CapacityUnits ?? 1) : 1;
    let gsi: string | undefined;
    if (applied) {
      const before = gsiOf.get(at.item);
      if (operation === "PutItem") setGsi(at.item, keyString(key[keys.gsi1pk]) || undefined);
      if (operation === "UpdateItem") setGsi(at.item, gsiSetBy(body) ?? before);
      if (operation === "DeleteItem") gsiOf.delete(at.item);
      gsi = gsiOf.get(at.item) ?? before;
    }
    writes.push({ operation: operation as CountedWrite["operation"], ...at, units, applied, ...(gsi ? { gsiPartition: gsi } : {}) });
  }

  function setGsi(item: string, gsi: string | undefined): void {
    if (gsi) gsiOf.set(item, gsi);
    else gsiOf.delete(item);
  }

  const server: Server = createServer(async (req, res) => {
    try {
      const raw = await readBody(req);
      const operation = String(req.headers["x-amz-target"] ?? "").split(".")[1] ?? "";
      const counted = WRITE_OPERATIONS.has(operation);
      let body: Record<string, unknown> = {};
      let forward = raw;
      if (counted) {
        body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
        // dynalite does not check signatures, so the body may change under the client's.
        forward = Buffer.from(JSON.stringify({ ...body, ReturnConsumedCapacity: body.ReturnConsumedCapacity ?? "TOTAL" }));
      }
      const { status, headers, payload } = await send(upstream, req, forward);
      if (counted) {
        let parsed: Record<string, unknown> = {};
        try {
          parsed = JSON.parse(payload.toString("utf8")) as Record<string, unknown>;
        } catch {
          // an unparsable answer counts as a refused write
        }
        record(operation, body, status, parsed);
      }
      res.writeHead(status, { ...headers, "content-length": String(payload.byteLength) });
      res.end(payload);
    } catch (error) {
      res.writeHead(502, { "content-type": "application/x-amz-json-1.0" });
      res.end(JSON.stringify({ __type: "ProxyError", message: error instanceof Error ? error.message : String(error) }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    writes,
    reset() {
      writes.length = 0;
    },
    close: () => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())),
  };
}

/**
 * The largest counts over `writes`: requests and units per table partition key and per item,
 * writes per GSI partition key, and the totals (GSI writes count once more each, as DynamoDB
 * charges the index's write as well).
 */
export function writeLoad(writes: readonly CountedWrite[]): WriteLoad {
  const most = (keyOf: (w: CountedWrite) => string | undefined) => {
    const counts = new Map<string, { requests: number; units: number }>();
    for (const w of writes) {
      const key = keyOf(w);
      if (key === undefined) continue;
      const c = counts.get(key) ?? { requests: 0, units: 0 };
      c.requests++;
      c.units += w.units;
      counts.set(key, c);
    }
    let best = { key: "", requests: 0, units: 0 };
    for (const [key, c] of counts) if (c.requests > best.requests || (c.requests === best.requests && c.units > best.units)) best = { key, ...c };
    return best;
  };
  const gsi = most((w) => w.gsiPartition);
  const gsiUnits = writes.filter((w) => w.gsiPartition).reduce((sum, w) => sum + w.units, 0);
  return {
    requests: writes.length,
    units: writes.reduce((sum, w) => sum + w.units, 0) + gsiUnits,
    perPartition: most((w) => w.partition),
    perItem: most((w) => w.item),
    perGsiPartition: { key: gsi.key, requests: gsi.requests },
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req) {
    length += (chunk as Buffer).byteLength;
    if (length > MAX_BODY_BYTES) throw new Error(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(upstream: URL, req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; payload: Buffer }> {
  return new Promise((resolve, reject) => {
    const { host: _host, "content-length": _length, ...headers } = req.headers;
    const out = httpRequest(
      { hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...headers, host: upstream.host, "content-length": String(body.byteLength) } },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => chunks.push(chunk));
        answer.on("end", () => {
          const { "content-length": _l, "transfer-encoding": _t, ...rest } = answer.headers;
          resolve({ status: answer.statusCode ?? 502, headers: rest, payload: Buffer.concat(chunks) });
        });
        answer.on("error", reject);
      },
    );
    out.on("error", reject);
    out.end(body);
  });
}
