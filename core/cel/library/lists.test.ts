import { describe, expect, test } from "bun:test";
import { evaluateCel } from "../evaluate.ts";
import { parseCel } from "../parse.ts";
import { CelError, CelUint, NoSuchOverload } from "../values.ts";
import { parseDuration, parseTimestamp } from "./time-values.ts";

const run = (src: string, vars: Record<string, unknown> = {}) => evaluateCel(parseCel(src), vars);
const fails = (src: string, message: string, vars: Record<string, unknown> = {}) => {
  expect(() => run(src, vars)).toThrow(CelError);
  expect(() => run(src, vars)).toThrow(message);
};
const u = (n: bigint) => new CelUint(n);
const bytes = (s: string) => new TextEncoder().encode(s);

/** Whether the core evaluator adds durations yet (sum() of durations goes through its `+`). */
const coreAddsDurations = (() => {
  try {
    return run("a + b", { a: parseDuration("1s"), b: parseDuration("1s") }) !== undefined;
  } catch {
    return false;
  }
})();

describe("Kubernetes library.Lists (1.32: no `includes`)", () => {
  test("isSorted over every comparable type; [] and [x] are sorted", () => {
    expect(run("[1, 2, 3].isSorted()")).toBe(true);
    expect(run("['a', 'b', 'b', 'c'].isSorted()")).toBe(true);
    expect(run("[2.5, 1.5].isSorted()")).toBe(false);
    expect(run("[1].isSorted()")).toBe(true);
    expect(run("[].isSorted()")).toBe(true);
    expect(run("[false, true].isSorted()")).toBe(true);
    expect(run("l.isSorted()", { l: [u(1n), u(2n)] })).toBe(true);
    expect(run("l.isSorted()", { l: [bytes("b"), bytes("a")] })).toBe(false);
    expect(run("l.isSorted()", { l: [parseDuration("1s"), parseDuration("1m")] })).toBe(true);
    expect(run("l.isSorted()", { l: [parseTimestamp("2024-01-02T00:00:00Z"), parseTimestamp("2024-01-01T00:00:00Z")] })).toBe(false);
    expect(run("l.isSorted()", { l: ["\uffff", "😀"] })).toBe(true); // code point order, not UTF-16
    expect(run("l.isSorted()", { l: [1, 2.5, 3] })).toBe(true); // JSON numbers: int and double compare by value
  });

  test("isSorted / min / max on elements without an order are errors", () => {
    fails("[[1], [2]].isSorted()", "not comparable");
    fails("l.min()", "not comparable", { l: [null] });
    fails("l.max()", "not comparable", { l: [{ a: 1 }] });
  });

  test("sum: ints, uints, doubles; [] is 0; overflow is an error", () => {
    expect(run("[1, 3].sum()")).toBe(4n);
    expect(run("[1.5, 3.25].sum()")).toBe(4.75);
    expect(run("type([1.0, 3.0].sum()) == double")).toBe(true); // a double list sums to a double
    expect(run("type(l.sum()) == int", { l: [1, 3] })).toBe(true); // JSON integers are ints
    expect(run("[].sum()")).toBe(0n);
    expect(run("l.sum()", { l: [u(1n), u(2n)] })).toEqual(u(3n));
    fails("[9223372036854775807, 1].sum()", "integer overflow");
    fails("[1, 2.5].sum()", "no such overload");
    fails("l.sum()", "unsigned integer overflow", { l: [u(0xffffffffffffffffn), u(1n)] });
    fails("l.sum()", "no such overload", { l: ["a"] });
    fails("l.sum()", "no such overload", { l: [1, 1.5] });
  });

  test.skipIf(!coreAddsDurations)("sum of durations adds them (through the core's `+`)", () => {
    expect(run("l.sum() == d", { l: [parseDuration("1m"), parseDuration("1s")], d: parseDuration("61s") })).toBe(true);
  });

  test("min / max: the least / greatest; [] is an error", () => {
    expect(run("[1, 3].min()")).toBe(1n);
    expect(run("[1, 3].max()")).toBe(3n);
    expect(run("[1].min()")).toBe(1n);
    expect(run("([0] + []).min()")).toBe(0n);
    expect(run("['b', 'a', 'c'].max()")).toBe("c");
    expect(run("l.min()", { l: [u(5n), u(2n)] })).toEqual(u(2n));
    expect(run("l.max()", { l: [bytes("a"), bytes("ab")] })).toEqual(bytes("ab"));
    expect(run("l.min() == d", { l: [parseDuration("1m"), parseDuration("1s")], d: parseDuration("1s") })).toBe(true);
    fails("[].min()", "min called on empty list");
    fails("[].max()", "max called on empty list");
  });

  test("indexOf / lastIndexOf use CEL equality; -1 when absent", () => {
    expect(run("[1, 2, 2, 3].indexOf(2)")).toBe(1n);
    expect(run("['a', 'b', 'b', 'c'].lastIndexOf('b')")).toBe(2n);
    expect(run("[1.5].indexOf(1.1)")).toBe(-1n);
    expect(run("[].indexOf('string')")).toBe(-1n);
    expect(run("[1, 2].indexOf(2.0)")).toBe(1n);
    expect(run("l.indexOf(x)", { l: [1, 2], x: u(2n) })).toBe(1n);
    expect(run("[[1], [2]].lastIndexOf([2])")).toBe(1n);
    expect(run("[{'a': 1}].indexOf({'a': 1})")).toBe(0n);
    expect(run("l.indexOf(x)", { l: [bytes("x")], x: bytes("x") })).toBe(0n);
  });

  test("string receivers still reach the strings library's indexOf", () => {
    expect(run("'abc'.indexOf('c')")).toBe(2n);
    expect(() => run("[1].isSorted(1)")).toThrow(NoSuchOverload);
    expect(() => run("'abc'.sum()")).toThrow(NoSuchOverload);
  });
});
