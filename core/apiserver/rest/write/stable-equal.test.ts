import { expect, test } from "bun:test";
import type { KObject } from "../../resources/index.ts";
import { sameObject, stableEqual, stableStringify } from "./object-meta.ts";

// stableEqual's contract: the same answer as comparing stableStringify texts.
const cases: [unknown, unknown][] = [
  [{ a: 1, b: [1, { c: "x" }] }, { b: [1, { c: "x" }], a: 1 }],
  [{ a: 1, u: undefined }, { a: 1 }],
  [{ a: 1 }, { a: 1, u: undefined }],
  [{ a: 1 }, { a: 2 }],
  [{ a: 1 }, { b: 1 }],
  [{ a: undefined }, { b: undefined }],
  [{ a: null }, { a: undefined }],
  [{ a: null }, {}],
  [[], {}],
  [{}, []],
  [[1, 2], [2, 1]],
  [[1, 2], [1, 2, 3]],
  [[undefined], [null]],
  [[undefined], [undefined]],
  [{ a: { b: {} } }, { a: { b: { c: undefined } } }],
  [{ a: { b: {} } }, { a: { b: [] } }],
  ["1", 1],
  [0, -0],
  [Number.NaN, null],
  [true, "true"],
  [null, undefined],
  [{ a: [{ x: 1, y: undefined }] }, { a: [{ x: 1 }] }],
  [{ a: "x" }, { a: { toString: () => "x" } }],
];

test("stableEqual agrees with comparing stableStringify texts", () => {
  for (const [a, b] of cases) {
    expect([a, b, stableEqual(a, b)]).toEqual([a, b, stableStringify(a) === stableStringify(b)]);
    expect([b, a, stableEqual(b, a)]).toEqual([b, a, stableStringify(b) === stableStringify(a)]);
  }
});

test("sameObject ignores resourceVersion, managedFields, apiVersion and kind only", () => {
  const base = (): KObject => ({
    apiVersion: "coordination.k8s.io/v1", kind: "Lease",
    metadata: { name: "n1", namespace: "kube-node-lease", resourceVersion: "5", managedFields: [{ manager: "a" }] },
    spec: { holderIdentity: "n1", renewTime: "2026-01-01T00:00:00.000000Z" },
  } as unknown as KObject);
  const b = base();
  b.metadata.resourceVersion = "6";
  b.metadata.managedFields = [];
  (b as { apiVersion?: string }).apiVersion = "v2";
  expect(sameObject(base(), b)).toBe(true);
  const c = base();
  (c as unknown as { spec: { renewTime: string } }).spec.renewTime = "2026-01-01T00:00:01.000000Z";
  expect(sameObject(base(), c)).toBe(false);
  const d = base();
  d.metadata.labels = { a: "1" };
  expect(sameObject(base(), d)).toBe(false);
});
