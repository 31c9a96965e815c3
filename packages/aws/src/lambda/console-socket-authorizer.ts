import { cognitoJwtVerifier } from "../console/cognito-jwt.ts";
import { authorizeSocket, type SocketAuthorizerEvent } from "../console/socket.ts";
import { regionFromEnv } from "../console/signing-from-env.ts";
import { observed } from "./observability.ts";
import { once, optionalSetting, setting } from "./settings.ts";

const verify = once(() =>
  cognitoJwtVerifier({
    issuer: `https://cognito-idp.${regionFromEnv()}.amazonaws.com/${setting("CDS_USER_POOL_ID")}`,
    clientId: setting("CDS_USER_POOL_CLIENT_ID"),
    // Only for tests on 127.0.0.1; a stage reads the pool's published keys.
    jwksUrl: optionalSetting("CDS_USER_POOL_JWKS_URL"),
  }),
);

/** The WebSocket `$connect` authorizer → allow when `?token=` is a valid JWT of the stage's user pool. */
export const handler = observed("console-socket-authorizer", (event: SocketAuthorizerEvent) => authorizeSocket(event, verify()));
