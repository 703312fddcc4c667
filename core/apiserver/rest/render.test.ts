import { expect, test } from "bun:test";
import type { KObject } from "../resources/index.ts";
import { jsonListBody } from "./render.ts";

const list = (n: number, valueChars = (i: number) => i % 700): KObject[] =>
  Array.from({ length: n }, (_, i) => Object.freeze({ kind: "ConfigMap", apiVersion: "v1", metadata: { name: `c${i}-ü`, resourceVersion: String(i + 1) }, data: { v: "x".repeat(valueChars(i)) } }) as KObject);
const head = () => JSON.stringify({ kind: "ConfigMapList", apiVersion: "v1", metadata: { resourceVersion: "9" } }).slice(0, -1);
const whole = (items: KObject[]) => JSON.stringify({ kind: "ConfigMapList", apiVersion: "v1", metadata: { resourceVersion: "9" }, items });

const textOf = (body: string | ReadableStream<Uint8Array>): Promise<string> => (typeof body === "string" ? Promise.resolve(body) : new Response(body).text());

test("jsonListBody: shared items stream the same JSON as JSON.stringify of the list", async () => {
  for (const n of [1, 3, 500, 2345]) {
    const items = list(n);
    const body = jsonListBody(head(), items);
    expect(body).toBeInstanceOf(ReadableStream);
    expect(await textOf(body)).toBe(whole(items));
  }
  expect(await textOf(jsonListBody(head(), []))).toBe(whole([]));
});

test("jsonListBody: big items between small ones keep their order", async () => {
  const items = list(40, (i) => (i % 7 === 3 ? 300_000 + i : i * 10));
  expect(await textOf(jsonListBody(head(), items))).toBe(whole(items));
});

test("jsonListBody: fresh (unfrozen) items are one string", () => {
  const items = list(1200).map((o) => ({ ...o }) as KObject);
  expect(jsonListBody(head(), items)).toBe(whole(items));
});

test("jsonListBody over HTTP: concurrent lists to slow readers arrive intact", async () => {
  const lists = [list(2200, () => 2_000), list(1500, (i) => i % 3000), list(30, () => 400_000)];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (req) => new Response(jsonListBody(head(), lists[Number(new URL(req.url).pathname.slice(1))]!)),
  });
  try {
    const slowRead = async (i: number): Promise<string> => {
      const res = await fetch(`http://127.0.0.1:${server.port}/${i}`);
      const chunks: Uint8Array[] = [];
      for await (const c of res.body!) {
        chunks.push(c);
        if (chunks.length % 4 === 0) await Bun.sleep(1);
      }
      return new TextDecoder().decode(Buffer.concat(chunks));
    };
    const texts = await Promise.all([0, 1, 2, 0, 1].map(slowRead));
    texts.forEach((t, k) => expect(t).toBe(whole(lists[[0, 1, 2, 0, 1][k]!]!)));
  } finally {
    server.stop(true);
  }
});
