import { equal, throws } from "node:assert/strict";
import { READ_BASE_COST, ReadBudget } from "../../lib/server/limits/read_budget.ts";

Deno.test("read budget: reads within the burst run at once; past it they wait, never fail", () => {
  let now = 0;
  const budget = new ReadBudget({ ratePerSecond: 10_000, burst: 20_000, clock: () => now });
  budget.charge(10_000 - READ_BASE_COST);
  equal(budget.delayMs(), 0);
  budget.charge(20_000 - READ_BASE_COST); // 10,000 in debt: one second at 10,000/s
  equal(budget.delayMs(), 1_000);
  now = 400;
  equal(budget.delayMs(), 600);
  now = 1_000;
  equal(budget.delayMs(), 0);
});

Deno.test("read budget: an idle connection refills up to the burst only", () => {
  let now = 0;
  const budget = new ReadBudget({ ratePerSecond: 1_000, burst: 5_000, clock: () => now });
  now = 3_600_000;
  budget.charge(6_000 - READ_BASE_COST);
  equal(budget.delayMs(), 1_000);
});

Deno.test("read budget: bad input a zero or negative rate is a RangeError", () => {
  throws(() => new ReadBudget({ ratePerSecond: 0 }), RangeError);
  throws(() => new ReadBudget({ burst: -1 }), RangeError);
});
