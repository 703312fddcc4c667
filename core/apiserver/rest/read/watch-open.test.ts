import { afterAll, beforeAll, expect, test } from "bun:test";
import { startHarness, type Harness } from "../../testing/harness.ts";

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

test("an idle watch opens at once with a blank line (Bun sends headers with the first chunk)", async () => {
  const rv = h.store.currentRevision();
  const res = await h.server.handle(new Request(`https://lite.test/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`), { username: "admin", groups: ["system:masters"] });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const first = await Promise.race([reader.read(), Bun.sleep(500).then(() => undefined)]);
  expect(first?.value && new TextDecoder().decode(first.value)).toBe("\n");
  await reader.cancel();
});
