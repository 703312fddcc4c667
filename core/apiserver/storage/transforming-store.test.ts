import { expect, test } from "bun:test";
import { createMemoryStore } from "../../store/memory.ts";
import { describeStoreSuite } from "../../store/store-suite.ts";
import { withValueTransformer, type TransformerBinding } from "./transforming-store.ts";

/** Reverses values: enough to prove every path transforms both ways. */
const reverse: TransformerBinding = {
  matches: (key) => !key.startsWith("/plain/"),
  current: () => ({
    toStorage: (v) => "R:" + [...v].reverse().join(""),
    fromStorage: (s) => ({ value: [...s.slice(2)].reverse().join(""), stale: false }),
  }),
};

// The wrapper keeps the whole Store contract.
describeStoreSuite("transforming(memory)", { open: async () => withValueTransformer(createMemoryStore(), reverse), cleanup: async () => {} });

test("values of matching keys are transformed at rest only", async () => {
  const raw = createMemoryStore();
  const store = withValueTransformer(raw, reverse);
  const created = await store.create("/s/a", "hello");
  expect(created.value).toBe("hello");
  await store.create("/plain/b", "world");
  expect((await raw.get("/s/a")).kv?.value).toBe("R:olleh");
  expect((await raw.get("/plain/b")).kv?.value).toBe("world");
  expect((await store.list("/")).kvs.map((kv) => kv.value)).toEqual(["world", "hello"]);
  const ac = new AbortController();
  const events: string[] = [];
  const watching = (async () => {
    for await (const ev of store.watch("/", { afterRevision: 0, signal: ac.signal })) {
      events.push(`${ev.type}:${ev.kv.value}:${ev.prevKv?.value ?? ""}`);
      if (events.length === 3) ac.abort();
    }
  })();
  await store.update("/s/a", "bye", created.modRevision);
  await watching;
  expect(events).toEqual(["create:hello:", "create:world:", "update:bye:hello"]);
  expect((await store.delete("/s/a")).value).toBe("bye");
  await store.close();
});
