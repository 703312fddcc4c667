import { describe, expect, test } from "bun:test";
import { evaluateCel } from "../evaluate.ts";
import { parseCel } from "../parse.ts";
import { CelError } from "../values.ts";
import { CelQuantity } from "./quantity.ts";

const run = (src: string, vars: Record<string, unknown> = {}) => evaluateCel(parseCel(src), vars);

describe("quantity library (apiserver/pkg/cel/library/quantity.go)", () => {
  test("quantity() parses; its type name is kubernetes.Quantity", () => {
    const q = run("quantity('12Mi')");
    expect(q).toBeInstanceOf(CelQuantity);
    expect((q as CelQuantity).celType).toBe("kubernetes.Quantity");
    expect(run("quantity(object.spec.memory).isGreaterThan(quantity('1Gi'))", { object: { spec: { memory: "2Gi" } } })).toBe(true);
  });

  test("quantity() errors with apimachinery's messages (quantity_test parseInvalidSuffix*)", () => {
    expect(() => run("quantity('10Mo')")).toThrow(/^quantities must match the regular expression/);
    expect(() => run("quantity('10Mm')")).toThrow("unable to parse quantity's suffix");
    expect(() => run("quantity('200K')")).toThrow(CelError);
    expect(() => run("quantity('')")).toThrow(CelError);
    expect(() => run("quantity(1)")).toThrow("no such overload");
  });

  test("isQuantity is true exactly when quantity() would not fail (doc examples)", () => {
    for (const s of ["20", "20M", "20Mi", "1.3G", "1.3Gi", "10000k", "-1.5e3", "+.5", "1."]) expect(run(`isQuantity('${s}')`)).toBe(true);
    for (const s of ["20Mo", "10Mm", "1,3G", "200K", "Three", "", "1e", "1 Gi"]) expect(run(`isQuantity('${s}')`)).toBe(false);
    // The doc says isQuantity('Mi') is false, but ParseQuantity reads a bare suffix as 0 (num "" -> "0").
    expect(run("isQuantity('Mi') && quantity('Mi') == quantity('0')")).toBe(true);
    expect(() => run("isQuantity([1, 2, 3])")).toThrow("no such overload");
  });

  test("== is exact value equality: reflexive, symmetric, transitive (quantity_test equality_*)", () => {
    expect(run("quantity('200M') == quantity('200M')")).toBe(true);
    expect(run("quantity('200M') == quantity('0.2G') && quantity('0.2G') == quantity('200M')")).toBe(true);
    expect(run("quantity('2M') == quantity('0.002G') && quantity('2000k') == quantity('2M') && quantity('0.002G') == quantity('2000k')")).toBe(true);
    expect(run("quantity('1') == quantity('1000m')")).toBe(true);
    expect(run("quantity('1Ki') == quantity('1024')")).toBe(true);
    expect(run("quantity('200M') == quantity('0.3G')")).toBe(false);
    expect(run("quantity('200M') != quantity('0.3G')")).toBe(true);
    expect(run("quantity('1') == 1")).toBe(false);
  });

  test("comparisons (quantity_test quantity_less/greater, compare_*)", () => {
    expect(run("quantity('50M').isLessThan(quantity('50Mi'))")).toBe(true);
    expect(run("quantity('100M').isLessThan(quantity('50M'))")).toBe(false);
    expect(run("quantity('50Mi').isGreaterThan(quantity('50M'))")).toBe(true);
    expect(run("quantity('50M').isGreaterThan(quantity('100M'))")).toBe(false);
    expect(run("quantity('200M').compareTo(quantity('0.2G'))")).toBe(0n);
    expect(run("quantity('50M').compareTo(quantity('50Mi'))")).toBe(-1n);
    expect(run("quantity('50Mi').compareTo(quantity('50M'))")).toBe(1n);
    // Exact, where floats would tie: 2^63-ish values differing in the last unit.
    expect(run("quantity('9223372036854775807').isGreaterThan(quantity('9223372036854775806'))")).toBe(true);
    expect(run("quantity('1n').isGreaterThan(quantity('0'))")).toBe(true);
    expect(() => run("quantity('1').isLessThan(1)")).toThrow("no such overload");
  });

  test("sign() as upstream's global sign(q), and as a method", () => {
    expect(run("sign(quantity('-1.5'))")).toBe(-1n);
    expect(run("sign(quantity('0'))")).toBe(0n);
    expect(run("quantity('3k').sign()")).toBe(1n);
    expect(() => run("sign(1)")).toThrow("no such overload");
  });

  test("add/sub with quantities and ints are exact (quantity_test add_*, sub_*, arith_chain)", () => {
    expect(run("quantity('50k').add(quantity('20')) == quantity('50.02k')")).toBe(true);
    expect(run("quantity('50k').add(20).isLessThan(quantity('50020'))")).toBe(false);
    expect(run("quantity('50k').sub(quantity('20')) == quantity('49.98k')")).toBe(true);
    expect(run("quantity('50k').sub(20) == quantity('49980')")).toBe(true);
    expect(run("quantity('50k').add(20).sub(quantity('100k')).asInteger()")).toBe(-49980n);
    expect(run("quantity('50k').add(20).sub(quantity('100k')).sub(-50000).asInteger()")).toBe(20n);
    expect(run("quantity('0.1').add(quantity('0.2')) == quantity('0.3')")).toBe(true);
    expect(run("quantity('1Gi').sub(quantity('1G')) == quantity('73741824')")).toBe(true);
    expect(() => run("quantity('1').add('2')")).toThrow("no such overload");
  });

  test("asInteger/isInteger follow upstream's int64 form (AsInt64)", () => {
    expect(run("quantity('50k').asInteger()")).toBe(50000n);
    expect(run("quantity('50').isInteger()")).toBe(true);
    expect(run("quantity('50000000G').isInteger()")).toBe(true);
    expect(run("quantity('9999999999999999999999999999999999999G').isInteger()")).toBe(false);
    expect(() => run("quantity('9999999999999999999999999999999999999G').asInteger()")).toThrow("cannot convert value to integer");
    expect(run("quantity('-12Mi').asInteger()")).toBe(-12582912n);
    // A negative scale never converts, even when the value is whole.
    expect(run("quantity('1000m').isInteger()")).toBe(false);
    expect(run("quantity('1.5').isInteger()")).toBe(false);
    // Fractional binary quantities are held as inf.Dec, which never converts either.
    expect(run("quantity('1.5Gi').isInteger()")).toBe(false);
    // int64 overflow of value × 10^scale.
    expect(run("quantity('10E').isInteger()")).toBe(false);
    expect(run("quantity('9E').asInteger()")).toBe(9000000000000000000n);
  });

  test("asApproximateFloat (quantity_test as_float; doc example)", () => {
    expect(run("quantity('50.703k').asApproximateFloat()")).toBe(50703);
    expect(run("quantity('50k').sub(20000).asApproximateFloat() == 30000.0")).toBe(true);
    expect(run("quantity('1.5Gi').asApproximateFloat()")).toBeCloseTo(1610612736, 3);
    expect(run("quantity('250m').asApproximateFloat()")).toBe(0.25);
    expect(() => run("quantity('1').asApproximateFloat(1)")).toThrow("no such overload");
  });
});
