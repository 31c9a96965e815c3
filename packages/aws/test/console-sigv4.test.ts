import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { describe, expect, it } from "vitest";
import { createPrng } from "@cds/core";
import { presignUrl, rfc3986, signRequest } from "../src/console/sigv4.ts";

// The console's SigV4 signer (node:crypto) against AWS's published example and, on random
// requests, the AWS SDK's own signer (@smithy/signature-v4, installed with the SDK).

const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: "FwoGZXIvYXdzE+/token=" };

function randomText(random: () => number, alphabet: string, length: number): string {
  return Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join("");
}

describe("presignUrl", () => {
  it("gives the signature of S3's documented presigned GET example", () => {
    const url = presignUrl(
      {
        method: "GET",
        url: new URL("https://examplebucket.s3.amazonaws.com/test.txt"),
        service: "s3",
        region: "us-east-1",
        credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
        now: new Date("2013-05-24T00:00:00Z"),
      },
      86400,
    );
    expect(url.searchParams.get("X-Amz-Credential")).toBe("AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request");
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("host");
    expect(url.searchParams.get("X-Amz-Signature")).toBe("aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
  });

  it("signs a PUT with its headers and session token as the AWS SDK does, on 200 random keys and headers", async () => {
    const prng = createPrng("console-sigv4-presign");
    const random = () => prng.float();
    const sdk = new SignatureV4({ credentials, region: "eu-west-2", service: "s3", sha256: Sha256, uriEscapePath: false, applyChecksum: false });
    for (let i = 0; i < 200; i++) {
      const key = `lm/web-${randomText(random, "abcdef0123456789", 12)}-${randomText(random, "AZaz09._-~ ()!*'+=@", 1 + Math.floor(random() * 30))}.tif`;
      const host = "uploads-bucket.s3.eu-west-2.amazonaws.com";
      // Encoded as the S3 client encodes keys (and as s3ObjectUrl does), so the path sent is the path signed.
      const path = `/${key.split("/").map(rfc3986).join("/")}`;
      const headers = { "content-type": "image/tiff", "content-length": String(1 + Math.floor(random() * 1e7)), "x-amz-meta-cds-settings": randomText(random, "ABCxyz019_-", 40) };
      const now = new Date(Date.UTC(2026, 0, 1) + Math.floor(random() * 3e10));
      const expires = 60 + Math.floor(random() * 3000);
      // The SDK hoists x-amz-content-sha256 into the query; ours leaves the payload unsigned the same way.
      const mine = presignUrl({ method: "PUT", url: new URL(`https://${host}${path}?x-amz-content-sha256=UNSIGNED-PAYLOAD`), headers, service: "s3", region: "eu-west-2", credentials, now }, expires);
      const theirs = await sdk.presign(
        new HttpRequest({ method: "PUT", protocol: "https:", hostname: host, path, headers: { host, ...headers, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } }),
        { expiresIn: expires, signingDate: now, unhoistableHeaders: new Set(["x-amz-meta-cds-settings"]) },
      );
      expect(mine.searchParams.get("X-Amz-SignedHeaders"), key).toBe(theirs.query?.["X-Amz-SignedHeaders"]);
      expect(mine.searchParams.get("X-Amz-Signature"), key).toBe(theirs.query?.["X-Amz-Signature"]);
    }
  });
});

describe("signRequest", () => {
  it("signs a Management API POST to a connection as the AWS SDK does, on 200 random connection ids and bodies", async () => {
    const prng = createPrng("console-sigv4-sign");
    const random = () => prng.float();
    const sdk = new SignatureV4({ credentials, region: "us-east-1", service: "execute-api", sha256: Sha256 });
    for (let i = 0; i < 200; i++) {
      // Connection ids are base64: '+', '/' and '=' are escaped in the URL and again when signed.
      const connectionId = randomText(random, "ABCDEFabcdef0123456789+/=", 16);
      const url = new URL(`https://abc123.execute-api.us-east-1.amazonaws.com/live/@connections/${encodeURIComponent(connectionId)}`);
      const body = JSON.stringify({ "detail-type": "Search Started", detail: { searchId: randomText(random, "abc-123", 20) } });
      const now = new Date(Date.UTC(2026, 0, 1) + Math.floor(random() * 3e10));
      const mine = signRequest({ method: "POST", url, headers: { "content-type": "application/json" }, service: "execute-api", region: "us-east-1", credentials, now }, body);
      const theirs = await sdk.sign(
        new HttpRequest({ method: "POST", protocol: "https:", hostname: url.hostname, path: url.pathname, headers: { host: url.hostname, "content-type": "application/json", "x-amz-content-sha256": mine["x-amz-content-sha256"] }, body }),
        { signingDate: now },
      );
      expect(mine.authorization, connectionId).toBe(theirs.headers.authorization);
      expect(mine["x-amz-security-token"]).toBe(credentials.sessionToken);
    }
  });
});
