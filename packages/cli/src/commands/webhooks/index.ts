import type { Command } from "commander";
import { CdsError, ParameterError } from "@cds/core";
import type { DeliveryItem, SubscriptionItem } from "@cds/core/entities";
import { checkWebhookTarget, generateWebhookSecret, secretFingerprint, WEBHOOK_EVENT_TYPES } from "@cds/core/notify";
import type { Io } from "../../io.ts";
import { resolveRoot } from "../../options/root.ts";
import { stageOption, stateLocationOf, withState } from "../../options/state.ts";
import { renderTable } from "../../output/table.ts";

const rootOption = ["--root <dir>", "the cds data folder (default: $CDS_ROOT or ./cds-data)"] as const;
/** How long a rotated-out secret still signs, unless `--grace` says otherwise. */
const DEFAULT_GRACE_HOURS = 24;

export function registerWebhooksCommands(program: Command, io: Io): void {
  const webhooks = program.command("webhooks").description("manage webhook subscriptions (signed per Standard Webhooks)");
  webhooks
    .command("add")
    .description("subscribe a URL; prints its id and signing secret")
    .argument("<url>", "http(s) URL that receives POSTs")
    .option("--events <types...>", `event types (default: ${WEBHOOK_EVENT_TYPES.map((e) => `"${e}"`).join(" ")})`)
    .option("--allow-private", "allow a receiver on this machine or network (loopback, private, link-local hosts)")
    .option(...rootOption)
    .option(...stageOption)
    .action(async (url: string, options: AddOptions) => {
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
    .command("rotate")
    .description("give a subscription a new signing secret; the old one keeps signing for a grace period")
    .argument("<subscriptionId>", "a subscription id")
    .option("--grace <hours>", `hours the old secret stays valid (default ${DEFAULT_GRACE_HOURS}; 0 ends it now)`)
    .option(...rootOption)
    .option(...stageOption)
    .action(async (subscriptionId: string, options: { grace?: string; root?: string; stage?: string }) => {
      await rotateWebhookCommand(subscriptionId, options, io);
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

type AddOptions = { events?: string[]; allowPrivate?: boolean; root?: string; stage?: string };

export async function addWebhookCommand(url: string, options: AddOptions, io: Io): Promise<SubscriptionItem> {
  // A value that is not an http(s) URL at all is an invalid option value (exit 2), like every other.
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) throw new ParameterError("url", `"${url}" is not an http(s) URL`);
  const events = (options.events ?? WEBHOOK_EVENT_TYPES).flatMap((e) => e.split(",")).map((e) => e.trim()).filter(Boolean);
  const unknown = events.filter((e) => !WEBHOOK_EVENT_TYPES.includes(e));
  if (unknown.length > 0) throw new ParameterError("--events", `webhooks can receive ${WEBHOOK_EVENT_TYPES.map((e) => `"${e}"`).join(", ")}, not ${unknown.map((e) => `"${e}"`).join(", ")}`);
  const allowPrivate = options.allowPrivate === true;
  // Refused now rather than at the first event: credentials in the URL, and (without
  // --allow-private) a host that is or resolves to a loopback / private / metadata address.
  await checkWebhookTarget(url, { allowPrivate });
  const subscription = await withState(stateLocationOf(resolveRoot(io.cwd, options.root), options), (state) => state.createSubscription({ url, events, secret: generateWebhookSecret(), allowPrivate }));
  io.out(`subscription ${subscription.subscriptionId}`);
  io.out(`  url     ${subscription.url}${allowPrivate ? "   (private hosts allowed)" : ""}`);
  io.out(`  events  ${subscription.events.join(", ")}`);
  io.out(`  secret  ${subscription.secret}   (verify webhook-signature with it; shown only now — \`cds webhooks list\` shows its fingerprint, \`cds webhooks rotate\` makes a new one)`);
  return subscription;
}

export async function listWebhooksCommand(options: { root?: string; stage?: string; json?: boolean }, io: Io): Promise<SubscriptionItem[]> {
  const root = resolveRoot(io.cwd, options.root);
  const subscriptions = await withState(stateLocationOf(root, options), (state) => state.listSubscriptions());
  if (options.json) {
    // Secrets are shown only when made (add, rotate): the JSON carries their fingerprints, as the table does.
    const shown = subscriptions.map(({ secret, previousSecret, ...rest }) => ({
      ...rest,
      secretFingerprint: secretFingerprint(secret),
      ...(previousSecret ? { previousSecretFingerprint: secretFingerprint(previousSecret) } : {}),
    }));
    io.out(JSON.stringify(shown, null, 2));
  } else if (subscriptions.length === 0) {
    const where = options.stage ? `--stage ${options.stage}` : `--root ${root}`;
    io.out(`no webhook subscriptions in ${options.stage ? `stage ${options.stage}` : root}; add one with \`cds webhooks add <url> ${where}\``);
  } else {
    renderTable(
      ["subscriptionId", "url", "events", "active", "private", "secret"],
      subscriptions.map((s) => [
        s.subscriptionId,
        s.url,
        s.events.join(", "),
        s.active ? "yes" : "no",
        s.allowPrivate ? "allowed" : "no",
        secretFingerprint(s.secret) + (s.previousSecret && s.previousSecretExpiresAt && Date.parse(s.previousSecretExpiresAt) > Date.now() ? ` (+ previous until ${s.previousSecretExpiresAt})` : ""),
      ]),
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

export async function rotateWebhookCommand(subscriptionId: string, options: { grace?: string; root?: string; stage?: string }, io: Io): Promise<SubscriptionItem> {
  const hours = options.grace === undefined ? DEFAULT_GRACE_HOURS : Number(options.grace);
  if (!Number.isFinite(hours) || hours < 0 || hours > 24 * 30) throw new ParameterError("--grace", `--grace must be a number of hours from 0 to 720, got "${options.grace}"`);
  const until = new Date(Date.now() + hours * 3600_000);
  const rotated = await withState(stateLocationOf(resolveRoot(io.cwd, options.root), options), (state) =>
    state.rotateSubscriptionSecret(subscriptionId, generateWebhookSecret(), until),
  );
  if (!rotated) throw new CdsError(`no subscription ${subscriptionId}; \`cds webhooks list\` shows them`);
  io.out(`subscription ${subscriptionId}: new secret`);
  io.out(`  secret  ${rotated.secret}   (shown only now; fingerprint ${secretFingerprint(rotated.secret)})`);
  io.out(
    hours > 0
      ? `  the old secret (${secretFingerprint(rotated.previousSecret ?? "")}) also signs every webhook until ${until.toISOString()}: switch the receiver before then`
      : "  the old secret no longer signs",
  );
  return rotated;
}
