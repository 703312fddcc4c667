import { expect, test } from "bun:test";
import { satisfiesRange } from "./sdk-range.ts";

test("plugin sdk ranges", () => {
  const yes: [string, string][] = [["1.0.0", "^1"], ["1.4.2", "^1.2"], ["1.0.0", "~1.0"], ["1.0.9", "~1.0.0"], ["1.3.0", "1.x"],
    ["1.3.0", "1"], ["1.0.0", "*"], ["1.0.0", ">=1.0.0"], ["1.0.0", ">=0.9 <2"], ["2.0.0", "^1 || ^2"], ["0.2.5", "^0.2"]];
  const no: [string, string][] = [["1.0.0", "^2"], ["2.0.0", "^1"], ["1.1.0", "~1.0"], ["1.0.0", ">1.0.0"], ["1.0.0", "<1"],
    ["0.3.0", "^0.2"], ["1.0.0", "banana"], ["1.0.0", "2.x"]];
  for (const [v, r] of yes) expect([v, r, satisfiesRange(v, r)]).toEqual([v, r, true]);
  for (const [v, r] of no) expect([v, r, satisfiesRange(v, r)]).toEqual([v, r, false]);
});
