import { describe, expect, test } from "bun:test";
import { CelError, evaluateCel } from "./evaluate.ts";
import { CelMap } from "./map.ts";
import { parseCel, UnsupportedCel } from "./parse.ts";
import { CelType, CelUint, markNative } from "./values.ts";

const ev = (src: string, vars: Record<string, unknown> = {}) => evaluateCel(parseCel(src), vars);
/** Every expression must evaluate to true. */
const allTrue = (...srcs: string[]) => { for (const s of srcs) expect([s, ev(s)]).toEqual([s, true]); };
const fails = (src: string, message: string) => expect(() => ev(src)).toThrow(message);

test("int arithmetic is 64-bit and overflow is an error (conformance 'integer_math')", () => {
  allTrue("9223372036854775807 - 1 == 9223372036854775806", "-9223372036854775808 + 1 < 0", "7 / 2 == 3 && -7 / 2 == -3", "7 % 3 == 1 && -7 % 3 == -1 && 7 % -3 == 1");
  fails("9223372036854775807 + 1", "integer overflow");
  fails("-9223372036854775808 - 1", "integer overflow");
  fails("4611686018427387904 * 2", "integer overflow");
  fails("-(-9223372036854775808)", "integer overflow");
  fails("-9223372036854775808 / -1", "integer overflow");
  fails("-9223372036854775808 % -1", "integer overflow");
  fails("1 / 0", "division by zero");
  fails("1 % 0", "modulus by zero");
});

test("uint arithmetic: no negatives, overflow past 2^64-1 (conformance 'uint_math')", () => {
  expect(ev("3u * 2u")).toEqual(new CelUint(6n));
  allTrue("18446744073709551615u / 2u == 9223372036854775807u", "7u % 4u == 3u");
  fails("0u - 1u", "unsigned integer overflow");
  fails("18446744073709551615u + 1u", "unsigned integer overflow");
  fails("1u / 0u", "division by zero");
  fails("-1u", "no such overload");
});

test("double arithmetic is IEEE 754; % and mixed-type arithmetic are not defined", () => {
  expect(ev("1.0 / 0.0")).toBe(Number.POSITIVE_INFINITY);
  expect(ev("0.1 + 0.2")).toBe(0.1 + 0.2);
  allTrue("-0.0 == 0.0", "2.5 * 2.0 == 5.0");
  fails("5.0 % 2.0", "no such overload");
  fails("1 + 1.0", "no such overload");
  fails("1u + 1", "no such overload");
  fails("'a' - 'b'", "no such overload");
});

test("+ concatenates strings, bytes and lists", () => {
  expect(ev("'ab' + 'c'")).toBe("abc");
  expect(ev("b'a' + b'\\x00'")).toEqual(Uint8Array.from([97, 0]));
  expect(ev("[1] + [2.0, 'x']")).toEqual([1n, 2, "x"]);
  expect(ev("xs + [1.5]", { xs: [1, 2] })).toEqual([1n, 2n, 1.5]);
});

test("equality is heterogeneous: numbers by value across types, other types unequal (never errors)", () => {
  allTrue("1 == 1.0", "1u == 1", "1.0 == 1u", "[1, 2u] == [1.0, 2]", "{'a': 1} == {'a': 1.0}", "1 != 'a'", "null != 0", "'1' != 1", "[1] != [1, 2]",
    "{'a': 1} != {'b': 1}", "b'a' == b'a'", "type(1) != type(1u)", "null == null", "[[1]] == [[1.0]]");
  allTrue("double('NaN') != double('NaN')", "!(double('NaN') == 1.0)");
  allTrue("9223372036854775807 == 9223372036854775807.0"); // an int against a double compares as doubles, as cel-go
});

test("ordering: cross-type numeric comparisons, strings by code point, bytes, bools", () => {
  allTrue("1 < 1.5", "2u > 1", "1.5 < 2u", "-1 < 0u", "1 <= 1u", "18446744073709551615u > 9223372036854775807", "-1.0 < 0u", "1e300 > 9223372036854775807");
  allTrue("'a' < 'b'", "'abc' > 'ab'", "'\\uffff' < '\\U0001F600'", "b'\\x01' < b'\\xff'", "false < true", "!(true <= false)");
  fails("double('NaN') < 1.0", "NaN values cannot be ordered");
  fails("1 >= double('NaN')", "NaN values cannot be ordered");
  fails("'a' < 1", "no such overload");
  fails("[1] < [2]", "no such overload");
  fails("null < null", "no such overload");
});

