import { expect, test } from "bun:test";
import { evaluateCel } from "../evaluate.ts";
import { parseCel, UnsupportedCel } from "../parse.ts";
import { CelOptional } from "./optional.ts";

const self = { spec: { replicas: 3, labels: { app: "web" }, ports: [80, 443] } };
const ev = (src: string) => evaluateCel(parseCel(src), { self });
const allTrue = (...srcs: string[]) => { for (const s of srcs) expect([s, ev(s)]).toEqual([s, true]); };
const fails = (src: string, message: string) => expect(() => ev(src)).toThrow(message);

test("optional.of, optional.none, optional.ofNonZeroValue, hasValue, value", () => {
  expect(ev("optional.none()")).toBe(CelOptional.NONE);
  allTrue("optional.of(1).hasValue()", "!optional.none().hasValue()", "optional.of(1).value() == 1", "optional.of(null).hasValue()",
    "!optional.ofNonZeroValue(0).hasValue()", "!optional.ofNonZeroValue('').hasValue()", "!optional.ofNonZeroValue([]).hasValue()",
    "!optional.ofNonZeroValue({}).hasValue()", "!optional.ofNonZeroValue(0u).hasValue()", "!optional.ofNonZeroValue(false).hasValue()",
    "!optional.ofNonZeroValue(duration('0')).hasValue()", "optional.ofNonZeroValue(1).value() == 1");
  fails("optional.none().value()", "optional.none() dereference");
});

test("orValue and or: the argument is evaluated only when the optional is empty", () => {
  allTrue("optional.none().orValue(5) == 5", "optional.of(1).orValue(5) == 1", "optional.of(1).orValue(1 / 0) == 1",
    "optional.none().or(optional.of(2)).value() == 2", "optional.of(1).or(optional.of(2)).value() == 1", "optional.of(1).or(1 / 0 == 1) == optional.of(1)");
  fails("optional.none().orValue(1 / 0)", "division by zero");
  fails("optional.none().or(1)", "no such overload");
});

test("equality of optionals", () => {
  allTrue("optional.of(1) == optional.of(1.0)", "optional.none() == optional.none()", "optional.of(1) != optional.none()", "optional.of(1) != 1");
});

test("a.?b and a[?k]: none when absent; selecting into an optional stays optional", () => {
  allTrue("self.spec.?replicas == optional.of(3)", "!self.spec.?missing.hasValue()", "self.spec.?missing.orValue(1) == 1",
    "self.spec.?labels.app.value() == 'web'", "!self.spec.?labels.tier.hasValue()", "!self.?status.phase.hasValue()",
    "self.spec.labels[?'app'] == optional.of('web')", "!self.spec.labels[?'x'].hasValue()", "self.spec.ports[?1].value() == 443",
    "!self.spec.ports[?5].hasValue()", "optional.of({'a': {'b': 1}}).a.b.value() == 1", "!optional.none().a.hasValue()",
    "optional.of([1])[0] == optional.of(1)", "{'a': 1}.?a.value() == 1");
  fails("self.spec.?missing.value()", "optional.none() dereference");
  fails("1.?a", "does not support field selection");
});

test("[?x] and {?k: x} leave out empty optionals", () => {
  allTrue("[?optional.none(), 1, ?optional.of(2)] == [1, 2]", "{?'a': optional.none(), 'b': 1} == {'b': 1}", "{?'a': optional.of(0)} == {'a': 0}",
    "[?self.spec.?missing, ?self.spec.?replicas] == [3]");
  fails("[?1]", "no such overload");
  fails("{?'a': 1}", "no such overload");
});

test("optMap and optFlatMap", () => {
  allTrue("optional.of(2).optMap(x, x * 10) == optional.of(20)", "!optional.none().optMap(x, x * 10).hasValue()",
    "self.spec.?replicas.optMap(r, r + 1).value() == 4", "optional.of(2).optFlatMap(x, x > 1 ? optional.of(x) : optional.none()) == optional.of(2)",
    "!optional.of(1).optFlatMap(x, x > 1 ? optional.of(x) : optional.none()).hasValue()");
  fails("optional.of(1).optFlatMap(x, x)", "expected an optional");
  fails("1.optMap(x, x)", "no such overload");
});

test("functions cel-go added after v0.22 (Kubernetes 1.32) are not defined", () => {
  expect(() => ev("optional.unwrap([optional.of(1)])")).toThrow(UnsupportedCel);
  expect(() => ev("[optional.of(1)].unwrapOpt()")).toThrow(UnsupportedCel);
  expect(() => ev("[1].first()")).toThrow(UnsupportedCel);
});
