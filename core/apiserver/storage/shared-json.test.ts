import { expect, test } from "bun:test";
import { concatBytes, sharedJsonBytes } from "./shared-json.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

test("sharedJsonBytes is JSON.stringify as UTF-8, computed once for frozen objects", () => {
  const obj = Object.freeze({ kind: "Pod", metadata: { name: "a-ü", resourceVersion: "7" }, spec: { x: [1, 2] } });
  expect(text(sharedJsonBytes(obj))).toBe(JSON.stringify(obj));
  let reads = 0;
  const counted = Object.freeze({ get n() { reads++; return 1; } });
  expect(text(sharedJsonBytes(counted))).toBe('{"n":1}');
  expect(sharedJsonBytes(counted)).toBe(sharedJsonBytes(counted));
  expect(reads).toBe(1);
});

test("mutable objects are not remembered", () => {
  const obj: { n: number } = { n: 1 };
  expect(text(sharedJsonBytes(obj))).toBe('{"n":1}');
  obj.n = 2;
  expect(text(sharedJsonBytes(obj))).toBe('{"n":2}');
});

test("concatBytes joins in order", () => {
  const e = new TextEncoder();
  expect(text(concatBytes([e.encode("ab"), new Uint8Array(0), e.encode("ç")]))).toBe("abç");
});
