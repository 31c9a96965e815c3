import { createSign, generateKeyPairSync, type KeyObject } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cognitoJwtVerifier } from "../src/console/cognito-jwt.ts";

// The $connect authorizer's JWT check, with real RS256 signatures: Cognito's published keys
// (its /.well-known/jwks.json) are stood in for by a JWKS server on 127.0.0.1 serving keys this
// test made; everything else is the code that runs on the stage.

const POOL = "us-east-1_TestPool";
const ISSUER = `https://cognito-idp.us-east-1.amazonaws.com/${POOL}`;
const CLIENT = "console-client-id";
const SUB = "7d3f1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b";

interface Key {
  kid: string;
  privateKey: KeyObject;
  jwk: Record<string, unknown>;
}

function newKey(kid: string): Key {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" } };
}

function token(key: Key, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const signed = `${part({ alg: "RS256", kid: key.kid, ...header })}.${part(claims)}`;
  return `${signed}.${createSign("RSA-SHA256").update(signed).sign(key.privateKey).toString("base64url")}`;
}

const now = () => Math.floor(Date.now() / 1000);
const idClaims = (extra: Record<string, unknown> = {}) => ({ sub: SUB, iss: ISSUER, aud: CLIENT, token_use: "id", exp: now() + 600, ...extra });

let server: Server;
let jwksUrl: string;
let served: Key[];
let fetches = 0;

beforeAll(async () => {
  served = [newKey("key-1")];
  server = createServer((_request, response) => {
    fetches++;
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ keys: served.map((key) => key.jwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${POOL}/.well-known/jwks.json`;
});

afterAll(() => new Promise<void>((resolve) => server?.close(() => resolve())));

describe("cognitoJwtVerifier (Cognito's key endpoint stood in for by a local JWKS server)", () => {
  it("accepts an ID token and an access token of the app client, giving the sub, and fetches the keys once", async () => {
    const verify = cognitoJwtVerifier({ issuer: ISSUER, clientId: CLIENT, jwksUrl });
    const before = fetches;
    expect(await verify(token(served[0], idClaims()))).toBe(SUB);
    expect(await verify(token(served[0], { sub: SUB, iss: ISSUER, client_id: CLIENT, token_use: "access", exp: now() + 600 }))).toBe(SUB);
    expect(fetches - before).toBe(1);
  });

  it.each([
    ["expired", idClaims({ exp: now() - 120 })],
    ["from another user pool", idClaims({ iss: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other" })],
    ["for another app client", idClaims({ aud: "someone-else" })],
    ["an access token for another client", { sub: SUB, iss: ISSUER, client_id: "someone-else", token_use: "access", exp: now() + 600 }],
    ["without token_use", idClaims({ token_use: undefined })],
    ["without exp", idClaims({ exp: undefined })],
  ])("refuses a token %s", async (_what, claims) => {
    const verify = cognitoJwtVerifier({ issuer: ISSUER, clientId: CLIENT, jwksUrl });
    expect(await verify(token(served[0], claims))).toBeUndefined();
  });

  it("refuses a token whose claims were changed after signing, one signed by another key, alg none or HS256, and garbage", async () => {
    const verify = cognitoJwtVerifier({ issuer: ISSUER, clientId: CLIENT, jwksUrl });
    const [header, , signature] = token(served[0], idClaims()).split(".");
    const otherSub = Buffer.from(JSON.stringify(idClaims({ sub: "00000000-0000-4000-8000-000000000000" }))).toString("base64url");
    expect(await verify(`${header}.${otherSub}.${signature}`)).toBeUndefined();
    const impostor = { ...newKey("key-1") };
    expect(await verify(token(impostor, idClaims()))).toBeUndefined();
    expect(await verify(token(served[0], idClaims(), { alg: "none" }))).toBeUndefined();
    expect(await verify(token(served[0], idClaims(), { alg: "HS256" }))).toBeUndefined();
    for (const bad of ["", "a.b", "a.b.c", "x".repeat(10_000)]) expect(await verify(bad)).toBeUndefined();
  });

  it("fetches the keys again for an unknown kid, as after the pool rotated its keys, but not more often than it is told", async () => {
    const limited = cognitoJwtVerifier({ issuer: ISSUER, clientId: CLIENT, jwksUrl });
    expect(await limited(token(served[0], idClaims()))).toBe(SUB);
    const before = fetches;
    for (let i = 0; i < 5; i++) expect(await limited(token(newKey(`made-up-${i}`), idClaims()))).toBeUndefined();
    expect(fetches).toBe(before);
    const verify = cognitoJwtVerifier({ issuer: ISSUER, clientId: CLIENT, jwksUrl, refetchAfterMs: 0 });
    expect(await verify(token(served[0], idClaims()))).toBe(SUB);
    const rotated = newKey("key-2");
    served = [served[0], rotated];
    expect(await verify(token(rotated, idClaims()))).toBe(SUB);
    expect(await verify(token(newKey("key-3"), idClaims()))).toBeUndefined();
  });
});

describe("the console-socket-authorizer entry (Cognito's key endpoint stood in for by a local JWKS server)", () => {
  it("allows $connect with the user pool's token in ?token= and passes the sub on; denies without one or with a bad one", async () => {
    Object.assign(process.env, { CDS_USER_POOL_ID: POOL, CDS_USER_POOL_CLIENT_ID: CLIENT, AWS_REGION: "us-east-1", CDS_USER_POOL_JWKS_URL: jwksUrl, POWERTOOLS_METRICS_DISABLED: "true", LOG_LEVEL: "WARN" });
    const { handler } = await import("../src/lambda/console-socket-authorizer.ts");
    const methodArn = "arn:aws:execute-api:us-east-1:123456789012:abc123/live/$connect";
    expect(await handler({ methodArn, queryStringParameters: { token: token(served[0], idClaims()) } })).toEqual({
      principalId: SUB,
      policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: methodArn }] },
      context: { sub: SUB },
    });
    for (const queryStringParameters of [undefined, { token: "not-a-jwt" }, { token: token(served[0], idClaims({ aud: "other" })) }]) {
      const denied = await handler({ methodArn, queryStringParameters });
      expect(denied.policyDocument.Statement[0].Effect).toBe("Deny");
      expect(denied.context).toBeUndefined();
    }
  });
});
