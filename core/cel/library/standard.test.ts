import { expect, test } from "bun:test";
import { evaluateCel } from "../evaluate.ts";
import { parseCel } from "../parse.ts";
import { CelUint } from "../values.ts";
import { formatDouble } from "./standard.ts";

const ev = (src: string, vars: Record<string, unknown> = {}) => evaluateCel(parseCel(src), vars);
const allTrue = (...srcs: string[]) => { for (const s of srcs) expect([s, ev(s)]).toEqual([s, true]); };
const fails = (src: string, message: string) => expect(() => ev(src)).toThrow(message);

test("size counts code points, bytes, elements and entries, global and receiver forms", () => {
  allTrue("size('héllo') == 5", "'😀'.size() == 1", "size(b'\\xc3\\xa9') == 2", "size([1, 2]) == 2", "{'a': 1}.size() == 1", "size({1: 2, 3: 4}) == 2", "size('') == 0");
  expect(ev("size(xs)", { xs: [1, 2, 3] })).toBe(3n);
  fails("size(1)", "no such overload");
  fails("size(null)", "no such overload");
});

test("contains, startsWith, endsWith take strings", () => {
  allTrue("'hello'.contains('ell')", "'hello'.contains('')", "'hello'.startsWith('he')", "!'hello'.startsWith('lo')", "'hello'.endsWith('lo')");
  fails("'a'.contains(1)", "no such overload");
  fails("[1].startsWith(1)", "no such overload");
});

test("matches is an unanchored RE2 search, receiver or global", () => {
  allTrue("'foobar'.matches('oba')", "!'foobar'.matches('^oba')", "matches('abc', '^a.c$')", "'k8s-app'.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')", "'ÿ'.matches('^.$')");
  allTrue("'a\\rb'.matches('^a.b$')", "!'a\\nb'.matches('^a.b$')", "!'\\u00a0'.matches('^\\\\s$')"); // RE2's meanings of . and \s
  for (let i = 0; i < 3; i++) expect(ev("'xab'.matches('ab')")).toBe(true); // the same pattern again gives the same answer
  fails("'a'.matches('(')", "error parsing regexp");
  fails("'a'.matches('\\\\1')", "error parsing regexp");
});

test("int(): truncates doubles, range-checks, parses decimal text only", () => {
  allTrue("int(1.9) == 1", "int(-1.9) == -1", "int(42u) == 42", "int('-17') == -17", "int('+5') == 5", "int(int('3')) == 3");
  fails("int(9223372036854775807u + 1u)", "integer overflow");
  fails("int(1e19)", "integer overflow");
  fails("int(-9223372036854775808.0)", "integer overflow");
  fails("int(double('NaN'))", "integer overflow");
  fails("int('0x10')", "type conversion error");
  fails("int('1.5')", "type conversion error");
  fails("int('9223372036854775808')", "type conversion error");
  fails("int(true)", "no such overload");
});

test("uint(): non-negative only", () => {
  expect(ev("uint(3)")).toEqual(new CelUint(3n));
  allTrue("uint(2.7) == 2u", "uint('18446744073709551615') == 18446744073709551615u");
  fails("uint(-1)", "unsigned integer overflow");
  fails("uint(-0.5)", "unsigned integer overflow");
  fails("uint(18446744073709551616.0)", "unsigned integer overflow");
  fails("uint('-1')", "type conversion error");
});

test("double(): from numbers and Go float text", () => {
  allTrue("double(1) == 1.0", "double(2u) == 2.0", "double('1.5e3') == 1500.0", "double('-.5') == -0.5", "double('Inf') > 1e308", "double('-inf') < 0.0");
  expect(Number.isNaN(ev("double('NaN')"))).toBe(true);
  fails("double('1e400')", "type conversion error");
  fails("double('abc')", "type conversion error");
  fails("double('')", "type conversion error");
});

test("string(): numbers as cel-go prints them, bools, bytes as UTF-8", () => {
  allTrue("string(-42) == '-42'", "string(42u) == '42'", "string(true) == 'true'", "string(b'\\xc3\\xa9') == 'é'", "string('x') == 'x'");
  allTrue("string(1.0) == '1'", "string(1.5) == '1.5'", "string(1e6) == '1e+06'", "string(123456.0) == '123456'", "string(0.0001) == '0.0001'",
    "string(0.00001) == '1e-05'", "string(1.2345678e-7) == '1.2345678e-07'", "string(-2.5e100) == '-2.5e+100'");
  fails("string(b'\\xff')", "invalid UTF-8");
  fails("string([1])", "no such overload");
});

test("formatDouble follows Go's %g shortest form", () => {
  expect([1e21, 1e20, 100000, 999999, 1234567, 0.1, 1 / 3, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0].map(formatDouble))
    .toEqual(["1e+21", "1e+20", "100000", "999999", "1.234567e+06", "0.1", "0.3333333333333333", "NaN", "+Inf", "-Inf", "-0"]);
});

test("bytes() and bool()", () => {
  expect(ev("bytes('é')")).toEqual(Uint8Array.from([0xc3, 0xa9]));
  allTrue("bytes(b'a') == b'a'", "bool('true') && bool('TRUE') && bool('True') && bool('t') && bool('T') && bool('1')",
    "!bool('false') && !bool('FALSE') && !bool('False') && !bool('f') && !bool('F') && !bool('0')", "bool(true)");
  fails("bool('yes')", "type conversion error");
  fails("bool(1)", "no such overload");
});
