import { SESv2Client } from "@aws-sdk/client-sesv2";
import { emailSearchOutcome, emailSubmissionOutcome, type SearchOutcomeEvent, type SubmissionOutcomeEvent } from "@cds/functions";
import { SesMailer } from "../ses-mailer.ts";
import { once, optionalSetting } from "./settings.ts";
import { stateFromEnv } from "./state-from-env.ts";

const mailer = once(() => {
  const from = optionalSetting("CDS_EMAIL_FROM");
  return from ? new SesMailer({ client: new SESv2Client({}), from }) : undefined;
});

/**
 * Emails a search's outcome through SES from `CDS_EMAIL_FROM` (a verified identity) to the
 * submitter, else to `CDS_NOTIFY_EMAIL`. A stage deployed without a sender sends no email:
 * webhooks still go out.
 */
export async function emailFromEnv(event: SearchOutcomeEvent): Promise<unknown> {
  const sender = mailer();
  if (!sender) return undefined;
  return emailSearchOutcome(event, {
    state: stateFromEnv(),
    mailer: sender,
    defaultRecipient: optionalSetting("CDS_NOTIFY_EMAIL"),
    resultsBaseUrl: optionalSetting("CDS_RESULTS_BASE_URL"),
  });
}

/** Emails a finished submission (each mask's best match) the same way, from the same sender. */
export async function emailSubmissionFromEnv(event: SubmissionOutcomeEvent): Promise<unknown> {
  const sender = mailer();
  if (!sender) return undefined;
  return emailSubmissionOutcome(event, {
    state: stateFromEnv(),
    mailer: sender,
    defaultRecipient: optionalSetting("CDS_NOTIFY_EMAIL"),
    resultsBaseUrl: optionalSetting("CDS_RESULTS_BASE_URL"),
  });
}
