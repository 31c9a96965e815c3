import { describe, expect, it } from "vitest";
import { assertValidPattern, EventPatternError, matchesPattern, type EventPattern } from "@cds/events";

/** An event in EventBridge's shape around the given detail. */
function eventWith(detail: unknown, overrides: Record<string, unknown> = {}) {
  return {
    version: "0",
    id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "EC2 Instance State-change Notification",
    source: "aws.ec2",
    account: "111122223333",
    time: "2017-12-22T18:43:48Z",
    region: "us-west-1",
    resources: ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
    detail,
    ...overrides,
  };
}

/** Asserts which of the detail values match the pattern `{ detail: { field: matchers } }`. */
function expectDetailField(matchers: EventPattern[string], cases: { value: unknown; matches: boolean }[]) {
  const pattern = { detail: { field: matchers } } as EventPattern;
  const outcomes = cases.map(({ value }) => matchesPattern(pattern, eventWith(value === absent ? {} : { field: value })));
  expect(outcomes).toEqual(cases.map(({ matches }) => matches));
}
const absent = Symbol("absent");

describe("exact values", () => {
  it("matches a string only by the same string, case included", () => {
    expectDetailField(["running"], [
      { value: "running", matches: true },
      { value: "Running", matches: false },
      { value: "running ", matches: false },
      { value: absent, matches: false },
    ]);
  });

  it("keeps types apart: a number, a boolean and null match only themselves", () => {
    expectDetailField([5], [
      { value: 5, matches: true },
      { value: 5.0, matches: true },
      { value: "5", matches: false },
      { value: 6, matches: false },
    ]);
    expectDetailField([true], [
      { value: true, matches: true },
      { value: "true", matches: false },
      { value: 1, matches: false },
    ]);
    expectDetailField([null], [
      { value: null, matches: true },
      { value: "", matches: false },
      { value: absent, matches: false },
    ]);
    expectDetailField([""], [
      { value: "", matches: true },
      { value: null, matches: false },
    ]);
  });

  it("treats the values listed for a field as alternatives", () => {
    expectDetailField(["pending", "running"], [
      { value: "pending", matches: true },
      { value: "running", matches: true },
      { value: "stopped", matches: false },
    ]);
  });

  it("requires every field of the pattern to match", () => {
    const pattern = { source: ["aws.ec2"], detail: { state: ["running"] } };
    expect(matchesPattern(pattern, eventWith({ state: "running" }))).toBe(true);
    expect(matchesPattern(pattern, eventWith({ state: "running" }, { source: "aws.s3" }))).toBe(false);
    expect(matchesPattern(pattern, eventWith({ state: "stopped" }))).toBe(false);
  });

  it("ignores event fields the pattern does not name", () => {
    expect(matchesPattern({ source: ["aws.ec2"] }, eventWith({ anything: [1, 2, { deep: true }] }))).toBe(true);
  });
});

describe("nested fields", () => {
  it("follows nested objects of the pattern into the event", () => {
    const pattern = { detail: { bucket: { name: ["uploads"] }, object: { key: [{ prefix: "masks/" }] } } };
    expect(matchesPattern(pattern, eventWith({ bucket: { name: "uploads" }, object: { key: "masks/a.png" } }))).toBe(true);
    expect(matchesPattern(pattern, eventWith({ bucket: { name: "results" }, object: { key: "masks/a.png" } }))).toBe(false);
    expect(matchesPattern(pattern, eventWith({ bucket: { name: "uploads" } }))).toBe(false);
  });

  it("does not match a leaf pattern against an object, nor a nested pattern against a string", () => {
    expect(matchesPattern({ detail: { bucket: ["uploads"] } }, eventWith({ bucket: { name: "uploads" } }))).toBe(false);
    expect(matchesPattern({ detail: { bucket: { name: ["uploads"] } } }, eventWith({ bucket: "uploads" }))).toBe(false);
  });
});

