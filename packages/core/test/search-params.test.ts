import { describe, expect, it } from "vitest";
import { ParameterError } from "../src/errors.ts";
import { defaultSearchParams, parseRegion, parseSearchParams } from "../src/search-params.ts";

function parameterError(fn: () => unknown): ParameterError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ParameterError) return e;
    throw e;
  }
  throw new Error("expected a ParameterError");
}

describe("search parameters", () => {
  it("default to NeuronBridge's custom-search values and the Java label regions", () => {
    expect(parseSearchParams({})).toEqual({
      maskThreshold: 100,
      dataThreshold: 100,
      pixColorFluctuation: 2,
      xyShift: 2,
      mirrorMask: true,
      minMatchingPixRatio: 2,
      excludeTopLeft: { width: 330, height: 100 },
      excludeTopRight: { width: 270, height: 90 },
    });
    expect(parseSearchParams(undefined)).toEqual(defaultSearchParams);
  });

  it("accept numbers and booleans written as strings, and regions written as WxH", () => {
    const p = parseSearchParams({
      maskThreshold: "20",
      dataThreshold: 0,
      pixColorFluctuation: "1.18",
      xyShift: "4",
      mirrorMask: "false",
      minMatchingPixRatio: 1,
      excludeTopRight: "250x90",
      excludeTopLeft: { width: 0, height: 0 },
    });
    expect(p).toMatchObject({
      maskThreshold: 20,
      dataThreshold: 0,
      pixColorFluctuation: 1.18,
      xyShift: 4,
      mirrorMask: false,
      excludeTopRight: { width: 250, height: 90 },
      excludeTopLeft: { width: 0, height: 0 },
    });
  });

  it.each([
    [{ xyShift: 3 }, "xyShift", /0, 2 or 4/],
    [{ maskThreshold: 256 }, "maskThreshold", /between 0 and 255/],
    [{ dataThreshold: -1 }, "dataThreshold", /between 0 and 255/],
    [{ maskThreshold: 12.5 }, "maskThreshold", /whole number/],
    [{ pixColorFluctuation: "lots" }, "pixColorFluctuation", /must be a number, got "lots"/],
    [{ mirrorMask: "maybe" }, "mirrorMask", /true or false/],
    [{ minMatchingPixRatio: 101 }, "minMatchingPixRatio", /between 0 and 100/],
    [{ excludeTopRight: "270 by 90" }, "excludeTopRight", /WIDTHxHEIGHT/],
    [{ maskThresold: 20 }, "maskThresold", /unknown search parameter "maskThresold"/],
  ])("reject %j naming the parameter", (input, parameter, message) => {
    const error = parameterError(() => parseSearchParams(input));
    expect(error.parameter).toBe(parameter);
    expect(error.message).toMatch(message);
  });

  it("rejects something that is not an object", () => {
    expect(parameterError(() => parseSearchParams("xyShift=2")).message).toMatch(/must be an object/);
  });

  it("parse regions with x, X or ×", () => {
    expect(parseRegion("r", "330x100")).toEqual({ width: 330, height: 100 });
    expect(parseRegion("r", " 270 X 90 ")).toEqual({ width: 270, height: 90 });
    expect(parseRegion("r", "250×90")).toEqual({ width: 250, height: 90 });
  });
});
