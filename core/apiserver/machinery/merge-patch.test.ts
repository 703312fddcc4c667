import { describe, expect, test } from "bun:test";
import { applyMergePatch, createMergePatch, PatchError } from "./merge-patch.ts";

describe("applyMergePatch: RFC 7386 appendix A (objects)", () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  cases.forEach(([doc, patch, want], i) => test(`case ${i}`, () => expect(applyMergePatch(doc, patch)).toEqual(want)));

  test("kubectl label removal: {metadata:{labels:{k:null}}}", () => {
    const pod = { metadata: { name: "p", labels: { app: "web", tier: "fe" } } };
    expect(applyMergePatch(pod, { metadata: { labels: { tier: null } } })).toEqual({ metadata: { name: "p", labels: { app: "web" } } });
  });
  test("kubectl scale body", () => {
    expect(applyMergePatch({ spec: { replicas: 1, x: 1 } }, { spec: { replicas: 3 } })).toEqual({ spec: { replicas: 3, x: 1 } });
  });
});

describe("applyMergePatch: v4 specifics", () => {
  test("nulls inside a value that lands on a missing/null member are pruned, also in objects inside arrays", () => {
    expect(applyMergePatch({ a: null }, { a: { b: null, c: [{ d: null, e: 1 }, null] } })).toEqual({ a: { c: [{ e: 1 }, null] } });
  });
  test("an array patch replaces the document", () => {
    expect(applyMergePatch({ a: 1 }, [1, null])).toEqual([1, null]);
  });
  test("a non-object document is replaced by the pruned patch", () => {
    expect(applyMergePatch([1], { a: 1, b: null })).toEqual({ a: 1 });
  });
  test("a null or scalar patch is rejected with 400", () => {
    for (const p of [null, 5, "x"]) {
      try {
        applyMergePatch({}, p);
        throw new Error("no error");
      } catch (e) {
        expect(e).toBeInstanceOf(PatchError);
        expect((e as PatchError).status).toBe(400);
        expect((e as PatchError).message).toBe("Invalid JSON Patch");
      }
    }
  });
  test("never mutates its inputs", () => {
    const doc = Object.freeze({ a: Object.freeze({ b: 1 }) });
    const patch = Object.freeze({ a: Object.freeze({ c: Object.freeze({ d: null }) }) });
    expect(applyMergePatch(doc, patch)).toEqual({ a: { b: 1, c: {} } });
    expect(patch.a.c).toEqual({ d: null });
  });
});

describe("createMergePatch (v4 CreateMergePatch)", () => {
  test("changed, added and removed members", () => {
    const a = { a: 1, b: { c: 1, d: 2 }, l: [1, 2], gone: true, same: { x: 1 } };
    const b = { a: 2, b: { c: 1, e: 3 }, l: [1, 2, 3], same: { x: 1 }, n: null };
    const p = createMergePatch(a, b);
    expect(p).toEqual({ a: 2, b: { d: null, e: 3 }, l: [1, 2, 3], gone: null, n: null });
    expect(applyMergePatch(a, p)).toEqual({ a: 2, b: { c: 1, e: 3 }, l: [1, 2, 3], same: { x: 1 } });
  });
  test("type change replaces", () => {
    expect(createMergePatch({ a: { b: 1 } }, { a: "x" })).toEqual({ a: "x" });
  });
  test("identical documents give an empty patch", () => {
    expect(createMergePatch({ a: [{ b: 1 }] }, { a: [{ b: 1 }] })).toEqual({});
  });
  test("mismatched documents", () => {
    expect(() => createMergePatch([], {})).toThrow("Mismatched JSON Documents");
  });
});
