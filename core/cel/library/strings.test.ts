import { describe, expect, test } from "bun:test";
import { evaluateCel } from "../evaluate.ts";
import { parseCel } from "../parse.ts";
import { CelError, CelUint, NoSuchOverload } from "../values.ts";

const run = (src: string, vars: Record<string, unknown> = {}) => evaluateCel(parseCel(src), vars);
const fails = (src: string, message: string, vars: Record<string, unknown> = {}) => {
  expect(() => run(src, vars)).toThrow(CelError);
  expect(() => run(src, vars)).toThrow(message);
};

describe("ext.Strings v2 (cel-go v0.22.0, Kubernetes 1.32)", () => {
  test("charAt counts code points; the length itself gives '', beyond it is 'index out of range'", () => {
    expect(run("'tacocat'.charAt(3)")).toBe("o");
    expect(run("'tacocat'.charAt(7)")).toBe("");
    expect(run("'©αT'.charAt(1)")).toBe("α");
    expect(run("'a😀b'.charAt(2)")).toBe("b");
    fails("'tacocat'.charAt(30)", "index out of range: 30");
    fails("'tacocat'.charAt(-1)", "index out of range: -1");
  });

  test("indexOf: code point positions; '' gives the offset; a past-the-end offset is -1 (v0.22), a negative one an error", () => {
    expect(run("'tacocat'.indexOf('')")).toBe(0n);
    expect(run("'tacocat'.indexOf('ac')")).toBe(1n);
    expect(run("'tacocat'.indexOf('none')")).toBe(-1n);
    expect(run("'tacocat'.indexOf('', 3)")).toBe(3n);
    expect(run("'tacocat'.indexOf('a', 3)")).toBe(5n);
    expect(run("'ta©o©αT'.indexOf('©', 3)")).toBe(4n);
    expect(run("'ta©o©αT'.indexOf('©α', 5)")).toBe(-1n);
    expect(run("'😀x😀x'.indexOf('x', 2)")).toBe(3n);
    expect(run("'hello wello'.indexOf('elbo room!!!')")).toBe(-1n);
    expect(run("'tacocat'.indexOf('a', 30)")).toBe(-1n);
    fails("'tacocat'.indexOf('a', -1)", "index out of range: -1");
  });

  test("lastIndexOf: '' gives the length or the offset; the offset is the last start considered", () => {
    expect(run("'tacocat'.lastIndexOf('')")).toBe(7n);
    expect(run("'tacocat'.lastIndexOf('at')")).toBe(5n);
    expect(run("'tacocat'.lastIndexOf('', 3)")).toBe(3n);
    expect(run("'tacocat'.lastIndexOf('a', 3)")).toBe(1n);
    expect(run("'ta©o©αT'.lastIndexOf('©', 3)")).toBe(2n);
    expect(run("'bananananana'.lastIndexOf('nana', 7)")).toBe(6n);
    expect(run("'hello wello'.lastIndexOf('hello wello')")).toBe(0n);
    expect(run("'tacocat'.lastIndexOf('a', 30)")).toBe(-1n);
    fails("'tacocat'.lastIndexOf('a', -1)", "index out of range: -1");
    // cel-go searches from len-1, so an empty receiver errors on a non-empty search string.
    fails("''.lastIndexOf('a')", "index out of range: -1");
  });

  test("lowerAscii / upperAscii map ASCII letters only", () => {
    expect(run("'TacoCÆt Xii'.lowerAscii()")).toBe("tacocÆt xii");
    expect(run("'TacoCÆt Xii'.upperAscii()")).toBe("TACOCÆT XII");
  });

  test("replace is Go's strings.Replace: all, the first n, none for 0; '' matches around every code point", () => {
    expect(run("'{0} days {0} hours'.replace('{0}', '2')")).toBe("2 days 2 hours");
    expect(run("'{0} days {0} hours'.replace('{0}', '2', 1).replace('{0}', '23')")).toBe("2 days 23 hours");
    expect(run("'hello hello'.replace('he', 'we', -1)")).toBe("wello wello");
    expect(run("'hello hello'.replace('he', 'we', 0)")).toBe("hello hello");
    expect(run("'1 ©αT taco'.replace('αT', 'o©α')")).toBe("1 ©o©α taco");
    expect(run("'hello'.replace('', '_')")).toBe("_h_e_l_l_o_");
    expect(run("'h😀'.replace('', '_', 2)")).toBe("_h_😀");
    expect(run("'hello hello'.replace('h', '')")).toBe("ello ello");
  });

  test("split is Go's strings.SplitN: 0 gives [], 1 the whole, -1 all; '' splits code points", () => {
    expect(run("'hello world'.split(' ')")).toEqual(["hello", "world"]);
    expect(run("'hello world events!'.split(' ', 0)")).toEqual([]);
    expect(run("'hello world events!'.split(' ', 1)")).toEqual(["hello world events!"]);
    expect(run("'hello world events!'.split(' ', 2)")).toEqual(["hello", "world events!"]);
    expect(run("'o©o©o©o'.split('©', -1)")).toEqual(["o", "o", "o", "o"]);
    expect(run("'a😀b'.split('')")).toEqual(["a", "😀", "b"]);
    expect(run("'abc'.split('', 2)")).toEqual(["a", "bc"]);
    expect(run("''.split(',')")).toEqual([""]);
    expect(run("''.split('')")).toEqual([]);
  });

  test("substring: code point range; start > end and out-of-range ends are errors with cel-go's messages", () => {
    expect(run("'tacocat'.substring(4)")).toBe("cat");
    expect(run("'tacocat'.substring(7)")).toBe("");
    expect(run("'tacocat'.substring(0, 4)")).toBe("taco");
    expect(run("'ta©o©αT'.substring(2, 6)")).toBe("©o©α");
    fails("'tacocat'.substring(40)", "index out of range: 40");
    fails("'tacocat'.substring(-1)", "index out of range: -1");
    fails("'tacocat'.substring(1, 50)", "index out of range: 50");
    fails("'tacocat'.substring(4, 3)", "invalid substring range. start: 4, end: 3");
  });

  test("trim strips Go's unicode.IsSpace (U+0085, U+00A0, Z) but not zero-width spaces or U+FEFF", () => {
    expect(run("' \\f\\n\\r\\t\\vtext  '.trim()")).toBe("text");
    expect(run("'\\u0085\\u00a0\\u1680text\\u2000\\u2009\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000'.trim()")).toBe("text");
    expect(run("'\\u180etext\\u200b\\u200c\\u200d\\u2060\\ufeff'.trim()")).toBe("\u180etext\u200b\u200c\u200d\u2060\ufeff");
  });

  test("join: list receiver, optional separator; a non-string element is an error (v2)", () => {
    expect(run("['x', 'y'].join()")).toBe("xy");
    expect(run("['x', 'y'].join('-')")).toBe("x-y");
    expect(run("[].join()")).toBe("");
    expect(run("[].join('/')")).toBe("");
    expect(run("l.join(',')", { l: ["a", "b"] })).toBe("a,b");
    fails("l.join()", "join: invalid input: 1", { l: ["a", 1] });
  });

  test("strings.quote escapes CEL's escapes only and keeps printable Unicode", () => {
    expect(run("strings.quote('first\\nsecond')")).toBe('"first\\nsecond"');
    expect(run("strings.quote('bell\\a \\b \\f \\r \\t \\v')")).toBe('"bell\\a \\b \\f \\r \\t \\v"');
    expect(run("strings.quote('ends with \\\\')")).toBe('"ends with \\\\"');
    expect(run(`strings.quote('single-quote with "double quote"')`)).toBe('"single-quote with \\"double quote\\""');
    expect(run("strings.quote('завтра😀')")).toBe('"завтра😀"');
    expect(run("strings.quote('')")).toBe('""');
  });

  test("reverse is version 3: not in Kubernetes 1.32", () => {
    expect(() => run("'abc'.reverse()")).toThrow("reverse");
  });

  test("other argument types are no such overload (so list functions of the same name are tried)", () => {
    expect(() => run("'hello'.charAt(true)")).toThrow(NoSuchOverload);
    expect(() => run("'42'.indexOf(4, 0)")).toThrow(NoSuchOverload);
    expect(() => run("'42'.indexOf('4', 0, 1)")).toThrow(NoSuchOverload);
    expect(() => run("'42'.replace('2', 1)")).toThrow(NoSuchOverload);
    expect(() => run("'a'.substring(1.0)")).toThrow(NoSuchOverload);
    expect(() => run("'a'.split(u)", { u: new CelUint(1n) })).toThrow(NoSuchOverload);
  });
});