test("in: list membership by equality, map keys by heterogeneous key equality", () => {
  allTrue("2 in [1, 2]", "2.0 in [1, 2]", "!('a' in [1, 2])", "'k' in {'k': 1}", "1u in {1: 'a'}", "1.0 in {1: 'a'}", "!(1 in {'1': 'a'})", "!(2 in {1: 2})");
  fails("1 in 1", "no such overload");
});

test("maps: string keys make plain objects; int/uint/bool keys a CelMap; repeated keys and bad key types are errors", () => {
  expect(ev("{'a': 1}")).toEqual({ a: 1n });
  const m = ev("{1: 'one', true: 'yes', 2u: 'two'}");
  expect(m).toBeInstanceOf(CelMap);
  allTrue("{1: 'one', true: 'yes'}[1] == 'one'", "{1: 'one', true: 'yes'}[true] == 'yes'", "{1: 'a'}[1u] == 'a'", "size({1: 'a', 2: 'b'}) == 2",
    "{1: 'a', 2: 'b'} == {2: 'b', 1u: 'a'}", "{1: 'a'} != {1: 'b'}");
  fails("{'a': 1, 'a': 2}", "repeated key");
  fails("{1: 1, 1u: 2}", "repeated key");
  fails("{1.5: 1}", "unsupported key type");
  fails("{null: 1}", "unsupported key type");
  fails("{'a': 1}['b']", "no such key: b");
  fails("{1: 1}[2]", "no such key: 2");
});

test("lists index by int, uint or integral double; out of range is an error", () => {
  allTrue("[1, 2][1] == 2", "[1, 2][1u] == 2", "[1, 2][1.0] == 2");
  fails("[1, 2][2]", "index out of bounds");
  fails("[1, 2][-1]", "index out of bounds");
  fails("[1, 2]['a']", "no such overload");
});

test("fields: a missing field is an error, has() tests presence, nested has() needs its parents", () => {
  const vars = { self: { spec: { replicas: 3, empty: null, list: [] } } };
  expect(ev("has(self.spec.replicas) && !has(self.spec.missing)", vars)).toBe(true);
  expect(ev("has(self.spec.empty)", vars)).toBe(true); // present with a null value
  expect(() => ev("has(self.status.phase)", vars)).toThrow("no such key: status");
  expect(() => ev("self.spec.missing", vars)).toThrow("no such key: missing");
  expect(() => ev("self.spec.replicas.x", vars)).toThrow("does not support field selection");
  expect(ev("self.spec.empty == null", vars)).toBe(true);
});

test("Kubernetes-escaped property names find the property they escape", () => {
  const self = { "x-y": 1, "a.b": 2, "c/d": 3, "e__f": 4, namespace: "ns", __dash__: "literal" };
  expect(ev("self.x__dash__y + self.a__dot__b + self.c__slash__d + self.e__underscores__f", { self })).toBe(10n);
  expect(ev("self.__namespace__ == 'ns' && has(self.x__dash__y)", { self })).toBe(true);
  expect(ev("self.__dash__", { self })).toBe("literal"); // a property with that very name wins
});

test("&& and || absorb errors when the other side decides, in either order; ?: evaluates one branch", () => {
  allTrue("!(false && 1 / 0 == 1)", "!(1 / 0 == 1 && false)", "true || 1 / 0 == 1", "1 / 0 == 1 || true", "(true ? 1 : 1 / 0) == 1");
  fails("1 / 0 == 1 && true", "division by zero");
  fails("false || 1 / 0 == 1", "division by zero");
  fails("1 && true", "no such overload");
  fails("1 ? 2 : 3", "no such overload");
  fails("!1", "no such overload");
});

test("macros over lists and maps (conformance 'macros')", () => {
  allTrue("[1, 2, 3].all(x, x > 0)", "![1, 2, 3].all(x, x > 1)", "[1, 2, 3].exists(x, x == 2)", "[1, 2, 3].exists_one(x, x > 2)",
    "![1, 2, 3].exists_one(x, x > 1)", "[1, 2, 3].map(x, x * 2) == [2, 4, 6]", "[1, 2, 3].filter(x, x % 2 == 1) == [1, 3]",
    "[1, 2, 3].map(x, x > 1, x * 10) == [20, 30]", "{'a': 1, 'b': 2}.all(k, k in ['a', 'b'])", "{'a': 1, 'b': 2}.map(k, k) == ['a', 'b']",
    "{'a': 1, 'b': 2}.filter(k, k == 'b') == ['b']", "[].all(x, false)", "![].exists(x, true)", "[[1], [2, 3]].map(l, l.map(x, x + 1)) == [[2], [3, 4]]");
});

