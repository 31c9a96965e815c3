/** What the browser app learns before sign-in: which runtime it talks to, where live updates come from, how to sign in. */
export interface ConsoleConfig {
  readonly runtime: "stage";
  readonly live: { readonly kind: "websocket"; readonly url: string };
  readonly auth: { readonly kind: "cognito"; readonly userPoolId: string; readonly clientId: string; readonly region: string };
}

/**
 * The stage's `GET /api/config` answer, from the settings the Console stack gives the function.
 *
 * @example
 * consoleConfig({ socketUrl: "wss://abc.execute-api.us-east-1.amazonaws.com/dev", userPoolId, clientId, region })
 */
export function consoleConfig(settings: { socketUrl: string; userPoolId: string; clientId: string; region: string }): ConsoleConfig {
  return {
    runtime: "stage",
    live: { kind: "websocket", url: settings.socketUrl },
    auth: { kind: "cognito", userPoolId: settings.userPoolId, clientId: settings.clientId, region: settings.region },
  };
}
