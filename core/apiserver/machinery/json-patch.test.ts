import { describe, expect, test } from "bun:test";
import { applyJsonPatch, PatchError } from "./json-patch.ts";

const apply = (doc: unknown, ops: unknown, strictReplace = false) => applyJsonPatch(doc, ops, { strictReplace });

function patchError(fn: () => unknown): PatchError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PatchError) return e;
    throw e;
  }
  throw new Error("expected a PatchError");
}

describe("applyJsonPatch: RFC 6902 operations (evanphx v4 Cases)", () => {
  const cases: [unknown, unknown[], unknown][] = [
    [{ foo: "bar" }, [{ op: "add", path: "/baz", value: "qux" }], { foo: "bar", baz: "qux" }],
    [{ foo: ["bar", "baz"] }, [{ op: "add", path: "/foo/1", value: "qux" }], { foo: ["bar", "qux", "baz"] }],
    [{ foo: ["bar", "baz"] }, [{ op: "add", path: "/foo/-", value: "qux" }], { foo: ["bar", "baz", "qux"] }],
    [{ foo: ["bar", "baz"] }, [{ op: "add", path: "/foo/-1", value: "qux" }], { foo: ["bar", "baz", "qux"] }],
    [{ baz: "qux", foo: "bar" }, [{ op: "remove", path: "/baz" }], { foo: "bar" }],
    [{ foo: ["bar", "qux", "baz"] }, [{ op: "remove", path: "/foo/1" }], { foo: ["bar", "baz"] }],
    [{ foo: ["bar", "qux", "baz"] }, [{ op: "remove", path: "/foo/-1" }], { foo: ["bar", "qux"] }],
    [{ baz: "qux", foo: "bar" }, [{ op: "replace", path: "/baz", value: "boo" }], { baz: "boo", foo: "bar" }],
    [{ foo: ["bar", "baz"] }, [{ op: "replace", path: "/foo/-1", value: "x" }], { foo: ["bar", "x"] }],
    [
      { foo: { bar: "baz", waldo: "fred" }, qux: { corge: "grault" } },
      [{ op: "move", from: "/foo/waldo", path: "/qux/thud" }],
      { foo: { bar: "baz" }, qux: { corge: "grault", thud: "fred" } },
    ],
    [
      { foo: ["all", "grass", "cows", "eat"] },
      [{ op: "move", from: "/foo/1", path: "/foo/3" }],
      { foo: ["all", "cows", "eat", "grass"] },
    ],
    [{ foo: ["bar"] }, [{ op: "copy", path: "/foo/0", from: "/foo" }], { foo: [["bar"], "bar"] }],
    [{ foo: { a: 1 } }, [{ op: "copy", from: "/foo", path: "/bar" }], { foo: { a: 1 }, bar: { a: 1 } }],
    [{ "a/b": 1, "m~n": 2 }, [{ op: "replace", path: "/a~1b", value: 3 }, { op: "remove", path: "/m~0n" }], { "a/b": 3 }],
    [{ foo: "bar" }, [{ op: "add", path: "/child", value: { grandchild: {} } }], { foo: "bar", child: { grandchild: {} } }],
    [{ foo: "bar" }, [{ op: "test", path: "/foo", value: "bar" }], { foo: "bar" }],
    [{ foo: null }, [{ op: "test", path: "/foo", value: null }], { foo: null }],
    [{ foo: { a: [1, { b: 2 }] } }, [{ op: "test", path: "/foo", value: { a: [1, { b: 2 }] } }], { foo: { a: [1, { b: 2 }] } }],
    [{ foo: 1 }, [{ op: "replace", path: "", value: { bar: 2 } }], { bar: 2 }],
    [{ foo: 1 }, [{ op: "replace", path: "", value: 5 }], { foo: 1 }],
    [{ foo: 1 }, [{ op: "test", path: "", value: { foo: 1 } }], { foo: 1 }],
    [{ foo: 1 }, [{ op: "add", path: "/bar" }], { foo: 1, bar: null }],
    [{ "": 1 }, [{ op: "replace", path: "/", value: 2 }], { "": 2 }],
  ];
  cases.forEach(([doc, ops, want], i) => {
    test(`case ${i}: ${JSON.stringify(ops)}`, () => expect(apply(doc, ops)).toEqual(want));
  });
});

describe("applyJsonPatch: v4 quirks", () => {
  test("replace of a missing member whose parent exists acts as add (v4.12)", () => {
    expect(apply({ metadata: {} }, [{ op: "replace", path: "/metadata/annotations", value: { a: "b" } }])).toEqual({
      metadata: { annotations: { a: "b" } },
    });
  });
  test("strictReplace rejects it as RFC 6902 does", () => {
    const e = patchError(() => apply({ x: 1 }, [{ op: "replace", path: "/y", value: 1 }], true));
    expect(e.message).toBe("replace operation does not apply: doc is missing key: /y: missing value");
  });
  test("never mutates its input", () => {
    const doc = Object.freeze({ a: Object.freeze({ b: Object.freeze([1, 2]) }) });
    const ops = Object.freeze([Object.freeze({ op: "add", path: "/a/b/-", value: Object.freeze({ c: 1 }) })]);
    const out = apply(doc, ops) as { a: { b: unknown[] } };
    expect(out).toEqual({ a: { b: [1, 2, { c: 1 }] } });
    expect(doc).toEqual({ a: { b: [1, 2] } });
    (out.a.b[2] as { c: number }).c = 5;
    expect(ops[0]!.value).toEqual({ c: 1 });
  });
  test("kubectl rollout undo body", () => {
    const deploy = { metadata: { annotations: { "deployment.kubernetes.io/revision": "2" } }, spec: { template: { spec: { containers: [{ name: "c", image: "nginx:1.26" }] } } } };
    const out = apply(deploy, [
      { op: "replace", path: "/spec/template", value: { spec: { containers: [{ name: "c", image: "nginx:1.25" }] } } },
      { op: "replace", path: "/metadata/annotations", value: { "deployment.kubernetes.io/revision": "1" } },
    ]);
    expect(out).toEqual({ metadata: { annotations: { "deployment.kubernetes.io/revision": "1" } }, spec: { template: { spec: { containers: [{ name: "c", image: "nginx:1.25" }] } } } });
  });
});

