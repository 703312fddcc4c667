import { describe, expect, test } from "bun:test";
import { evaluateCel } from "../evaluate.ts";
import { parseCel } from "../parse.ts";
import { CelError, CelUint } from "../values.ts";
import { goQuote, goShortest } from "./strings-format.ts";

const run = (src: string, vars: Record<string, unknown> = {}) => evaluateCel(parseCel(src), vars);
const fmt = (format: string, args: string, vars: Record<string, unknown> = {}) => run(`${JSON.stringify(format)}.format([${args}])`, vars);
const fails = (format: string, args: string, message: string, vars: Record<string, unknown> = {}) => {
  expect(() => fmt(format, args, vars)).toThrow(CelError);
  expect(() => fmt(format, args, vars)).toThrow(message);
};

describe("string.format (ext.Strings v1+, cel-go v0.22.0 formatting.go, locale en_US)", () => {
  test("%% escapes, %s and %d substitute in order", () => {
    expect(fmt("no substitution", "")).toBe("no substitution");
    expect(fmt("%% and also %%", "")).toBe("% and also %");
    expect(fmt("%%%s%%", `"text"`)).toBe("%text%");
    expect(fmt("%d %d %d, %s %s %s", `1, 2, 3, "A", "B", "C"`)).toBe("1 2 3, A B C");
    expect(fmt("%d", "u", { u: new CelUint(64n) })).toBe("64");
    expect(fmt("%d", "-9223372036854775807")).toBe("-9223372036854775807");
  });

  test("%s: null, bools, ints, doubles as Go's %g, bytes as UTF-8", () => {
    expect(fmt("null: %s", "null")).toBe("null: null");
    expect(fmt("true bool: %s, false bool: %s", "true, false")).toBe("true bool: true, false bool: false");
    expect(fmt("%s", "999999999999")).toBe("999999999999");
    expect(fmt("%s %s %s %s", "56.8, 100000.0, 1000000.0, 0.00001")).toBe("56.8 100000 1e+06 1e-05");
    expect(fmt("%s", "1234567.5")).toBe("1.2345675e+06");
    expect(fmt("some bytes: %s", "b", { b: new TextEncoder().encode("xyz") })).toBe("some bytes: xyz");
    fails("%s", "b", "invalid UTF-8", { b: new Uint8Array([0xff]) });
  });

  test("%s of timestamps, durations and types prints what string() gives; inside lists and maps, CEL literals", () => {
    expect(fmt("%s", `timestamp("2023-02-03T23:31:20+00:00")`)).toBe("2023-02-03T23:31:20Z");
    expect(fmt("%s", `duration("1h45m47s")`)).toBe("6347s");
    expect(fmt("type is %s", `type("test string")`)).toBe("type is string");
    expect(fmt("%s", `[1, timestamp("2023-02-03T23:31:20Z"), duration("1.5s"), type(1)]`)).toBe(`[1, timestamp("2023-02-03T23:31:20Z"), duration("1.5s"), int]`);
    expect(fmt("%s", `{"key2": duration("2h"), "key1": 1.0}`)).toBe(`{"key1":1.000000, "key2":duration("7200s")}`);
  });

  test("%s of maps with int, uint and bool keys: keys bare, sorted as printed", () => {
    expect(fmt("map with multiple key types: %s", `{true: "b", 1: "value1", 2u: "value2"}`)).toBe(`map with multiple key types: {1:"value1", 2:"value2", true:"b"}`);
  });

  test("%s of lists and maps prints CEL literals: quoted strings, %.6f doubles, sorted map keys", () => {
    expect(fmt("%s", `["abc", 3.14, null, [9, 8, 7, 6]]`)).toBe(`["abc", 3.140000, null, [9, 8, 7, 6]]`);
    expect(fmt("%s", `{"key5": null, "key4": true, "key3": 2.71828, "key1": "x"}`)).toBe(`{"key1":"x", "key3":2.718280, "key4":true, "key5":null}`);
    expect(fmt("%s", `[b]`, { b: new TextEncoder().encode("xyz") })).toBe(`[b"xyz"]`);
    expect(fmt("%s", `[x]`, { x: Number.NaN })).toBe(`["NaN"]`);
    expect(fmt("%s", `["tab\\there"]`)).toBe(`["tab\\there"]`);
  });

  test("%f: default precision 6, .N precision, thousands grouping, half-even on the exact binary value", () => {
    expect(fmt("%.3f", "1.2345")).toBe("1.234"); // 1.2345 is 1.23449999… in binary
    expect(fmt("%f", "2.71828")).toBe("2.718280");
    expect(fmt("%.3f", "4.5")).toBe("4.500");
    expect(fmt("%.0f", "2.5")).toBe("2");
    expect(fmt("%.0f", "3.5")).toBe("4");
    expect(fmt("%.2f", "1234567.891")).toBe("1,234,567.89");
    expect(fmt("%.1f", "-0.25")).toBe("-0.2");
    expect(fmt("%f", `"NaN"`)).toBe("NaN");
    expect(fmt("%f", `"Infinity"`)).toBe("∞");
    expect(fmt("%f", `"-Infinity"`)).toBe("-∞");
  });

  test("%e: x/text's en_US form, mantissa × 10 with a superscript exponent of two digits", () => {
    expect(fmt("%e", "2.71828")).toBe("2.718280\u202f\u00d7\u202f10\u2070\u2070");
    expect(fmt("%.6e", "1052.032911275")).toBe("1.052033\u202f\u00d7\u202f10\u2070\u00b3");
    expect(fmt("%.2e", "9.999")).toBe("1.00\u202f×\u202f10⁰¹");
  });

  test("%b, %o, %x, %X: ints and uints in base; bools in binary; strings and bytes in hex", () => {
    expect(fmt("this is 5 in binary: %b", "5")).toBe("this is 5 in binary: 101");
    expect(fmt("%b", "u", { u: new CelUint(64n) })).toBe("1000000");
    expect(fmt("bit set from bool: %b", "true")).toBe("bit set from bool: 1");
    expect(fmt("%o", "11")).toBe("13");
    expect(fmt("%o", "u", { u: new CelUint(65535n) })).toBe("177777");
    expect(fmt("%x is 20 in hexadecimal", "30")).toBe("1e is 20 in hexadecimal");
    expect(fmt("%X", "30")).toBe("1E");
    expect(fmt("%x", "-30")).toBe("-1e");
    expect(fmt("%x", `"Hello world!"`)).toBe("48656c6c6f20776f726c6421");
    expect(fmt("%X", "b", { b: new TextEncoder().encode("byte string") })).toBe("6279746520737472696E67");
  });

  test("errors carry cel-go's messages", () => {
    fails("%a", "1", 'could not parse formatting clause: unrecognized formatting clause "a"');
    fails("double is %E", "0.5", 'unrecognized formatting clause "E"');
    fails("%d %d %d", "0, 1", "index 2 out of range");
    fails("filler %", "1", "unexpected end of string");
    fails("double is %.34", "5.0", "could not parse formatting clause: error while parsing precision: could not find end of precision specifier");
    fails("string is %b", `"abc"`, "error during formatting: only integers and bools can be formatted as binary, was given string");
    fails("octal: %o", `"a string"`, "error during formatting: octal clause can only be used on integers, was given string");
    fails("double is %x", "0.5", "error during formatting: only integers, byte buffers, and strings can be formatted as hex, was given double");
    fails("int is %d", "5.2", "error during formatting: decimal clause can only be used on integers, was given double");
    fails("null: %f", "null", "error during formatting: fixed-point clause can only be used on doubles, was given null_type");
    fails("null: %e", "null", "error during formatting: scientific clause can only be used on doubles, was given null_type");
  });

  test("Go number and string printing helpers", () => {
    expect(goShortest(1e21)).toBe("1e+21");
    expect(goShortest(123456)).toBe("123456");
    expect(goShortest(1234567)).toBe("1.234567e+06");
    expect(goShortest(0.0001)).toBe("0.0001");
    expect(goShortest(-0)).toBe("-0");
    expect(goShortest(Number.POSITIVE_INFINITY)).toBe("+Inf");
    expect(goQuote("a\u0000\u00a0\u{1F600}\"")).toBe('"a\\x00\\u00a0😀\\""');
  });
});
