import { expect, test } from "bun:test";
import type { KObject } from "../resources/index.ts";
import { jsonListBody } from "./render.ts";

const list = (n: number): KObject[] =>
  Array.from({ length: n }, (_, i) => Object.freeze({ kind: "ConfigMap", apiVersion: "v1", metadata: { name: `c${i}`, resourceVersion: String(i + 1) }, data: { v: "x".repeat(i % 700) } }) as KObject);
const head = (items: KObject[]) => JSON.stringify({ kind: "ConfigMapList", apiVersion: "v1", metadata: { resourceVersion: "9" } }).slice(0, -1);
const whole = (items: KObject[]) => JSON.stringify({ kind: "ConfigMapList", apiVersion: "v1", metadata: { resourceVersion: "9" }, items });

test("jsonListBody: a small list is one string equal to JSON.stringify of the list", () => {
  for (const n of [0, 1, 3, 500]) {
    const items = list(n);
    expect(jsonListBody(head(items), items)).toBe(whole(items));
  }
});

test("jsonListBody: a big list of fresh (unfrozen) items is one string", () => {
  const items = list(1200).map((o) => ({ ...o }) as KObject);
  expect(jsonListBody(head(items), items)).toBe(whole(items));
});

test("jsonListBody: a big list of shared items streams in chunks whose concatenation is the same JSON", async () => {
  for (const n of [501, 2345]) {
    const items = list(n);
    const body = jsonListBody(head(items), items);
    expect(body).toBeInstanceOf(ReadableStream);
    let chunks = 0;
    let text = "";
    const dec = new TextDecoder();
    for await (const c of body as ReadableStream<Uint8Array>) { chunks++; text += dec.decode(c, { stream: true }); }
    expect(text).toBe(whole(items));
    if (n > 2000) expect(chunks).toBeGreaterThan(1);
  }
});
