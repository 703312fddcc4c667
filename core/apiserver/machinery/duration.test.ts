import { describe, expect, test } from "bun:test";
import { humanDuration, shortHumanDuration } from "./duration.ts";

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
const y = 365 * d;

describe("humanDuration (upstream util/duration TestHumanDuration)", () => {
  const cases: [number, string][] = [
    [-2 * s, "<invalid>"],
    [-1500, "0s"],
    [-999, "0s"],
    [0, "0s"],
    [999, "0s"],
    [1 * s, "1s"],
    [95 * s, "95s"],
    [119 * s, "119s"],
    [2 * m, "2m"],
    [2 * m + 1 * s, "2m1s"],
    [3 * m + 20 * s, "3m20s"],
    [9 * m + 59 * s, "9m59s"],
    [10 * m, "10m"],
    [10 * m + 59 * s, "10m"],
    [45 * m, "45m"],
    [179 * m, "179m"],
    [3 * h, "3h"],
    [3 * h + 1 * m, "3h1m"],
    [5 * h + 3 * m, "5h3m"],
    [7 * h + 59 * m, "7h59m"],
    [8 * h, "8h"],
    [8 * h + 59 * m, "8h"],
    [30 * h, "30h"],
    [47 * h + 59 * m, "47h"],
    [48 * h, "2d"],
    [48 * h + 1 * h, "2d1h"],
    [3 * d + 4 * h, "3d4h"],
    [7 * d + 23 * h, "7d23h"],
    [8 * d, "8d"],
    [8 * d + 23 * h, "8d"],
    [120 * d, "120d"],
    [2 * y - 1 * d, "729d"],
    [2 * y, "2y"],
    [2 * y + 10 * d, "2y10d"],
    [7 * y + 364 * d, "7y364d"],
    [8 * y, "8y"],
    [8 * y + 364 * d, "8y"],
    [9 * y, "9y"],
    [70 * s, "70s"],
    [190 * s, "3m10s"],
    [70 * m, "70m"],
    [(8 * 24 + 2) * h, "8d"],
    [367 * d, "367d"],
    [2 * y + 25 * h, "2y1d"],
    [2 * y + 24 * h - 1, "2y"],
  ];
  for (const [ms, want] of cases) test(`${ms}ms -> ${want}`, () => expect(humanDuration(ms)).toBe(want));
});

describe("shortHumanDuration", () => {
  const cases: [number, string][] = [
    [-2 * s, "<invalid>"],
    [-1 * s, "0s"],
    [59 * s, "59s"],
    [60 * s, "1m"],
    [59 * m, "59m"],
    [60 * m, "1h"],
    [23 * h, "23h"],
    [24 * h, "1d"],
    [364 * d, "364d"],
    [365 * d, "1y"],
  ];
  for (const [ms, want] of cases) test(`${ms}ms -> ${want}`, () => expect(shortHumanDuration(ms)).toBe(want));
});
