import { describe, expect, it } from "vitest";
import { concurrencyPlan, DEFAULT_WORKER_BUDGET, LAMBDA_MIN_UNRESERVED, reservedConcurrency } from "../concurrency.ts";

const reservedTotal = Object.values(reservedConcurrency).reduce<number>((sum, n) => sum + (n ?? 0), 0);

describe("concurrencyPlan", () => {
  it("by default reserves for the control functions and budgets 800 workers of an account's 1,000", () => {
    const plan = concurrencyPlan({});
    expect(plan).toMatchObject({ accountConcurrency: 1000, workerBudget: DEFAULT_WORKER_BUDGET, reservedTotal });
    expect(plan.headroom).toBe(1000 - reservedTotal - 800);
    expect(plan.headroom).toBeGreaterThanOrEqual(LAMBDA_MIN_UNRESERVED);
    expect(Object.keys(plan.reserved).sort()).toEqual(["admission", "combiner", "intake", "notify", "on-failure", "submission-tracking", "sweeper"]);
  });

  it("takes the budget and the account's quota from the environment", () => {
    expect(concurrencyPlan({ CDS_WORKER_BUDGET: "600" }).workerBudget).toBe(600);
    expect(concurrencyPlan({ CDS_ACCOUNT_CONCURRENCY: "5000", CDS_WORKER_BUDGET: "4500" })).toMatchObject({ workerBudget: 4500, headroom: 5000 - reservedTotal - 4500 });
  });

  it("refuses a budget that leaves the dispatch tree and the account's other functions under 100, saying what would fit", () => {
    const largest = 1000 - reservedTotal - LAMBDA_MIN_UNRESERVED;
    expect(concurrencyPlan({ CDS_WORKER_BUDGET: String(largest) }).headroom).toBe(LAMBDA_MIN_UNRESERVED);
    expect(() => concurrencyPlan({ CDS_WORKER_BUDGET: String(largest + 1) })).toThrow(`set CDS_WORKER_BUDGET to at most ${largest}`);
  });

  it("refuses reservations an account's quota cannot hold, unless reservations are off", () => {
    expect(() => concurrencyPlan({ CDS_ACCOUNT_CONCURRENCY: "10", CDS_WORKER_BUDGET: "5" })).toThrow("under Lambda's minimum of 100");
    expect(() => concurrencyPlan({ CDS_ACCOUNT_CONCURRENCY: "10", CDS_WORKER_BUDGET: "5", CDS_RESERVED_CONCURRENCY: "off" })).toThrow("at least 100");
    expect(concurrencyPlan({ CDS_ACCOUNT_CONCURRENCY: "1000", CDS_WORKER_BUDGET: "900", CDS_RESERVED_CONCURRENCY: "off" })).toMatchObject({ reserved: {}, reservedTotal: 0, headroom: 100 });
  });

  it("refuses settings that are not whole numbers", () => {
    for (const bad of ["0", "-5", "8.5", "lots", "1e400"]) expect(() => concurrencyPlan({ CDS_WORKER_BUDGET: bad }), bad).toThrow(`CDS_WORKER_BUDGET must be a whole number ≥ 1, not "${bad}"`);
    expect(() => concurrencyPlan({ CDS_ACCOUNT_CONCURRENCY: "x" })).toThrow("CDS_ACCOUNT_CONCURRENCY must be a whole number");
  });
});
