import { notify } from "@cds/functions";
import { emailFromEnv, emailSubmissionFromEnv } from "./email-from-env.ts";
import { observed } from "./observability.ts";
import { webhooksFromEnv } from "./webhooks-from-env.ts";

/** Rules `search-finished` and `submission-completed` → queue the webhook deliveries (SQS) and email the outcome (SES). */
export const handler = observed("notify", (event: unknown): Promise<void> => notify(event, { webhooks: webhooksFromEnv(), email: emailFromEnv, emailSubmission: emailSubmissionFromEnv }));
