import { expect, test } from "bun:test";
import { sharedJson } from "./shared-json.ts";

test("sharedJson equals JSON.stringify and is computed once for frozen objects", () => {
  const obj = Object.freeze({ kind: "Pod", metadata: { name: "a", resourceVersion: "7" }, spec: { x: [1, 2] } });
  expect(sharedJson(obj)).toBe(JSON.stringify(obj));
  let reads = 0;
  const counted = Object.freeze({ get n() { reads++; return 1; } });
  expect(sharedJson(counted)).toBe('{"n":1}');
  expect(sharedJson(counted)).toBe('{"n":1}');
  expect(reads).toBe(1);
});

test("mutable objects are not remembered", () => {
  const obj: { n: number } = { n: 1 };
  expect(sharedJson(obj)).toBe('{"n":1}');
  obj.n = 2;
  expect(sharedJson(obj)).toBe('{"n":2}');
});
