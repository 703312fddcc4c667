import { describe, expect, test } from "bun:test";
import { createEventSpamFilter } from "./event-spam-filter.ts";

describe("event spam filter (upstream EventSourceObjectSpamFilter)", () => {
  test("lets a burst through per key, then one per refill period", () => {
    const f = createEventSpamFilter({ burst: 3, refillMs: 1000 });
    expect([0, 0, 0, 0].map(() => f.allow("a", 0))).toEqual([true, true, true, false]);
    expect(f.allow("b", 0)).toBe(true); // another object has its own bucket
    expect(f.allow("a", 999)).toBe(false);
    expect(f.allow("a", 1000)).toBe(true);
    expect(f.allow("a", 1500)).toBe(false);
    expect(f.allow("a", 2000)).toBe(true);
  });

  test("a quiet key refills up to the burst, not beyond", () => {
    const f = createEventSpamFilter({ burst: 2, refillMs: 10 });
    f.allow("a", 0); f.allow("a", 0);
    expect(f.allow("a", 1_000_000)).toBe(true);
    expect(f.allow("a", 1_000_000)).toBe(true);
    expect(f.allow("a", 1_000_000)).toBe(false);
  });

  test("forgets the least recently used keys past its size (a forgotten key starts with a full bucket)", () => {
    const f = createEventSpamFilter({ burst: 1, refillMs: 1000, size: 2 });
    expect(f.allow("a", 0)).toBe(true);
    expect(f.allow("a", 0)).toBe(false);
    f.allow("b", 0); f.allow("c", 0);
    expect(f.allow("a", 0)).toBe(true);
  });
});
