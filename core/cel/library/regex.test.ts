import { describe, expect, test } from "bun:test";
import { evaluateCel } from "../evaluate.ts";
import { parseCel } from "../parse.ts";
import { CelError, NoSuchOverload } from "../values.ts";
import { compileRe2 } from "./re2.ts";

const run = (src: string, vars: Record<string, unknown> = {}) => evaluateCel(parseCel(src), vars);
const find = (s: string, re: string) => run("s.find(re)", { s, re });
const findAll = (s: string, re: string, n?: number) => run(n === undefined ? "s.findAll(re)" : `s.findAll(re, ${n})`, { s, re });

describe("Kubernetes library.Regex: find / findAll with Go regexp semantics", () => {
  test("find is the leftmost-first match, '' when none", () => {
    expect(run("'abc 123'.find('[0-9]+')")).toBe("123");
    expect(run("'abc 123'.find('xyz')")).toBe("");
    expect(find("abc 123", "[0-9]*")).toBe(""); // Go: the empty match at 0 (the upstream doc comment says '123')
    expect(find("aaa", "a|aa")).toBe("a"); // leftmost-first, not leftmost-longest
    expect(find("xaaay", "a+?")).toBe("a");
  });

  test("findAll: non-overlapping matches, a limit, empty matches as Go's FindAllString", () => {
    expect(run("'123 abc 456'.findAll('[0-9]+')")).toEqual(["123", "456"]);
    expect(run("'123 abc 456'.findAll('[0-9]+', 1)")).toEqual(["123"]);
    expect(run("'123 abc 456'.findAll('[0-9]+', 0)")).toEqual([]);
    expect(run("'123 abc 456'.findAll('[0-9]+', -1)")).toEqual(["123", "456"]);
    expect(run("'123 abc 456'.findAll('xyz')")).toEqual([]);
    // An empty match right after a match is dropped; other empty matches count.
    expect(findAll("123 abc 456", "[0-9]*")).toEqual(["123", "", "", "", "", "456"]);
    expect(findAll("a😀b", "")).toEqual(["", "", "", ""]);
    expect(findAll("ab cd", "\\b")).toEqual(["", "", "", ""]);
  });

  test("RE2 syntax: named groups, flags, POSIX and Perl classes, \\Q..\\E, \\x{...}, literal braces", () => {
    expect(find("key=value", "(?P<k>\\w+)=(?<v>\\w+)")).toBe("key=value");
    expect(find("HeLLo", "(?i)hello")).toBe("HeLLo");
    expect(find("HeLLo", "He(?i)llo")).toBe("HeLLo");
    expect(find("HELLO", "He(?i)llo")).toBe("");
    expect(find("xAB", "(?i:a)B")).toBe("AB");
    expect(find("ab|AB", "a(?i)b|X")).toBe("ab"); // the flag does not swallow the alternation
    expect(find("Xx", "a(?i)b|x")).toBe("X");
    expect(find("a\nb", "a.b")).toBe("");
    expect(find("a\rb", "a.b")).toBe("a\rb"); // Go's . excludes only \n
    expect(find("a\nb", "(?s)a.b")).toBe("a\nb");
    expect(find("x\ny", "^y")).toBe("");
    expect(find("x\ny", "(?m)^y$")).toBe("y");
    expect(find("x\r\ny", "(?m)x$")).toBe(""); // Go's multi-line $ is before \n only
    expect(find("aaa", "(?U)a+")).toBe("a");
    expect(find("aaa", "(?U)a+?")).toBe("aaa");
    expect(find("ab12", "[[:digit:]]+")).toBe("12");
    expect(find("ab12", "[[:^alpha:]]+")).toBe("12");
    expect(find("a\u00a0b", "a\\sb")).toBe(""); // \s is ASCII in Go
    expect(find("a\u00a0b", "a[^\\S]b")).toBe("");
    expect(find("a b", "a[\\S\\s]b")).toBe("a b");
    expect(find("αβγ", "\\p{Greek}+")).toBe("αβγ");
    expect(find("aÄ", "\\pL\\p{Lu}")).toBe("aÄ");
    expect(find("a.b*c", "\\Q.b*\\E")).toBe(".b*");
    expect(find("A", "\\x{41}")).toBe("A");
    expect(find("A", "\\101")).toBe("A");
    expect(find("a{b}", "a{b}")).toBe("a{b}");
    expect(find("x]", "]")).toBe("]");
    expect(find("a]b", "[]a]+")).toBe("a]");
    expect(find("x-y", "[x\\-]+")).toBe("x-");
    expect(find("x!@", "\\!\\@")).toBe("!@");
    expect(find("aaaa", "a{2,3}")).toBe("aaa");
  });

  test("what Go's regexp rejects is a CelError", () => {
    for (const re of ["(a", "a)", "[a", "a**", "x{1001}", "(?=a)", "(?<=a)b", "\\1", "\\C", "\\Z", "(?P<n>a)(?P<n>b)", "(?P<a-b>x)", "[z-a]", "\\8"]) {
      expect(() => find("a", re)).toThrow(CelError);
    }
    expect(() => find("a", "(?P<n>a)(?P<n>b)")).toThrow("Illegal regex: error parsing regexp: duplicate capture group name");
  });

  test("other argument types are no such overload", () => {
    expect(() => run("'a'.find(1)")).toThrow(NoSuchOverload);
    expect(() => run("'a'.findAll('a', 'b')")).toThrow(NoSuchOverload);
    expect(() => run("'a'.findAll('a', 1.0)")).toThrow(NoSuchOverload);
  });

  test("compileRe2 returns a fresh global, unicode RegExp each time", () => {
    const a = compileRe2("a.");
    const b = compileRe2("a.");
    expect(a).not.toBe(b);
    expect(a.flags).toBe("gu");
  });
});

describe("RE2 groups as real-world CRD rules write them (Gateway API's HTTPRoute path rule)", () => {
  test("non-capturing groups take quantifiers; `(?)` and a dangling `-` are errors as in Go", () => {
    const path = "^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$";
    expect(run("'/foo/%2Fbar'.matches(re)", { re: path })).toBe(true);
    expect(run("'/foo bar'.matches(re)", { re: path })).toBe(false);
    expect(run("'abab'.matches('^(?:ab)+$')")).toBe(true);
    expect(run("'ABAB'.matches('^(?i:ab)+$')")).toBe(true);
    expect(() => compileRe2("a(?)b")).toThrow(CelError);
    expect(() => compileRe2("(?i-)a")).toThrow(CelError);
  });
});