test("all/exists absorb element errors when another element decides; exists_one and map propagate them", () => {
  allTrue("![0, 1].all(x, 1 / x > 1)", "[0, 1].exists(x, 1 / x == 1)");
  fails("[0, 1].all(x, 1 / x > 0)", "division by zero");
  fails("[0, 1].exists(x, 1 / x > 5)", "division by zero");
  fails("[0, 1].exists_one(x, 1 / x == 1)", "division by zero");
  fails("[0].map(x, 1 / x)", "division by zero");
  fails("[1].all(x, 1)", "no matching overload");
});

test("two-variable comprehensions (Kubernetes 1.32 ext.TwoVarComprehensions)", () => {
  allTrue("[10, 20].all(i, v, v == (i + 1) * 10)", "{'a': 1, 'b': 2}.exists(k, v, k == 'b' && v == 2)", "[1, 2, 1].existsOne(i, v, v == 2)",
    "[1, 2].transformList(i, v, i * v) == [0, 2]", "[1, 2, 3].transformList(i, v, v > 1, v) == [2, 3]",
    "{'a': 1}.transformMap(k, v, v + 1) == {'a': 2}", "{'a': 1, 'b': 2}.transformMap(k, v, v > 1, k) == {'b': 'b'}",
    "['x', 'y'].transformMap(i, v, v) == {0: 'x', 1: 'y'}", "{'a': 1}.transformMapEntry(k, v, {v: k}) == {1: 'a'}", "[1, 2].exists_one(i, v, v == 2)");
  expect(() => ev("['a'].existsOne(x, x == 'a')")).toThrow(UnsupportedCel); // one-variable existsOne is not in cel-go v0.22
  fails("[1, 2].transformMapEntry(i, v, {'same': v})", "repeated key");
});

test("type(), type identifiers as values, dyn()", () => {
  expect(ev("type(1)")).toEqual(new CelType("int"));
  allTrue("type(1) == int", "type(1u) == uint", "type(1.0) == double", "type(true) == bool", "type('') == string", "type(b'') == bytes",
    "type([]) == list", "type({}) == map", "type({1: 2}) == map", "type(null) == null_type", "type(int) == type", "type(type) == type",
    "type(duration('1s')) == google.protobuf.Duration", "type(timestamp('2023-01-01T00:00:00Z')) == google.protobuf.Timestamp",
    "type(optional.none()) != type(1)", "dyn(1) == 1", "type(dyn([1])) == list", "int != uint");
  expect(ev("type(x) == string", { x: "s" })).toBe(true);
  expect(ev("int == 1", { int: 1 })).toBe(true); // a binding shadows the type name
});

test("bindings: JSON integers are ints, fractions doubles; values CEL built keep their doubles", () => {
  allTrue("type([1.0][0]) == double", "[1.0, 2.0].map(x, x / 2.0) == [0.5, 1.0]", "{'a': 2.0}.a * 1.5 == 3.0");
  expect(ev("type(x) == int && type(y) == double", { x: 3, y: 3.5 })).toBe(true);
  expect(ev("xs.map(x, x * 2)", { xs: [1, 2] })).toEqual([2n, 4n]);
  expect(ev("!has(o.a) && has(o.b)", { o: { a: undefined, b: 1 } })).toBe(true); // undefined is absent, as in JSON
});

test("namespaced functions resolve unless the namespace is a variable", () => {
  allTrue("optional.of(1).value() == 1");
  expect(ev("optional.of", { optional: { of: 5 } })).toBe(5n);
});

test("what no library provides is UnsupportedCel", () => {
  expect(() => ev("nope(1)")).toThrow(UnsupportedCel);
  expect(() => ev("x")).toThrow(UnsupportedCel);
  expect(() => ev("1.nope()")).toThrow(UnsupportedCel);
  expect(() => ev("size(1)")).toThrow(CelError); // a known function with the wrong types is an evaluation error
});

describe("bindings: native values, dotted names, library type names", () => {
  test("a markNative bindings object holds CEL values as they are (a whole double stays a double)", () => {
    expect(ev("type(x) == double", markNative({ x: 2 }))).toBe(true);
    expect(ev("type(x) == int", { x: 2 })).toBe(true);
  });
  test("a binding whose key has a dot is read by the select chain spelling it, unless a macro variable shadows its root", () => {
    const vars = { a: { b: 1 }, "a.b": 2 };
    expect(ev("a.b", vars)).toBe(2n);
    expect(ev("[{'b': 3}].map(a, a.b)[0]", vars)).toBe(3n);
  });
  test("Kubernetes library type names are type values", () => {
    expect(ev("type(quantity('1Gi')) == kubernetes.Quantity && type(ip('1.2.3.4')) == net.IP && type(cidr('10.0.0.0/8')) == net.CIDR && type(url('https://x')) == kubernetes.URL", {})).toBe(true);
  });
});
