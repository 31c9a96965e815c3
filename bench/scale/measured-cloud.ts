import { AsyncLocalStorage } from "node:async_hooks";
import { subscribe } from "node:diagnostics_channel";
import type { ClientRequest, IncomingMessage } from "node:http";
import { deployedFunctionNames, type FunctionKey, type LambdaHandler, type LocalCloud } from "../../test/support/aws-over-http.ts";

// What each Lambda entry of the local cloud receives and reads, measured from outside the entries:
// every invocation runs in an AsyncLocalStorage context naming its function, and Node's HTTP
// client diagnostics channels attribute each response from the library bucket to the invocation
// whose request it answers (its Content-Length: a ranged GET counts only its range).

/** One invocation: its function, payload size and the library bytes it read. */
export interface InvocationRecord {
  fn: FunctionKey;
  payloadBytes: number;
  libraryBytes: number;
  /** Library objects it read, by kind: descriptor, page, items, shard, other. */
  objects: Record<string, number>;
}

/** Per function: invocations, largest payload, library bytes read (total and by one invocation). */
export interface FunctionFigures {
  invocations: number;
  largestPayloadBytes: number;
  libraryBytes: number;
  largestLibraryRead: number;
  objects: Record<string, number>;
}

// Every entry the local cloud deploys (its name table is typed by the stacks' list of entries).
const FUNCTIONS = Object.keys(deployedFunctionNames) as FunctionKey[];

/**
 * Wraps every function of `cloud` so that each invocation is recorded; `libraryBucket` is the
 * bucket whose reads count (path-style requests, as the entries make them here).
 */
export function measureInvocations(cloud: LocalCloud, libraryBucket: string): {
  records: InvocationRecord[];
  figures(from?: number): Record<string, FunctionFigures>;
  /** Makes `fn`'s invocations return at once (still recorded) until the returned function is called. */
  stub(fn: FunctionKey): () => void;
} {
  const current = new AsyncLocalStorage<InvocationRecord>();
  const owner = new WeakMap<ClientRequest, InvocationRecord>();
  const records: InvocationRecord[] = [];
  subscribe("http.client.request.start", (message) => {
    const { request } = message as { request: ClientRequest };
    const record = current.getStore();
    if (record && request.method === "GET" && request.path.startsWith(`/${libraryBucket}/`)) owner.set(request, record);
  });
  subscribe("http.client.response.finish", (message) => {
    const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
    const record = owner.get(request);
    if (!record || (response.statusCode ?? 0) >= 300) return;
    record.libraryBytes += Number(response.headers["content-length"] ?? 0);
    const kind = objectKind(request.path);
    record.objects[kind] = (record.objects[kind] ?? 0) + 1;
  });
  const stubbed = new Set<FunctionKey>();
  for (const fn of FUNCTIONS) {
    cloud.wrap(fn, (handler: LambdaHandler) => (event: never) => {
      const record: InvocationRecord = { fn, payloadBytes: Buffer.byteLength(JSON.stringify(event)), libraryBytes: 0, objects: {} };
      records.push(record);
      return stubbed.has(fn) ? Promise.resolve(undefined) : current.run(record, () => handler(event));
    });
  }
  return {
    records,
    stub(fn) {
      stubbed.add(fn);
      return () => stubbed.delete(fn);
    },
    figures(from = 0) {
      const out: Record<string, FunctionFigures> = {};
      for (const r of records.slice(from)) {
        const f = (out[r.fn] ??= { invocations: 0, largestPayloadBytes: 0, libraryBytes: 0, largestLibraryRead: 0, objects: {} });
        f.invocations++;
        f.largestPayloadBytes = Math.max(f.largestPayloadBytes, r.payloadBytes);
        f.libraryBytes += r.libraryBytes;
        f.largestLibraryRead = Math.max(f.largestLibraryRead, r.libraryBytes);
        for (const [kind, n] of Object.entries(r.objects)) f.objects[kind] = (f.objects[kind] ?? 0) + n;
      }
      return out;
    },
  };
}

function objectKind(path: string): string {
  const key = decodeURIComponent(path.split("?")[0]);
  if (key.endsWith("/manifest.json")) return "descriptor";
  if (/\/pages\/page-\d+\.json$/.test(key)) return "page";
  if (/\/items\/chunk-\d+\.json$/.test(key)) return "items";
  if (/shard-\d+/.test(key)) return "shard";
  return "other";
}
