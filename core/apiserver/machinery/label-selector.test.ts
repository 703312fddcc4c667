import { describe, expect, test } from "bun:test";
import {
  labelSelectorFromObject,
  newRequirement,
  parseLabelSelector,
  SelectorParseError,
  selectorFromSet,
} from "./label-selector.ts";
import { isQualifiedName, isValidLabelValue } from "./label-validation.ts";

describe("parseLabelSelector (upstream TestSelectorParse)", () => {
  for (const s of ["x=a,y=b,z=c", "", "x!=a,y=b", "x=", "x= ", "x=,z= ", "x= ,z= ", "!x", "x>1", "x>1,z<5"]) {
    test(`good: ${JSON.stringify(s)} restrings without spaces`, () => {
      expect(parseLabelSelector(s).toString()).toBe(s.replaceAll(" ", ""));
    });
  }
  for (const s of ["x=a||y=b", "x==a==b", "!x=a", "x<a"]) {
    // "x=a||y=b" fails on the value "a||y", which is one identifier.
    test(`bad: ${s}`, () => {
      expect(() => parseLabelSelector(s)).toThrow(SelectorParseError);
    });
  }
  test("deterministic: requirements are sorted by key", () => {
    expect(parseLabelSelector("x=a,a=x").toString()).toBe(parseLabelSelector("a=x,x=a").toString());
    expect(parseLabelSelector("x=a,a=x").requirements.map((r) => r.key)).toEqual(["a", "x"]);
  });
  test("empty string selects everything", () => {
    const s = parseLabelSelector("");
    expect(s.empty).toBe(true);
    expect(s.matches(undefined)).toBe(true);
    expect(s.matches({ a: "b" })).toBe(true);
  });
});

describe("upstream TestSetSelectorParser shapes", () => {
  const cases: [string, string][] = [
    ["\rx", "x"],
    ["this-is-a-dns.domain.com/key-with-dash", "this-is-a-dns.domain.com/key-with-dash"],
    ["this-is-another-dns.domain.com/key-with-dash in (so,what)", "this-is-another-dns.domain.com/key-with-dash in (so,what)"],
    ["0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)", "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)"],
    ["foo  in\t (abc)", "foo in (abc)"],
    ["x notin\n (abc)", "x notin (abc)"],
    ["x  notin\t\t\t(abc,def)", "x notin (abc,def)"],
    ["x in (abc,)", "x in (,abc)"],
    ["x in ()", "x in ()"],
    ["x notin (abc,,def),bar,z in (),w", "bar,w,x notin (,abc,def),z in ()"],
    ["x,y in (a)", "x,y in (a)"],
    ["x=a,y!=b", "x=a,y!=b"],
    ["x==a", "x==a"],
    ["x>1", "x>1"],
    ["x<7", "x<7"],
    ["in=notin", "in=notin"],
    ["x in (b,a,b)", "x in (a,b)"],
  ];
  for (const [input, out] of cases) {
    test(JSON.stringify(input), () => expect(parseLabelSelector(input).toString()).toBe(out));
  }
});

describe("matching (upstream TestSelectorMatches)", () => {
  const yes: [string, Record<string, string>][] = [
    ["", { x: "y" }],
    ["x=y", { x: "y" }],
    ["x=y,z=w", { x: "y", z: "w" }],
    ["x!=y,z!=w", { x: "z", z: "a" }],
    ["notin=in", { notin: "in" }],
    ["x", { x: "z" }],
    ["!x", { y: "z" }],
    ["x>1", { x: "2" }],
    ["x<1", { x: "0" }],
    ["x in (a,b)", { x: "b" }],
    ["x notin (a,b)", { x: "c" }],
    ["x!=a", {}], // != matches objects lacking the key
    ["x notin (a)", {}],
  ];
  const no: [string, Record<string, string>][] = [
    ["x=z", {}],
    ["x=y", { x: "z" }],
    ["x=y,z=w", { x: "w", z: "w" }],
    ["x!=y,z!=w", { x: "z", z: "w" }],
    ["x", { y: "z" }],
    ["!x", { x: "z" }],
    ["x>1", { x: "0" }],
    ["x<1", { x: "2" }],
    ["x>1", {}],
    ["x>1", { x: "abc" }],
    ["x in (a,b)", {}],
    ["foo=bar,foobar=bar,baz=blah", { foo: "bar", baz: "blah" }],
  ];
  for (const [sel, labels] of yes) test(`${sel} matches ${JSON.stringify(labels)}`, () => expect(parseLabelSelector(sel).matches(labels)).toBe(true));
  for (const [sel, labels] of no) test(`${sel} does not match ${JSON.stringify(labels)}`, () => expect(parseLabelSelector(sel).matches(labels)).toBe(false));
  test("gt/lt compare as 64-bit integers", () => {
    expect(parseLabelSelector("x>9007199254740992").matches({ x: "9007199254740993" })).toBe(true);
    expect(parseLabelSelector("x<5").matches({ x: "-3" })).toBe(true);
  });
  test("inherited object keys are not labels", () => {
    expect(parseLabelSelector("toString").matches({})).toBe(false);
  });
});

