import { describe, expect, it } from "vitest";
import { checkWebhookTarget, checkWebhookUrl, forbiddenAddressKind } from "@cds/core/notify";

describe("webhook targets: the address policy", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.8.9.10", "loopback"],
    ["::1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "private"],
    ["fd12:3456::1", "private"],
    ["169.254.169.254", "cloud metadata"],
    ["fd00:ec2::254", "cloud metadata"],
    ["169.254.10.20", "link-local"],
    ["fe80::1", "link-local"],
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:a9fe:a9fe", "cloud metadata"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "reserved"],
  ])("refuses %s as %s", (ip, kind) => {
    expect(forbiddenAddressKind(ip)).toBe(kind);
  });

  it.each(["93.184.215.14", "8.8.8.8", "172.32.0.1", "2606:4700:4700::1111"])("lets the public address %s through", (ip) => {
    expect(forbiddenAddressKind(ip)).toBeUndefined();
  });

  it("refuses URLs with credentials even when private hosts are allowed, and never echoes the password", () => {
    for (const allowPrivate of [false, true]) {
      expect(() => checkWebhookUrl("https://ada:hunter2@hooks.example.org/x", { allowPrivate })).toThrow(/user name or password/);
      try {
        checkWebhookUrl("https://ada:hunter2@hooks.example.org/x", { allowPrivate });
      } catch (error) {
        expect((error as Error).message).not.toContain("hunter2");
      }
    }
  });

  it("refuses private literals in every spelling the URL parser accepts (decimal, hex, mapped IPv6, localhost)", () => {
    for (const url of ["http://2130706433/", "http://0x7f.1/", "http://[::ffff:127.0.0.1]/", "http://localhost:8080/", "http://api.localhost/", "http://169.254.169.254/latest/meta-data/"]) {
      expect(() => checkWebhookUrl(url, { allowPrivate: false }), url).toThrow(/--allow-private/);
      expect(checkWebhookUrl(url, { allowPrivate: true }).href).toBeTruthy();
    }
  });

  it("refuses at subscribe time a name that resolves to a private address, unless allowed", async () => {
    const resolve = async () => [{ address: "203.0.113.9", family: 4 }, { address: "10.0.0.7", family: 4 }];
    await expect(checkWebhookTarget("https://inside.example/hook", { allowPrivate: false, resolve })).rejects.toThrow(/inside\.example resolves to 10\.0\.0\.7, a private address/);
    await expect(checkWebhookTarget("https://inside.example/hook", { allowPrivate: true, resolve })).resolves.toBeInstanceOf(URL);
  });
});
