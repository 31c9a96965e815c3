import type { ConsoleTable } from "./console-table.ts";
import { isOwner } from "./owner.ts";

/** The parts of an API Gateway WebSocket event the connection routes read. */
export interface SocketEvent {
  readonly requestContext: {
    readonly routeKey?: string;
    readonly connectionId?: string;
    /** What the `$connect` authorizer returned as context; API Gateway passes it to every route of the connection. */
    readonly authorizer?: Readonly<Record<string, unknown>>;
  };
}

/** A Lambda REQUEST authorizer's event for `$connect` (the token comes as `?token=`). */
export interface SocketAuthorizerEvent {
  readonly methodArn: string;
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>>;
}

/** A Lambda authorizer's answer: an IAM policy for the `$connect` route, and the owner as context. */
export interface AuthorizerResult {
  readonly principalId: string;
  readonly policyDocument: { Version: "2012-10-17"; Statement: { Action: "execute-api:Invoke"; Effect: "Allow" | "Deny"; Resource: string }[] };
  readonly context?: { sub: string };
}

/**
 * The `$connect` authorizer: allows the connection when `?token=` is a valid JWT of the user
 * pool (see `cognitoJwtVerifier`) and hands its `sub` to the routes; denies it otherwise.
 *
 * @example
 * await authorizeSocket(event, verify) // { principalId: sub, policyDocument: { … Allow … }, context: { sub } }
 */
export async function authorizeSocket(event: SocketAuthorizerEvent, verify: (token: string) => Promise<string | undefined>): Promise<AuthorizerResult> {
  const token = event.queryStringParameters?.token;
  const sub = token ? await verify(token) : undefined;
  const allowed = isOwner(sub);
  return {
    principalId: allowed ? sub : "anonymous",
    policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: allowed ? "Allow" : "Deny", Resource: event.methodArn }] },
    ...(allowed ? { context: { sub } } : {}),
  };
}

/**
 * `$connect` stores the connection under its owner (with a TTL, for connections whose
 * `$disconnect` never ran); `$disconnect` deletes it.
 *
 * @example
 * await onSocketRoute(event, table) // { statusCode: 200 }
 */
export async function onSocketRoute(event: SocketEvent, table: Pick<ConsoleTable, "putConnection" | "deleteConnection">): Promise<{ statusCode: number }> {
  const { routeKey, connectionId, authorizer } = event.requestContext;
  const owner = authorizer?.sub;
  if (!connectionId || !isOwner(owner)) return { statusCode: 403 };
  if (routeKey === "$connect") await table.putConnection(owner, connectionId);
  else if (routeKey === "$disconnect") await table.deleteConnection(owner, connectionId);
  else return { statusCode: 400 };
  return { statusCode: 200 };
}
