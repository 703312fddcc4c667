import { expect, test } from "bun:test";
import type { KObject } from "../resources/index.ts";
import { jsonListBody } from "./render.ts";

const list = (n: number, valueChars = (i: number) => i % 700): KObject[] =>
  Array.from({ length: n }, (_, i) => Object.freeze({ kind: "ConfigMap", apiVersion: "v1", metadata: { name: `c${i}-ü`, resourceVersion: String(i + 1) }, data: { v: "x".repeat(valueChars(i)) } }) as KObject);
const head = () => JSON.stringify({ kind: "ConfigMapList", apiVersion: "v1", metadata: { resourceVersion: "9" } }).slice(0, -1);
const whole = (items: KObject[]) => JSON.stringify({ kind: "ConfigMapList", apiVersion: "v1", metadata: { resourceVersion: "9" }, items });

async function textOf(body: string | ArrayBuffer | ReadableStream<Uint8Array>): Promise<{ text: string; chunks: number }> {
  if (typeof body === "string") return { text: body, chunks: 1 };
  if (body instanceof ArrayBuffer) return { text: new TextDecoder().decode(body), chunks: 1 };
  let chunks = 0;
  let text = "";
  const dec = new TextDecoder();
  for await (const c of body) { chunks++; text += dec.decode(c, { stream: true }); }
  return { text, chunks };
}

test("jsonListBody: shared items up to 16 MiB are one buffer equal to JSON.stringify of the list", async () => {
  for (const n of [0, 1, 3, 500, 2345]) {
    const items = list(n);
    const body = jsonListBody(head(), items);
    if (n > 0) expect(body).toBeInstanceOf(ArrayBuffer);
    expect((await textOf(body)).text).toBe(whole(items));
  }
});

test("jsonListBody: fresh (unfrozen) items are one string", () => {
  const items = list(1200).map((o) => ({ ...o }) as KObject);
  expect(jsonListBody(head(), items)).toBe(whole(items));
});

test("jsonListBody: more than 16 MiB of shared items streams in chunks whose concatenation is the same JSON", async () => {
  const items = list(2200, () => 10_000); // ~22 MB
  const body = jsonListBody(head(), items);
  expect(body).toBeInstanceOf(ReadableStream);
  const { text, chunks } = await textOf(body);
  expect(text).toBe(whole(items));
  expect(chunks).toBeGreaterThan(10);
});