describe("error messages", () => {
  const cases: [string, string][] = [
    ["x=a=b", "found '=', expected: ',' or 'end of string'"],
    ["x==a==b", "found '==', expected: ',' or 'end of string'"],
    ["!x=a", "found '=', expected: ',' or 'end of string'"],
    [
      "x<a",
      `unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer`,
    ],
    [",x", "found ',', expected: !, identifier, or 'end of string'"],
    ["x,", "found '', expected: identifier after ','"],
    ["x in a", "unable to parse requirement: found 'a' expected: '('"],
    ["x (a)", "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"],
    ["x in (a b)", "unable to parse requirement: found 'b', expected: ',' or ')'"],
    ["x=(", "unable to parse requirement: found '(', expected: identifier"],
    [
      "-x=a",
      `unable to parse requirement: <nil>: Invalid value: "-x": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    ],
    [
      "x=-a",
      `unable to parse requirement: values[0][x]: Invalid value: "-a": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    ],
  ];
  for (const [input, msg] of cases) {
    test(input, () => {
      expect(() => parseLabelSelector(input)).toThrow(msg);
      try {
        parseLabelSelector(input);
      } catch (e) {
        expect((e as Error).message).toBe(msg);
      }
    });
  }
});

describe("labelSelectorFromObject (metav1.LabelSelectorAsSelector)", () => {
  test("null selects nothing, empty selects everything", () => {
    expect(labelSelectorFromObject(null).matches({})).toBe(false);
    expect(labelSelectorFromObject(undefined).empty).toBe(false);
    expect(labelSelectorFromObject({}).matches({ a: "b" })).toBe(true);
    expect(labelSelectorFromObject({ matchLabels: {}, matchExpressions: [] }).empty).toBe(true);
  });
  test("matchLabels and matchExpressions combine", () => {
    const s = labelSelectorFromObject({
      matchLabels: { app: "web" },
      matchExpressions: [
        { key: "tier", operator: "In", values: ["b", "a"] },
        { key: "env", operator: "NotIn", values: ["prod"] },
        { key: "team", operator: "Exists" },
        { key: "legacy", operator: "DoesNotExist" },
      ],
    });
    expect(s.toString()).toBe("app=web,env notin (prod),!legacy,team,tier in (a,b)");
    expect(s.matches({ app: "web", tier: "a", team: "x" })).toBe(true);
    expect(s.matches({ app: "web", tier: "a", team: "x", legacy: "1" })).toBe(false);
    expect(s.matches({ app: "web", tier: "a", team: "x", env: "prod" })).toBe(false);
  });
  test("invalid operator", () => {
    expect(() => labelSelectorFromObject({ matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] })).toThrow(
      `"Gt" is not a valid label selector operator`,
    );
  });
  test("In without values", () => {
    expect(() => labelSelectorFromObject({ matchExpressions: [{ key: "a", operator: "In", values: [] }] })).toThrow(
      "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
    );
  });
  test("Exists with values", () => {
    expect(() => labelSelectorFromObject({ matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] })).toThrow(
      `values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist`,
    );
  });
  test("several errors aggregate in brackets", () => {
    expect(() => newRequirement("-a", "=", ["b", "c"])).toThrow(/^\[key: Invalid value: "-a": .*, values: Invalid value: \[\]string\{"b", "c"\}: exact-match compatibility requires one single value\]$/);
  });
  test("selectorFromSet", () => {
    expect(selectorFromSet({ b: "2", a: "1" }).toString()).toBe("a=1,b=2");
    expect(selectorFromSet(undefined).empty).toBe(true);
  });
});

describe("label validation (upstream IsQualifiedName / IsValidLabelValue)", () => {
  test("qualified names", () => {
    for (const ok of ["simple", "now-with-dashes", "1-starts-with-num", "1234", "simple/simple", "now-with-dashes/simple", "example.com/Uppercase", "a".repeat(63), "k8s.io/a"]) {
      expect(isQualifiedName(ok)).toEqual([]);
    }
    for (const bad of ["", "A/b", "-a", "a-", "a/b/c", "/a", "a/", "a".repeat(64), "a b", "a@b"]) {
      expect(isQualifiedName(bad).length).toBeGreaterThan(0);
    }
  });
  test("label values", () => {
    for (const ok of ["", "a", "A", "a.b_c-d", "1", "a".repeat(63)]) expect(isValidLabelValue(ok)).toEqual([]);
    for (const bad of ["-a", "a-", "a b", "a".repeat(64), "a/b"]) expect(isValidLabelValue(bad).length).toBeGreaterThan(0);
    expect(isValidLabelValue("a".repeat(64))[0]).toBe("must be no more than 63 characters");
  });
});
