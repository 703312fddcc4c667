import { expect, test } from "bun:test";
import { evaluateCel } from "./evaluate.ts";
import { CelSyntaxError, parseCel, UnsupportedCel } from "./parse.ts";
import { CelUint } from "./values.ts";

const value = (src: string) => evaluateCel(parseCel(src), {});
const bytes = (...b: number[]) => Uint8Array.from(b);
/** The offset of the CelSyntaxError `src` raises; undefined when it parses or is only unsupported. */
const syntaxErrorAt = (src: string) => {
  try { parseCel(src); } catch (err) { return err instanceof CelSyntaxError ? err.position : undefined; }
  return undefined;
};

test("numbers: decimal and hex ints, uints, doubles (langdef 'Numeric values')", () => {
  expect(value("42")).toBe(42n);
  expect(value("0x2A")).toBe(42n);
  expect(value("0xffu")).toEqual(new CelUint(255n));
  expect(value("42U")).toEqual(new CelUint(42n));
  expect(value("18446744073709551615u")).toEqual(new CelUint(18446744073709551615n));
  expect(value("1.5")).toBe(1.5);
  expect(value(".5")).toBe(0.5);
  expect(value("1e3")).toBe(1000);
  expect(value("2.5E-1")).toBe(0.25);
  expect(value("-1.5")).toBe(-1.5);
  expect(value("9223372036854775807")).toBe(9223372036854775807n);
  expect(value("-9223372036854775808")).toBe(-9223372036854775808n);
});

test("out-of-range and malformed number literals are syntax errors", () => {
  expect(syntaxErrorAt("9223372036854775808")).toBe(0);
  expect(syntaxErrorAt("1 + -9223372036854775809")).toBe(5);
  expect(syntaxErrorAt("18446744073709551616u")).toBe(0);
  expect(syntaxErrorAt("1.5u")).toBe(0);
  expect(syntaxErrorAt("0X1F")).toBe(1); // the hex prefix is lowercase 0x
});

test("strings: quotes, triple quotes, raw strings, every escape form", () => {
  expect(value(`"a'b"`)).toBe("a'b");
  expect(value(`'''x "y" 'z'\n'''`)).toBe(`x "y" 'z'\n`);
  expect(value(`"""a\nb"""`)).toBe("a\nb");
  expect(value(String.raw`r'\d+\n'`)).toBe(String.raw`\d+\n`);
  expect(value(String.raw`R"""\t"""`)).toBe(String.raw`\t`);
  expect(value(String.raw`'\a\b\f\n\r\t\v\\\'\"\`\?'`)).toBe("\x07\b\f\n\r\t\v\\'\"`?");
  expect(value(String.raw`'\x41\X42\u00e9\U0001F600\101\000'`)).toBe("ABé😀A\0");
  expect(value(String.raw`'\xff'`)).toBe("\u00ff"); // a code point in strings
  expect(value(String.raw`'\uD800'`)).toBe("\ufffd"); // a surrogate is U+FFFD, as cel-go encodes it
});

test("bytes: b/B prefixes, octets from escapes, UTF-8 for text", () => {
  expect(value(String.raw`b'\xff\377\000'`)).toEqual(bytes(255, 255, 0));
  expect(value("b'é'")).toEqual(bytes(0xc3, 0xa9));
  expect(value(String.raw`B"a\n"`)).toEqual(bytes(97, 10));
  expect(value(String.raw`bR'\x'`)).toEqual(bytes(92, 120));
  expect(syntaxErrorAt("rb'x'")).toBe(2); // the prefix order is b then r: this is the name rb before a string
  expect(value(String.raw`br'\n'`)).toEqual(bytes(92, 110));
});

test("bad escapes and unterminated literals are syntax errors", () => {
  expect(syntaxErrorAt(String.raw`'\q'`)).toBe(1);
  expect(syntaxErrorAt(String.raw`'\x4'`)).toBe(1);
  expect(syntaxErrorAt(String.raw`'\400'`)).toBe(1);
  expect(syntaxErrorAt(String.raw`b'\u00e9'`)).toBe(2);
  expect(syntaxErrorAt("'abc")).toBe(0);
  expect(syntaxErrorAt("'a\nb'")).toBe(2);
  expect(syntaxErrorAt("'''abc''")).toBe(0);
});

