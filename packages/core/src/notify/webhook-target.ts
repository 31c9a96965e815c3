import { lookup as dnsLookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { CdsError } from "../errors.ts";

/**
 * Why an address may not receive webhooks unless its subscription allows private targets: a
 * signed POST from cds to one of these reaches this machine, its network or the cloud
 * provider's metadata service, which a subscriber should not be able to point cds at by default.
 */
export type ForbiddenAddressKind = "loopback" | "private" | "link-local" | "cloud metadata" | "unspecified" | "multicast" | "reserved";

/** A webhook URL or the address its host resolves to is refused; the message says why and what to do. */
export class WebhookTargetRefusedError extends CdsError {
  override name = "WebhookTargetRefusedError";
}

/** The ranges refused without `--allow-private`, most specific first (metadata before link-local). */
const RANGES: readonly [kind: ForbiddenAddressKind, family: "ipv4" | "ipv6", network: string, prefix: number][] = [
  ["cloud metadata", "ipv4", "169.254.169.254", 32],
  ["cloud metadata", "ipv6", "fd00:ec2::254", 128],
  ["unspecified", "ipv4", "0.0.0.0", 8],
  ["loopback", "ipv4", "127.0.0.0", 8],
  ["private", "ipv4", "10.0.0.0", 8],
  ["private", "ipv4", "172.16.0.0", 12],
  ["private", "ipv4", "192.168.0.0", 16],
  ["private", "ipv4", "100.64.0.0", 10], // carrier-grade NAT: someone's internal network
  ["link-local", "ipv4", "169.254.0.0", 16],
  ["reserved", "ipv4", "192.0.0.0", 24],
  ["reserved", "ipv4", "198.18.0.0", 15],
  ["multicast", "ipv4", "224.0.0.0", 4],
  ["reserved", "ipv4", "240.0.0.0", 4], // includes 255.255.255.255
  ["unspecified", "ipv6", "::", 128],
  ["loopback", "ipv6", "::1", 128],
  ["private", "ipv6", "fc00::", 7],
  ["link-local", "ipv6", "fe80::", 10],
  ["multicast", "ipv6", "ff00::", 8],
];

const BLOCKS = RANGES.map(([kind, family, network, prefix]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  return { kind, family, list };
});

/**
 * What kind of forbidden address `ip` is, or undefined for a public one. IPv6 forms that carry
 * an IPv4 address (mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`) are judged by that address.
 *
 * @example
 * forbiddenAddressKind("169.254.169.254"); // "cloud metadata"
 * forbiddenAddressKind("::ffff:10.0.0.1");  // "private"
 * forbiddenAddressKind("93.184.215.14");    // undefined
 */
export function forbiddenAddressKind(ip: string): ForbiddenAddressKind | undefined {
  const family = isIP(ip);
  if (family === 0) return "reserved";
  if (family === 6) {
    const embedded = embeddedIpv4(ip);
    if (embedded) return forbiddenAddressKind(embedded);
  }
  const type = family === 4 ? "ipv4" : "ipv6";
  return BLOCKS.find((b) => b.family === type && b.list.check(ip, type))?.kind;
}

/** The IPv4 address inside an IPv4-mapped or NAT64 IPv6 address, if any. */
function embeddedIpv4(ip: string): string | undefined {
  const lower = ip.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return undefined;
  const high = Number.parseInt(hex[1], 16);
  const low = Number.parseInt(hex[2], 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join(".");
}

/** `[::1]` → `::1`: URL keeps brackets around IPv6 hosts, addresses have none. */
export function hostOfUrl(url: URL): string {
  return url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Checks what can be checked of a webhook URL without the network: http(s) only, no
 * credentials in it (they would be sent to, and logged by, whoever receives it — sign with the
 * subscription's secret instead), and, unless `allowPrivate`, no host that is a forbidden IP
 * literal or `localhost`. Throws {@link WebhookTargetRefusedError}.
 *
 * @example
 * const url = checkWebhookUrl("https://hooks.example.org/cds", { allowPrivate: false });
 */
export function checkWebhookUrl(text: string, options: { allowPrivate: boolean }): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WebhookTargetRefusedError(`"${text}" is not a URL; a webhook needs an http(s) URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new WebhookTargetRefusedError(`"${text}" is not an http(s) URL`);
  if (url.username !== "" || url.password !== "") {
    throw new WebhookTargetRefusedError(
      `the webhook URL carries a user name or password; remove them — receivers verify the webhook-signature header with the subscription's secret instead`,
    );
  }
  if (!options.allowPrivate) {
    const host = hostOfUrl(url);
    const kind = isIP(host) !== 0 ? forbiddenAddressKind(host) : /^localhost\.?$/i.test(host) || /\.localhost\.?$/i.test(host) ? "loopback" : undefined;
    if (kind) throw refusal(host, host, kind);
  }
  return url;
}

/** Resolves a host name to every address it has (as `dns.lookup` with `all`). */
export type HostResolver = (host: string) => Promise<{ address: string; family: number }[]>;

const systemResolver: HostResolver = (host) => dnsLookup(host, { all: true, verbatim: true });

/**
 * The subscribe-time check: {@link checkWebhookUrl}, then, unless `allowPrivate`, every address
 * the host resolves to must be public. Sending checks again on the address it connects to (see
 * `postWebhook`), since a name can resolve differently later (DNS rebinding). A name that does
 * not resolve is refused: nothing could be delivered to it.
 *
 * @example
 * await checkWebhookTarget(url, { allowPrivate: options.allowPrivate ?? false });
 */
export async function checkWebhookTarget(text: string, options: { allowPrivate: boolean; resolve?: HostResolver }): Promise<URL> {
  const url = checkWebhookUrl(text, options);
  if (options.allowPrivate) return url;
  const host = hostOfUrl(url);
  if (isIP(host) !== 0) return url;
  let addresses: { address: string }[];
  try {
    addresses = await (options.resolve ?? systemResolver)(host);
  } catch (error) {
    throw new WebhookTargetRefusedError(`the webhook host ${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? "lookup failed"})`, { cause: error });
  }
  for (const { address } of addresses) {
    const kind = forbiddenAddressKind(address);
    if (kind) throw refusal(host, address, kind);
  }
  return url;
}

/**
 * The error for a forbidden address, naming the way out.
 *
 * @example
 * throw refusal("hooks.internal", "10.1.2.3", "private");
 */
export function refusal(host: string, address: string, kind: ForbiddenAddressKind): WebhookTargetRefusedError {
  const via = host === address ? `${host} is` : `${host} resolves to ${address},`;
  return new WebhookTargetRefusedError(
    `${via} a ${kind} address; webhooks go only to public hosts unless the subscription allows private ones ` +
      `(\`cds webhooks add <url> --allow-private\`, for a receiver on this machine or network)`,
  );
}