describe("applyJsonPatch: errors (evanphx v4 BadCases, exact texts)", () => {
  const cases: [unknown, unknown[], string][] = [
    [{ foo: "bar" }, [{ op: "add", path: "/baz/bat", value: "qux" }], `add operation does not apply: doc is missing path: "/baz/bat": missing value`],
    [{ a: { b: { d: 1 } } }, [{ op: "remove", path: "/a/b/c" }], "error in remove for path: '/a/b/c': Unable to remove nonexistent key: c: missing value"],
    [{ a: { b: { d: 1 } } }, [{ op: "move", from: "/a/b/c", path: "/a/b/e" }], "error in move for path: 'c': Unable to remove nonexistent key: c: missing value"],
    [{ a: { b: [1] } }, [{ op: "remove", path: "/a/b/1" }], "error in remove for path: '/a/b/1': Unable to access invalid index: 1: invalid index referenced"],
    [{ a: { b: [1] } }, [{ op: "move", from: "/a/b/1", path: "/a/b/2" }], "error in move for path: '1': Unable to access invalid index: 1: invalid index referenced"],
    [{ foo: "bar" }, [{ op: "add", pathz: "/baz", value: "qux" }], "add operation failed to decode path: missing value"],
    [{ foo: "bar" }, [{ op: "add", path: "", value: "qux" }], `add operation does not apply: doc is missing path: "": missing value`],
    [{ foo: ["bar", "baz"] }, [{ op: "replace", path: "/foo/2", value: "bum" }], "replace operation does not apply: doc is missing key: /foo/2: missing value"],
    [{ foo: ["bar", "baz"] }, [{ op: "add", path: "/foo/-4", value: "bum" }], "error in add for path: '/foo/-4': Unable to access invalid index: -4: invalid index referenced"],
    [{ name: { foo: "bat", qux: "bum" } }, [{ op: "replace", path: "/foo/bar", value: "baz" }], "replace operation does not apply: doc is missing path: /foo/bar: missing value"],
    [{ foo: ["bar"] }, [{ op: "add", path: "/foo/2", value: "bum" }], "error in add for path: '/foo/2': Unable to access invalid index: 2: invalid index referenced"],
    [{ foo: [] }, [{ op: "remove", path: "/foo/-" }], `error in remove for path: '/foo/-': strconv.Atoi: parsing "-": invalid syntax`],
    [{ foo: [] }, [{ op: "remove", path: "/foo/-1" }], "error in remove for path: '/foo/-1': Unable to access invalid index: -1: invalid index referenced"],
    [{ foo: ["bar"] }, [{ op: "remove", path: "/foo/-2" }], "error in remove for path: '/foo/-2': Unable to access invalid index: -2: invalid index referenced"],
    [{}, [{ op: null, path: "" }], "Unexpected kind: unknown"],
    [{}, [{ op: "copy", from: null }], "copy operation failed to decode from: operation, missing from field: missing value"],
    [{ foo: ["bar"] }, [{ op: "copy", path: "/foo/2", from: "/foo/0" }], "error while adding value during copy: Unable to access invalid index: 2: invalid index referenced"],
    [{ foo: ["all", "grass", "cows", "eat"] }, [{ op: "move", from: "/foo/1", path: "/foo/4" }], "error in move for path: '/foo/4': Unable to access invalid index: 4: invalid index referenced"],
    [{ foo: "bar" }, [{ op: "test", path: "/foo", value: "baz" }], "testing value /foo failed: test failed"],
    [{ foo: "bar" }, [{ op: "test", path: "/x/y", value: "baz" }], "test operation does not apply: is missing path: /x/y: missing value"],
    [{ foo: ["a"] }, [{ op: "add", path: "/foo/x", value: 1 }], `error in add for path: '/foo/x': value was not a proper array index: 'x': strconv.Atoi: parsing "x": invalid syntax`],
    [{ foo: 1 }, [{ op: "frob", path: "/foo" }], "Unexpected kind: frob"],
    [{ foo: 1 }, [{ op: "replace" }], "replace operation failed to decode path: operation missing path field: missing value"],
  ];
  cases.forEach(([doc, ops, msg], i) => {
    test(`bad case ${i}: ${msg.slice(0, 60)}`, () => {
      const e = patchError(() => apply(doc, ops));
      expect(e.message).toBe(msg);
      expect(e.status).toBe(422);
    });
  });
  test("a body that is not a list is a 400", () => {
    const e = patchError(() => apply({}, { op: "add" }));
    expect(e.status).toBe(400);
    expect(e.message).toBe("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  });
  test("more than 10000 operations is a 413", () => {
    const ops = Array.from({ length: 10001 }, () => ({ op: "test", path: "/a", value: 1 }));
    expect(patchError(() => apply({ a: 1 }, ops)).status).toBe(413);
  });
  test("a failing operation leaves no partial result", () => {
    const doc = { a: 1 };
    patchError(() => apply(doc, [{ op: "add", path: "/b", value: 2 }, { op: "remove", path: "/zz" }]));
    expect(doc).toEqual({ a: 1 });
  });
});
