import type { Command } from "commander";
import { CdsError, generateWebhookSecret, ParameterError, type DeliveryItem, type SubscriptionItem } from "@cds/core";
import type { Io } from "../../io.ts";
import { resolveRoot } from "../../options/root.ts";
import { stageOption, stateLocationOf, withState } from "../../options/state.ts";
import { renderTable } from "../../output/table.ts";

const NOTIFIED_EVENTS = ["Search Completed", "Search Failed", "Submission Completed"];
const rootOption = ["--root <dir>", "the cds data folder (default: $CDS_ROOT or ./cds-data)"] as const;

export function registerWebhooksCommands(program: Command, io: Io): void {
  const webhooks = program.command("webhooks").description("manage webhook subscriptions (signed per Standard Webhooks)");
  webhooks
    .command("add")
    .description("subscribe a URL; prints its id and signing secret")
    .argument("<url>", "http(s) URL that receives POSTs")
    .option("--events <types...>", `event types (default: ${NOTIFIED_EVENTS.map((e) => `"${e}"`).join(" ")})`)
    .option(...rootOption)
    .option(...stageOption)
    .action(async (url: string, options: { events?: string[]; root?: string; stage?: string }) => {
      await addWebhookCommand(url, options, io);
    });
  webhooks
    .command("list")
    .description("list subscriptions")
    .option(...rootOption)
    .option(...stageOption)
    .option("--json", "print the subscriptions as JSON")
    .action(async (options: { root?: string; stage?: string; json?: boolean }) => {
      await listWebhooksCommand(options, io);
    });
  webhooks
    .command("deliveries")
    .description("list delivery attempts (of one subscription, or of all)")
    .argument("[subscriptionId]", "a subscription id")
    .option(...rootOption)
    .option(...stageOption)
    .option("--json", "print the delivery attempts as JSON")
    .action(async (subscriptionId: string | undefined, options: { root?: string; stage?: string; json?: boolean }) => {
      await deliveriesCommand(subscriptionId, options, io);
    });
  webhooks
    .command("remove")
    .description("remove a subscription")
    .argument("<subscriptionId>", "a subscription id")
    .option(...rootOption)
    .option(...stageOption)
    .action(async (subscriptionId: string, options: { root?: string; stage?: string }) => {
      await removeWebhookCommand(subscriptionId, options, io);
    });
}

export async function addWebhookCommand(url: string, options: { events?: string[]; root?: string; stage?: string }, io: Io): Promise<SubscriptionItem> {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) throw new ParameterError("url", `"${url}" is not an http(s) URL`);
  const events = (options.events ?? NOTIFIED_EVENTS).flatMap((e) => e.split(",")).map((e) => e.trim()).filter(Boolean);
  const unknown = events.filter((e) => !NOTIFIED_EVENTS.includes(e));
  if (unknown.length > 0) throw new ParameterError("--events", `webhooks can receive ${NOTIFIED_EVENTS.map((e) => `"${e}"`).join(", ")}, not ${unknown.map((e) => `"${e}"`).join(", ")}`);
  const subscription = await withState(stateLocationOf(resolveRoot(io.cwd, options.root), options), (state) => state.createSubscription({ url, events, secret: generateWebhookSecret() }));
  io.out(`subscription ${subscription.subscriptionId}`);
  io.out(`  url     ${subscription.url}`);
  io.out(`  events  ${subscription.events.join(", ")}`);
  io.out(`  secret  ${subscription.secret}   (verify webhook-signature with it; shown again by \`cds webhooks list\`)`);
  return subscription;
}

export async function listWebhooksCommand(options: { root?: string; stage?: string; json?: boolean }, io: Io): Promise<SubscriptionItem[]> {
  const root = resolveRoot(io.cwd, options.root);
  const subscriptions = await withState(stateLocationOf(root, options), (state) => state.listSubscriptions());
  if (options.json) {
    io.out(JSON.stringify(subscriptions, null, 2));
  } else if (subscriptions.length === 0) {
    const where = options.stage ? `--stage ${options.stage}` : `--root ${root}`;
    io.out(`no webhook subscriptions in ${options.stage ? `stage ${options.stage}` : root}; add one with \`cds webhooks add <url> ${where}\``);
  } else {
    renderTable(
      ["subscriptionId", "url", "events", "active", "secret"],
      subscriptions.map((s) => [s.subscriptionId, s.url, s.events.join(", "), s.active ? "yes" : "no", s.secret]),
    ).forEach((line) => io.out(line));
  }
  return subscriptions;
}

export async function deliveriesCommand(subscriptionId: string | undefined, options: { root?: string; stage?: string; json?: boolean }, io: Io): Promise<DeliveryItem[]> {
  const root = resolveRoot(io.cwd, options.root);
  const attempts = await withState(stateLocationOf(root, options), async (state) => {
    const ids = subscriptionId ? [subscriptionId] : (await state.listSubscriptions()).map((s) => s.subscriptionId);
    const pages = await Promise.all(ids.map((id) => state.listDeliveriesOfSubscription(id, { limit: 50 })));
    return pages.flatMap((p) => p.items).sort((a, b) => (a.attemptedAt < b.attemptedAt ? 1 : -1));
  });
  if (options.json) {
    io.out(JSON.stringify(attempts, null, 2));
  } else if (attempts.length === 0) {
    io.out("no deliveries yet");
  } else {
    renderTable(
      ["attemptedAt", "event", "attempt", "status", "code", "latencyMs", "deliveryId", "error"],
      attempts.map((a) => [a.attemptedAt, a.eventType, a.attempt, a.status, a.statusCode ?? "-", a.latencyMs ?? "-", a.deliveryId, a.error ?? ""]),
    ).forEach((line) => io.out(line));
  }
  return attempts;
}

export async function removeWebhookCommand(subscriptionId: string, options: { root?: string; stage?: string }, io: Io): Promise<void> {
  const removed = await withState(stateLocationOf(resolveRoot(io.cwd, options.root), options), (state) => state.removeSubscription(subscriptionId));
  if (!removed) throw new CdsError(`no subscription ${subscriptionId}; \`cds webhooks list\` shows them`);
  io.out(`removed subscription ${subscriptionId}`);
}
