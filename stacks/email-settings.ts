/**
 * A stage's email settings, read where SST reads stage configuration: the environment of the
 * deploy, which SST fills from `.env` and `.env.<stage>` at the project root.
 *
 * - `CDS_EMAIL_FROM`: the sender (`lab@example.org` or `Lab <lab@example.org>`); without it the
 *   stage sends no email (webhooks still go out) and the notify function gets no SES access.
 * - `CDS_EMAIL_IDENTITY`: the SES identity that authorizes the sender, an address or a domain
 *   (default: the sender's address).
 * - `CDS_EMAIL_IDENTITY_EXISTS=1`: the identity is verified already (identities belong to the
 *   account, so a second stage with the same sender must not create it again).
 * - `CDS_NOTIFY_EMAIL`, `CDS_RESULTS_BASE_URL`: passed to the notify function as they are.
 */
export interface EmailSettings {
  readonly from: string;
  readonly identity: string;
  readonly identityExists: boolean;
  readonly defaultRecipient?: string;
  readonly resultsBaseUrl?: string;
}

/**
 * The stage's email settings, or undefined when no sender is configured.
 *
 * @example
 * emailSettings({ CDS_EMAIL_FROM: "Lab <lab@example.org>" })?.identity; // "lab@example.org"
 */
export function emailSettings(env: NodeJS.ProcessEnv = process.env): EmailSettings | undefined {
  const from = env.CDS_EMAIL_FROM?.trim();
  if (!from) return undefined;
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  return {
    from,
    identity: env.CDS_EMAIL_IDENTITY?.trim() || address,
    identityExists: env.CDS_EMAIL_IDENTITY_EXISTS === "1",
    defaultRecipient: env.CDS_NOTIFY_EMAIL?.trim() || undefined,
    resultsBaseUrl: env.CDS_RESULTS_BASE_URL?.trim() || undefined,
  };
}
