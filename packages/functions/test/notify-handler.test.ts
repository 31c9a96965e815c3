import { beforeEach, describe, expect, it } from "vitest";
import { generateWebhookSecret, type WebhookDeliveryMessage } from "@cds/core/notify";
import { EventValidationError, readFixture, searchCompleted, searchFailed, searchStarted, submissionCompleted } from "@cds/events";
import { createWebhookSender, notify, type SearchOutcomeEvent, type SubmissionOutcomeEvent } from "@cds/functions";
import { InProcessDeliveryQueue } from "@cds/local";
import { handlerPartsOnDynalite } from "@cds/testing/handler-parts-on-dynalite";

// Notify on real parts: the webhook sender over core's state store on dynalite and an in-process
// delivery queue (nothing consumes it here, so what notify queued stays to be read), and email
// ports that record what they were asked to send. Subscriptions: one per end event.

/** The email ports, keeping what they were asked to send; `refuse` makes them fail as a mail server that is down. */
class RecordingEmailer {
  readonly searches: SearchOutcomeEvent[] = [];
  readonly submissions: SubmissionOutcomeEvent[] = [];
  refuse?: Error;
  readonly email = async (event: SearchOutcomeEvent) => {
    if (this.refuse) throw this.refuse;
    this.searches.push(event);
  };
  readonly emailSubmission = async (event: SubmissionOutcomeEvent) => {
    if (this.refuse) throw this.refuse;
    this.submissions.push(event);
  };
}

const parts = handlerPartsOnDynalite();
let queue: InProcessDeliveryQueue<WebhookDeliveryMessage>;
let emailer: RecordingEmailer;
let subscriptionFor: Record<string, string>;

beforeEach(async () => {
  queue = new InProcessDeliveryQueue();
  emailer = new RecordingEmailer();
  subscriptionFor = {};
  for (const type of ["Search Completed", "Search Failed", "Submission Completed"] as const) {
    const subscription = await parts.state.createSubscription({ url: `https://hooks.example.org/${type.replace(" ", "-")}`, events: [type], secret: generateWebhookSecret() });
    subscriptionFor[type] = subscription.subscriptionId;
  }
});

function deps(options: { withSubmissionEmail?: boolean } = {}) {
  const webhooks = createWebhookSender({ state: parts.state, queue });
  return { webhooks, email: emailer.email, ...(options.withSubmissionEmail === false ? {} : { emailSubmission: emailer.emailSubmission }) };
}

/** The subscriptions each queued delivery is for, and the event it carries. */
const queued = () => queue.peek().map((message) => [message.subscriptionId, message.eventId]);

describe("the notify handler", () => {
  it.each([
    ["Search Completed", () => readFixture(searchCompleted)],
    ["Search Failed", () => readFixture(searchFailed)],
  ] as const)("on %s queues a delivery for the subscription that wants it, then emails the outcome", async (type, event) => {
    const outcome = event();

    await notify(outcome, deps());

    expect(queued()).toEqual([[subscriptionFor[type], outcome.id]]);
    expect((await parts.state.listPendingDeliveries(subscriptionFor[type])).map((delivery) => delivery.eventId)).toEqual([outcome.id]);
    expect(emailer.searches.map((sent) => [sent["detail-type"], sent.detail.searchId])).toEqual([[type, outcome.detail.searchId]]);
    expect(emailer.submissions).toEqual([]);
  });

  it("on Submission Completed queues its delivery and emails the submission's outcome", async () => {
    const outcome = readFixture(submissionCompleted);

    await notify(outcome, deps());

    expect(queued()).toEqual([[subscriptionFor["Submission Completed"], outcome.id]]);
    expect(emailer.submissions.map((sent) => sent.detail.submissionId)).toEqual([outcome.detail.submissionId]);
    expect(emailer.searches).toEqual([]);
  });

  it("on Submission Completed without a submission emailer, still queues its delivery", async () => {
    await notify(readFixture(submissionCompleted), deps({ withSubmissionEmail: false }));

    expect(queued()).toHaveLength(1);
  });

  it("queues the webhooks before the email, so a mail server that is down costs subscribers nothing", async () => {
    const outcome = readFixture(searchCompleted);
    emailer.refuse = new Error("connect ECONNREFUSED 127.0.0.1:25");

    await expect(notify(outcome, deps())).rejects.toThrow(/ECONNREFUSED/);

    expect(queued()).toEqual([[subscriptionFor["Search Completed"], outcome.id]]);
  });

  it("ignores the other events: nothing queued, nothing emailed", async () => {
    await notify(readFixture(searchStarted), deps());

    expect(queue.size).toBe(0);
    expect(emailer.searches).toEqual([]);
  });

  it("rejects a malformed event with the field at fault, and sends nothing", async () => {
    const event = readFixture(searchFailed) as { detail: Record<string, unknown> };
    event.detail.stage = "combining";

    await expect(notify(event, deps())).rejects.toThrow(EventValidationError);
    await expect(notify(event, deps())).rejects.toThrow(/detail\.stage/);
    expect(queue.size).toBe(0);
    expect(emailer.searches).toEqual([]);
  });
});