describe("arrays in the event", () => {
  it("matches when any element matches", () => {
    expectDetailField(["b"], [
      { value: ["a", "b", "c"], matches: true },
      { value: ["a", "c"], matches: false },
      { value: [], matches: false },
      { value: [["x", ["b"]]], matches: true },
    ]);
  });

  it("matches the envelope's resources list against a listed value", () => {
    const pattern = { resources: ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"] };
    expect(matchesPattern(pattern, eventWith({}))).toBe(true);
    expect(matchesPattern(pattern, eventWith({}, { resources: [] }))).toBe(false);
  });

  it("matches nested fields inside objects held in an array", () => {
    const event = eventWith({ employees: [{ first: "John", last: "Doe" }, { first: "Anna", last: "Smith" }] });
    expect(matchesPattern({ detail: { employees: { first: ["Anna"] } } }, event)).toBe(true);
    expect(matchesPattern({ detail: { employees: { first: ["Peter"] } } }, event)).toBe(false);
  });

  it("takes the fields of one sub-pattern from the same array element", () => {
    const event = eventWith({ employees: [{ first: "John", last: "Doe" }, { first: "Anna", last: "Smith" }] });
    expect(matchesPattern({ detail: { employees: { first: ["Anna"], last: ["Smith"] } } }, event)).toBe(true);
    expect(matchesPattern({ detail: { employees: { first: ["Anna"], last: ["Doe"] } } }, event)).toBe(false);
  });

  it("lets fields of different arrays come from any elements", () => {
    const event = eventWith({ a: [{ x: 1 }, { x: 2 }], b: [{ y: 3 }, { y: 4 }] });
    expect(matchesPattern({ detail: { a: { x: [2] }, b: { y: [3] } } }, event)).toBe(true);
  });
});

describe("prefix and suffix", () => {
  it("matches the start of a string, case-sensitively unless asked otherwise", () => {
    expectDetailField([{ prefix: "us-" }], [
      { value: "us-east-1", matches: true },
      { value: "US-east-1", matches: false },
      { value: "eu-west-1", matches: false },
      { value: 5, matches: false },
    ]);
    expectDetailField([{ prefix: { "equals-ignore-case": "us-" } }], [
      { value: "US-EAST-1", matches: true },
      { value: "eu-west-1", matches: false },
    ]);
  });

  it("matches the end of a string, case-sensitively unless asked otherwise", () => {
    expectDetailField([{ suffix: ".png" }], [
      { value: "masks/a.png", matches: true },
      { value: "masks/a.PNG", matches: false },
      { value: "masks/a.png.json", matches: false },
      { value: ["a.json", "b.png"], matches: true },
    ]);
    expectDetailField([{ suffix: { "equals-ignore-case": ".png" } }], [
      { value: "masks/a.PNG", matches: true },
      { value: "masks/a.tif", matches: false },
    ]);
  });
});

describe("equals-ignore-case", () => {
  it("matches a string in any casing, and only strings", () => {
    expectDetailField([{ "equals-ignore-case": "EventBridge" }], [
      { value: "eventbridge", matches: true },
      { value: "EVENTBRIDGE", matches: true },
      { value: "eventbridge!", matches: false },
      { value: null, matches: false },
    ]);
  });
});

describe("wildcard", () => {
  it("lets * stand for any run of characters and \\* for a star", () => {
    expectDetailField([{ wildcard: "masks/*/*.png" }], [
      { value: "masks/lab/a.png", matches: true },
      { value: "masks//.png", matches: true },
      { value: "masks/a.png", matches: false },
    ]);
    expectDetailField([{ wildcard: "a\\*b" }], [
      { value: "a*b", matches: true },
      { value: "axb", matches: false },
    ]);
  });
});

describe("anything-but", () => {
  it("matches any value except the one given", () => {
    expectDetailField([{ "anything-but": "initializing" }], [
      { value: "running", matches: true },
      { value: "initializing", matches: false },
      { value: 5, matches: true },
      { value: null, matches: true },
      { value: absent, matches: false },
    ]);
  });

  it("matches any value except those in a list", () => {
    expectDetailField([{ "anything-but": ["stopped", "overloaded"] }], [
      { value: "running", matches: true },
      { value: "stopped", matches: false },
      { value: "overloaded", matches: false },
    ]);
    expectDetailField([{ "anything-but": [100, 200, 300] }], [
      { value: 150, matches: true },
      { value: 200, matches: false },
      { value: "200", matches: true },
    ]);
  });

  it("matches an array in the event when any element is not excluded", () => {
    expectDetailField([{ "anything-but": ["stopped"] }], [
      { value: ["stopped", "running"], matches: true },
      { value: ["stopped", "stopped"], matches: false },
    ]);
  });

  it("excludes strings by prefix, suffix, casing or wildcard", () => {
    expectDetailField([{ "anything-but": { prefix: "init" } }], [
      { value: "running", matches: true },
      { value: "initializing", matches: false },
    ]);
    expectDetailField([{ "anything-but": { suffix: ".json" } }], [
      { value: "a.png", matches: true },
      { value: "a.json", matches: false },
    ]);
    expectDetailField([{ "anything-but": { "equals-ignore-case": ["Stopped", "PAUSED"] } }], [
      { value: "running", matches: true },
      { value: "STOPPED", matches: false },
      { value: "paused", matches: false },
    ]);
    expectDetailField([{ "anything-but": { wildcard: "*/lib/*" } }], [
      { value: "src/app/a.ts", matches: true },
      { value: "src/lib/a.ts", matches: false },
    ]);
  });
});

describe("numeric", () => {
  it("includes and excludes the bounds of a range as written", () => {
    expectDetailField([{ numeric: [">", 0, "<=", 5] }], [
      { value: 0, matches: false },
      { value: 0.000001, matches: true },
      { value: 5, matches: true },
      { value: 5.000001, matches: false },
      { value: -1, matches: false },
    ]);
    expectDetailField([{ numeric: [">=", 0, "<", 5] }], [
      { value: 0, matches: true },
      { value: 4.999, matches: true },
      { value: 5, matches: false },
    ]);
  });

  it("compares against one bound", () => {
    expectDetailField([{ numeric: ["<", 10] }], [
      { value: 9, matches: true },
      { value: 10, matches: false },
    ]);
    expectDetailField([{ numeric: ["<=", 10] }], [
      { value: 10, matches: true },
      { value: 10.5, matches: false },
    ]);
    expectDetailField([{ numeric: [">=", 10] }], [
      { value: 10, matches: true },
      { value: 9.99, matches: false },
    ]);
    expectDetailField([{ numeric: ["=", 301.8] }], [
      { value: 301.8, matches: true },
      { value: 3.018e2, matches: true },
      { value: 301.81, matches: false },
    ]);
  });

  it("matches only JSON numbers, not numeric strings", () => {
    expectDetailField([{ numeric: [">", 0] }], [
      { value: "5", matches: false },
      { value: true, matches: false },
      { value: [-1, 3], matches: true },
    ]);
  });
});

describe("exists", () => {
  it("with true matches any present leaf, null included", () => {
    expectDetailField([{ exists: true }], [
      { value: "x", matches: true },
      { value: null, matches: true },
      { value: 0, matches: true },
      { value: absent, matches: false },
    ]);
  });

  it("with false matches a missing field", () => {
    expectDetailField([{ exists: false }], [
      { value: absent, matches: true },
      { value: "x", matches: false },
      { value: null, matches: false },
    ]);
  });

  it("with false matches when the whole path is missing", () => {
    expect(matchesPattern({ detail: { bucket: { name: [{ exists: false }] } } }, eventWith({}))).toBe(true);
    expect(matchesPattern({ detail: { bucket: { name: [{ exists: false }] } } }, eventWith({ bucket: { name: "x" } }))).toBe(false);
  });

  it("looks at leaves only: an object or an empty array does not exist", () => {
    expectDetailField([{ exists: true }], [
      { value: { inner: 1 }, matches: false },
      { value: [], matches: false },
      { value: ["x"], matches: true },
    ]);
    expectDetailField([{ exists: false }], [
      { value: { inner: 1 }, matches: true },
      { value: [], matches: true },
    ]);
  });

  it("with false inside an array of objects looks in the element chosen by the fields named before it", () => {
    // EventBridge walks a pattern's fields in name order; an absence is judged within the array
    // elements the earlier fields matched in, and across the whole array when none did.
    const event = eventWith({ items: [{ id: "a", error: "boom" }, { id: "b" }] });
    expect(matchesPattern({ detail: { items: { id: ["b"], error: [{ exists: false }] } } }, event)).toBe(false);
    expect(matchesPattern({ detail: { items: { error: [{ exists: false }], id: ["b"] } } }, event)).toBe(false);
    expect(matchesPattern({ detail: { items: { id: ["b"], note: [{ exists: false }] } } }, event)).toBe(true);
    expect(matchesPattern({ detail: { items: { id: ["a"], zzz: [{ exists: false }] } } }, event)).toBe(true);
    expect(matchesPattern({ detail: { items: { id: ["a"], status: [{ exists: false }] } } }, event)).toBe(true);
  });

  it("can be an alternative to a value", () => {
    expectDetailField([{ exists: false }, "draft"], [
      { value: absent, matches: true },
      { value: "draft", matches: true },
      { value: "final", matches: false },
    ]);
  });
});

describe("$or", () => {
  it("matches when any alternative matches, together with the fields beside it", () => {
    const pattern: EventPattern = {
      source: ["aws.ec2"],
      detail: { $or: [{ state: ["running"] }, { "c-count": [{ numeric: [">", 10] }] }] },
    };
    expect(matchesPattern(pattern, eventWith({ state: "running" }))).toBe(true);
    expect(matchesPattern(pattern, eventWith({ state: "stopped", "c-count": 11 }))).toBe(true);
    expect(matchesPattern(pattern, eventWith({ state: "stopped", "c-count": 10 }))).toBe(false);
    expect(matchesPattern(pattern, eventWith({ state: "running" }, { source: "aws.s3" }))).toBe(false);
  });
});

describe("invalid patterns", () => {
  const invalid: [string, unknown][] = [
    ["a bare value instead of a list", { source: "aws.ec2" }],
    ["an empty list", { source: [] }],
    ["an empty object", { detail: {} }],
    ["an unknown operator", { source: [{ "starts-with": "aws." }] }],
    ["two operators in one filter", { source: [{ prefix: "a", suffix: "b" }] }],
    ["a list inside a list", { source: [["a"]] }],
    ["a numeric range with a bad operator", { detail: { n: [{ numeric: ["<", 5, ">", 1] }] } }],
    ["a numeric bound that is not a number", { detail: { n: [{ numeric: [">", "1"] }] } }],
    ["an empty numeric range", { detail: { n: [{ numeric: [">", 5, "<", 5] }] } }],
    ["an anything-but list of mixed types", { detail: { n: [{ "anything-but": ["a", 1] }] } }],
    ["an anything-but of null", { detail: { n: [{ "anything-but": null }] } }],
    ["an empty anything-but prefix", { detail: { n: [{ "anything-but": { prefix: "" } } ] } }],
    ["exists with a non-boolean", { detail: { n: [{ exists: "yes" }] } }],
    ["consecutive wildcard stars", { detail: { n: [{ wildcard: "a**b" }] } }],
    ["$or with one alternative", { $or: [{ source: ["a"] }] }],
    ["an operator as a field name inside $or", { $or: [{ prefix: ["a"] }, { source: ["b"] }] }],
    ["cidr, which is not implemented", { detail: { ip: [{ cidr: "10.0.0.0/24" }] } }],
    ["a pattern that is not an object", ["source"]],
  ];

  it.each(invalid)("throws EventPatternError for %s", (_, pattern) => {
    expect(() => matchesPattern(pattern as EventPattern, eventWith({}))).toThrow(EventPatternError);
    expect(() => assertValidPattern(pattern)).toThrow(EventPatternError);
  });

  it("names the field at fault", () => {
    expect(() => matchesPattern({ detail: { object: { key: [{ begins: "x" }] } } } as never, eventWith({}))).toThrow(
      /detail\.object\.key.*unknown operator "begins"/,
    );
  });
});