test("precedence: ?: < || < && < relations < + - < * / % < unary < member", () => {
  expect(value("true || false && false")).toBe(true);
  expect(value("1 + 2 * 3 - 4 / 2 % 3")).toBe(5n);
  expect(value("1 < 2 == true")).toBe(true);
  expect(value("false ? 1 : true ? 2 : 3")).toBe(2n);
  expect(value("-[1, 2][1]")).toBe(-2n);
  expect(value("!!true")).toBe(true);
  expect(value("- - 3")).toBe(3n);
  expect(value("-(3)")).toBe(-3n);
  expect(value("2 in [1, 2] && !(3 in [1, 2])")).toBe(true);
});

test("aggregates allow trailing commas; comments are skipped", () => {
  expect(value("[1, 2,]")).toEqual([1n, 2n]);
  expect(value("{'a': 1,}")).toEqual({ a: 1n });
  expect(value("[] == [] // comment\n && {} == {}")).toBe(true);
});

test("optional syntax parses into optional selections, indexes, elements and entries", () => {
  expect(parseCel("a.?b")).toEqual({ kind: "select", target: { kind: "ident", name: "a" }, field: "b", optional: true });
  expect(parseCel("a[?0]")).toEqual({ kind: "index", target: { kind: "ident", name: "a" }, index: { kind: "lit", value: 0n }, optional: true });
  expect(parseCel("[?a, b]")).toEqual({ kind: "list", items: [{ kind: "ident", name: "a" }, { kind: "ident", name: "b" }], optional: [true, false] });
  expect(parseCel("{?'k': v}")).toEqual({ kind: "map", entries: [{ key: { kind: "lit", value: "k" }, value: { kind: "ident", name: "v" }, optional: true }] });
});

test("macros: arity decides; variables must be simple names", () => {
  const m = parseCel("xs.map(x, x > 0, x * 2)");
  expect(m.kind === "comprehension" && m.variables).toEqual(["x"]);
  expect(m.kind === "comprehension" && m.filter?.kind).toBe("binary");
  const two = parseCel("m.all(k, v, v > 0)");
  expect(two.kind === "comprehension" && two.variables).toEqual(["k", "v"]);
  expect(parseCel("xs.map(x)").kind).toBe("call"); // no macro of that arity: an ordinary call
  expect(syntaxErrorAt("xs.all(x.y, true)")).toBe(3);
  expect(syntaxErrorAt("m.all(k, k, true)")).toBe(2);
  expect(syntaxErrorAt("has(a)")).toBe(0);
  expect(syntaxErrorAt("has(a[0])")).toBe(0);
  expect(parseCel("has(a.b.c)")).toMatchObject({ kind: "select", field: "c", test: true, target: { kind: "select", field: "b" } });
});

test("reserved words and keywords cannot be identifiers or field names", () => {
  expect(syntaxErrorAt("if")).toBe(0);
  expect(syntaxErrorAt("x + namespace")).toBe(4);
  expect(syntaxErrorAt("a.in")).toBe(2);
  expect(syntaxErrorAt("a.true")).toBe(2);
  expect(parseCel("a.namespace")).toEqual({ kind: "select", target: { kind: "ident", name: "a" }, field: "namespace" });
});

test("grammar errors are CelSyntaxError at the offending token", () => {
  expect(syntaxErrorAt("1 +")).toBe(3);
  expect(syntaxErrorAt("(1 + 2")).toBe(6);
  expect(syntaxErrorAt("[1 2]")).toBe(3);
  expect(syntaxErrorAt("{'a' 1}")).toBe(5);
  expect(syntaxErrorAt("f(1,)")).toBe(4);
  expect(syntaxErrorAt("a ? b")).toBe(5);
  expect(syntaxErrorAt("1 2")).toBe(2);
  expect(syntaxErrorAt("!-x")).toBe(1); // `!` and `-` do not combine (only a signed literal may follow `!`)
  expect(syntaxErrorAt("!-1")).toBeUndefined();
});

test("valid CEL this implementation lacks is UnsupportedCel but not a syntax error", () => {
  for (const src of [".root.name", "pkg.Msg{f: 1}", "a `b`", "a # b"]) {
    expect(() => parseCel(src)).toThrow(UnsupportedCel);
    expect(syntaxErrorAt(src)).toBeUndefined();
  }
});
