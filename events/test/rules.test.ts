import { describe, expect, it } from "vitest";
import {
  assertValidPattern,
  catalog,
  eventRules,
  matchesPattern,
  objectCreated,
  readFixture,
  ruleTargets,
  searchAccepted,
  type RuleTarget,
} from "@cds/events";
import { expectedRoutes } from "@cds/testing/expected-routes";

const uploadBucketName = readFixture(objectCreated).detail.bucket.name;
const rules = eventRules({ uploadBucketName });

function targetsOf(event: unknown): RuleTarget[] {
  return rules.filter((rule) => matchesPattern(rule.pattern, event)).map((rule) => rule.target);
}

describe("the rules", () => {
  it("are valid EventBridge patterns with unique names and known targets", () => {
    for (const rule of rules) assertValidPattern(rule.pattern);
    expect(new Set(rules.map((rule) => rule.name)).size).toBe(rules.length);
    for (const rule of rules) expect(ruleTargets).toContain(rule.target);
  });

  it("name only detail-types and sources the catalog has", () => {
    const detailTypes = new Set<string>(catalog.map((entry) => entry.detailType));
    const sources = new Set<string>(catalog.map((entry) => entry.source));
    for (const rule of rules) {
      for (const detailType of rule.pattern["detail-type"] as string[]) expect(detailTypes).toContain(detailType);
      for (const source of rule.pattern.source as string[]) expect(sources).toContain(source);
    }
  });

  it("put S3's events on the default bus and the pipeline's on the search bus", () => {
    for (const rule of rules) {
      expect(rule.bus).toBe((rule.pattern.source as string[]).includes("aws.s3") ? "default" : "search");
    }
  });

  const routes = expectedRoutes;

  it("cover every catalog entry in the routing table below", () => {
    expect(routes.map(([entry]) => entry).sort()).toEqual([...catalog].sort());
  });

  it.each(routes.map(([entry, targets]) => [entry.detailType, entry, targets] as const))(
    "route the %s fixture to exactly its targets",
    (_, entry, targets) => {
      expect(targetsOf(readFixture(entry))).toEqual(targets);
    },
  );

  it("ignore a pipeline detail-type sent from another source", () => {
    expect(targetsOf({ ...readFixture(searchAccepted), source: "someone.else" })).toEqual([]);
  });
});

describe("the upload rule", () => {
  const upload = (bucket: string, key: string) => {
    const event = readFixture(objectCreated);
    return { ...event, detail: { ...event.detail, bucket: { name: bucket }, object: { ...event.detail.object, key } } };
  };

  it("starts intake for every mask image format, in any letter case", () => {
    for (const key of ["a.png", "b.tif", "c.tiff", "d.jpg", "e.jpeg", "F.PNG", "masks/G.TiF"]) {
      expect(targetsOf(upload(uploadBucketName, key))).toEqual(["intake"]);
    }
  });

  it("ignores sidecar parameter files", () => {
    for (const key of ["a.png.json", "params.json", "masks/b.tif.json"]) expect(targetsOf(upload(uploadBucketName, key))).toEqual([]);
  });

  it("sends other non-image uploads to intake too, which refuses them with a reason", () => {
    for (const key of ["notes.txt", "scan.bmp", "png"]) expect(targetsOf(upload(uploadBucketName, key))).toEqual(["intake"]);
  });

  it("ignores uploads to any other bucket", () => {
    expect(targetsOf(upload("cds-results", "a.png"))).toEqual([]);
  });

  it("uses the configured bucket name", () => {
    const local = eventRules({ uploadBucketName: "uploads" });
    expect(local.filter((rule) => matchesPattern(rule.pattern, upload("uploads", "a.png"))).map((r) => r.target)).toEqual(["intake"]);
  });
});
