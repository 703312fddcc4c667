import { describe, expect, test } from "bun:test";
import { evaluateCel } from "../evaluate.ts";
import { parseCel } from "../parse.ts";
import { CelUint, NoSuchOverload } from "../values.ts";

const run = (src: string, vars: Record<string, unknown> = {}) => evaluateCel(parseCel(src), vars);

describe("cel-go ext.Sets (Kubernetes 1.29+)", () => {
  test("sets.contains: every element of the second list is in the first", () => {
    expect(run("sets.contains([], [])")).toBe(true);
    expect(run("sets.contains([1], [])")).toBe(true);
    expect(run("sets.contains([], [1])")).toBe(false);
    expect(run("sets.contains([1, 2, 3, 4], [2, 3])")).toBe(true);
    expect(run("sets.contains([1, 2, 3], [3, 2, 1, 1])")).toBe(true);
    expect(run("sets.contains([[1], [2, 3]], [[2, 3]])")).toBe(true);
    expect(run("sets.contains([{'a': 1}], [{'a': 2}])")).toBe(false);
  });

  test("membership is CEL equality: 1 == 1.0 == 1u", () => {
    expect(run("sets.contains([1, 2], [2.0])")).toBe(true);
    expect(run("sets.contains(l, [1.0, 1])", { l: [new CelUint(1n)] })).toBe(true);
    expect(run("sets.contains([1], [1.5])")).toBe(false);
    expect(run("sets.contains(['1'], [1])")).toBe(false);
    expect(run("sets.equivalent([1u, 2.0], [1, 2])")).toBe(true);
  });

  test("sets.equivalent: each contains the other, ignoring order and duplicates", () => {
    expect(run("sets.equivalent([], [])")).toBe(true);
    expect(run("sets.equivalent([1], [1, 1])")).toBe(true);
    expect(run("sets.equivalent([1, 2, 3], [3, 2.0, 1u])")).toBe(true);
    expect(run("sets.equivalent([1, 2], [1, 2, 3])")).toBe(false);
  });

  test("sets.intersects: some element in both", () => {
    expect(run("sets.intersects([], [])")).toBe(false);
    expect(run("sets.intersects([1], [])")).toBe(false);
    expect(run("sets.intersects([1], [1.0, 2])")).toBe(true);
    expect(run("sets.intersects(['a', 'b'], ['c'])")).toBe(false);
    expect(run("sets.intersects(l, ['x'])", { l: ["y", "x"] })).toBe(true);
  });

  test("anything but two lists is no such overload", () => {
    expect(() => run("sets.contains([1], 1)")).toThrow(NoSuchOverload);
    expect(() => run("sets.intersects({'a': 1}, ['a'])")).toThrow(NoSuchOverload);
    expect(() => run("sets.equivalent([1])")).toThrow(NoSuchOverload);
  });
});
