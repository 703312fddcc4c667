import { describe, expect, test } from "bun:test";
import {
  escapeFieldValue,
  fieldSelectorToString,
  matchesFields,
  parseFieldSelector,
  SelectorParseError,
  unescapeFieldValue,
} from "./field-selector.ts";

describe("parseFieldSelector (upstream fields/selector_test.go)", () => {
  test("operators", () => {
    expect(parseFieldSelector("a=b")).toEqual([{ field: "a", op: "=", value: "b" }]);
    expect(parseFieldSelector("a==b")).toEqual([{ field: "a", op: "=", value: "b" }]);
    expect(parseFieldSelector("a!=b")).toEqual([{ field: "a", op: "!=", value: "b" }]);
    expect(parseFieldSelector("a=")).toEqual([{ field: "a", op: "=", value: "" }]);
  });
  test("empty selector and empty terms", () => {
    expect(parseFieldSelector("")).toEqual([]);
    expect(parseFieldSelector(",")).toEqual([]);
    expect(parseFieldSelector("a=b,,c=d")).toHaveLength(2);
  });
  test("terms are sorted", () => {
    expect(fieldSelectorToString(parseFieldSelector("x=a,a=x"))).toBe("a=x,x=a");
  });
  test("kubectl describe node selector", () => {
    const reqs = parseFieldSelector("spec.nodeName=node1,status.phase!=Succeeded,status.phase!=Failed");
    expect(reqs).toEqual([
      { field: "spec.nodeName", op: "=", value: "node1" },
      { field: "status.phase", op: "!=", value: "Failed" },
      { field: "status.phase", op: "!=", value: "Succeeded" },
    ]);
    expect(matchesFields(reqs, { "spec.nodeName": "node1", "status.phase": "Running" })).toBe(true);
    expect(matchesFields(reqs, { "spec.nodeName": "node1", "status.phase": "Failed" })).toBe(false);
    expect(matchesFields(reqs, { "spec.nodeName": "node2", "status.phase": "Running" })).toBe(false);
  });
  test("escapes", () => {
    expect(parseFieldSelector(String.raw`a=b\,c\=d\\e`)).toEqual([{ field: "a", op: "=", value: String.raw`b,c=d\e` }]);
    expect(parseFieldSelector(String.raw`x=a\,b,y=c`).map((r) => r.value)).toEqual(["a,b", "c"]);
    expect(escapeFieldValue(String.raw`a,b=c\d`)).toBe(String.raw`a\,b\=c\\d`);
    expect(unescapeFieldValue(escapeFieldValue("a,=\\b"))).toBe("a,=\\b");
  });
  test("errors", () => {
    expect(() => parseFieldSelector("a")).toThrow("invalid selector: 'a'; can't understand 'a'");
    expect(() => parseFieldSelector("a=b,c")).toThrow("invalid selector: 'a=b,c'; can't understand 'c'");
    expect(() => parseFieldSelector("a=b=c")).toThrow("invalid field selector: unescaped character in value: 61");
    expect(() => parseFieldSelector(String.raw`a=b\x`)).toThrow(String.raw`invalid field selector: invalid escape sequence: \x`);
    expect(() => parseFieldSelector("a=b\\")).toThrow(String.raw`invalid field selector: invalid escape sequence: \\`.slice(0, -1));
    expect(() => parseFieldSelector("a")).toThrow(SelectorParseError);
  });
});

describe("matchesFields", () => {
  test("a missing field reads as the empty string", () => {
    expect(matchesFields(parseFieldSelector("a!=x"), {})).toBe(true);
    expect(matchesFields(parseFieldSelector("a="), {})).toBe(true);
    expect(matchesFields(parseFieldSelector("a=x"), {})).toBe(false);
  });
  test("no requirements match everything", () => {
    expect(matchesFields([], { a: "b" })).toBe(true);
  });
});
