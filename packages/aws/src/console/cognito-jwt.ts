import { createPublicKey, createVerify, type JsonWebKey, type KeyObject } from "node:crypto";

/** Where a user pool's tokens come from, and which app client they must be for. */
export interface CognitoTokenIssuer {
  /** `https://cognito-idp.<region>.amazonaws.com/<userPoolId>` */
  readonly issuer: string;
  readonly clientId: string;
  /** Default: `<issuer>/.well-known/jwks.json`. */
  readonly jwksUrl?: string;
  /**
   * The soonest the keys are fetched again for an unknown `kid` (default a minute): tokens with
   * made-up key ids must not make every `$connect` a request to Cognito.
   */
  readonly refetchAfterMs?: number;
}

/** A token's longest accepted length: Cognito's are about 1 KB (ID tokens with many groups, a few). */
const MAX_TOKEN_CHARS = 8 * 1024;
/** The largest JWKS document read. */
const MAX_JWKS_BYTES = 64 * 1024;
/** Clock skew tolerated on `exp`. */
const LEEWAY_SECONDS = 30;

/**
 * A verifier of the user pool's JWTs (RS256, the pool's published keys, fetched once and
 * again on an unknown `kid`, as after a key rotation, at most once a minute): it resolves the token's `sub` when the
 * token is signed by the pool, unexpired, and an access token of the app client (`client_id`)
 * or an ID token for it (`aud`); otherwise undefined. What API Gateway's JWT authorizer checks
 * for the HTTP routes, for the WebSocket's `$connect`, which only takes a Lambda authorizer.
 *
 * @example
 * const verify = cognitoJwtVerifier({ issuer, clientId });
 * const sub = await verify(token);
 */
export function cognitoJwtVerifier(pool: CognitoTokenIssuer, now: () => Date = () => new Date()): (token: string) => Promise<string | undefined> {
  let keys: Map<string, KeyObject> | undefined;
  let fetchedAt = -Infinity;
  const jwksUrl = pool.jwksUrl ?? `${pool.issuer}/.well-known/jwks.json`;
  const refetchAfterMs = pool.refetchAfterMs ?? 60_000;

  async function keyFor(kid: string): Promise<KeyObject | undefined> {
    if (!keys || (!keys.has(kid) && now().getTime() - fetchedAt >= refetchAfterMs)) {
      keys = await fetchKeys(jwksUrl);
      fetchedAt = now().getTime();
    }
    return keys.get(kid);
  }

  return async (token) => {
    if (typeof token !== "string" || token.length > MAX_TOKEN_CHARS) return undefined;
    const parts = token.split(".");
    if (parts.length !== 3) return undefined;
    const [header, claims] = [decodePart(parts[0]), decodePart(parts[1])];
    if (!header || !claims || header.alg !== "RS256" || typeof header.kid !== "string") return undefined;
    const key = await keyFor(header.kid);
    if (!key) return undefined;
    const signed = createVerify("RSA-SHA256").update(`${parts[0]}.${parts[1]}`).verify(key, Buffer.from(parts[2], "base64url"));
    if (!signed) return undefined;
    if (claims.iss !== pool.issuer) return undefined;
    if (typeof claims.exp !== "number" || claims.exp + LEEWAY_SECONDS < now().getTime() / 1000) return undefined;
    const forClient = claims.token_use === "access" ? claims.client_id === pool.clientId : claims.token_use === "id" ? claims.aud === pool.clientId : false;
    if (!forClient || typeof claims.sub !== "string") return undefined;
    return claims.sub;
  };
}

function decodePart(part: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

async function fetchKeys(url: string): Promise<Map<string, KeyObject>> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`the user pool's keys (${url}) answered HTTP ${response.status}`);
  const text = await response.text();
  if (text.length > MAX_JWKS_BYTES) throw new Error(`the user pool's keys (${url}) are over ${MAX_JWKS_BYTES} bytes`);
  const { keys } = JSON.parse(text) as { keys?: (JsonWebKey & { kid?: string })[] };
  const found = new Map<string, KeyObject>();
  for (const jwk of keys ?? []) if (jwk.kid && jwk.kty === "RSA") found.set(jwk.kid, createPublicKey({ key: jwk, format: "jwk" }));
  return found;
}
